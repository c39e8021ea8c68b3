package dev.batchqa.shared.model;

import dev.batchqa.shared.message.Limits;

/**
 * How a client wants its questions answered, checked against {@link Limits} when read. One set of options applies
 * to every question of a request or message.
 *
 * <pre>{@code
 * AnswerOptions options = AnswerOptions.DEFAULT.withTopK(3); // three answers, the deployment's other defaults
 * }</pre>
 *
 * @param topK            how many distinct answers to return, best first ({@link Limits#MIN_TOP_K}..{@link Limits#MAX_TOP_K})
 * @param maxAnswerLength longest answer in model tokens (1..{@link Limits#MAX_ANSWER_LENGTH}); null: the model's
 *                        {@code max_answer_length}. Answers stay capped at its {@code max_answer_chars} characters.
 * @param allowNoAnswer   true: the model's no-answer rule ({@code null_score_threshold}) may answer "no answer";
 *                        false: always the best span, whatever the no-answer score
 */
public record AnswerOptions(int topK, Integer maxAnswerLength, boolean allowNoAnswer) {

    /** What a request that names no option gets. */
    public static final AnswerOptions DEFAULT = new AnswerOptions(Limits.DEFAULT_TOP_K, null, true);

    public AnswerOptions withTopK(int value) {
        return new AnswerOptions(value, maxAnswerLength, allowNoAnswer);
    }

    /** Whether these options can be written as a schema v1 message (which knows only topK). */
    public boolean fitsVersion1() {
        return maxAnswerLength == null && allowNoAnswer;
    }
}
