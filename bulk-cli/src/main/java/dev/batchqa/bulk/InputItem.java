package dev.batchqa.bulk;

import dev.batchqa.shared.model.QuestionSet;

/**
 * One item of the input: a message to validate and send (one question, or several about one context), or the reason
 * it could not even be read.
 *
 * @param where   where it came from, for reports: {@code line 12}, {@code data[3].paragraphs[0].qas[5]}
 * @param message the message as read (not yet validated; ids may be null: they are given before sending); null when
 *                {@code error} is set
 * @param error   why the item could not be read as a message; null when {@code message} is set
 */
public record InputItem(String where, QuestionSet message, String error) {

    public static InputItem of(String where, QuestionSet message) {
        return new InputItem(where, message, null);
    }

    public static InputItem unreadable(String where, String error) {
        return new InputItem(where, null, error);
    }
}
