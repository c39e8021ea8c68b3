package dev.batchqa.shared.message;

import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.Question;
import java.util.List;

/**
 * A message that can never be answered (a poison message). {@link #questions()} are the questions whose records can
 * be failed: the ids that could be read (with the question's text when it was valid itself). Without any, the
 * message can only go to the dead-letter queue.
 */
public final class InvalidMessageException extends Exception {
    private final String code;
    private final List<Question> questions;
    private final Integer topK;

    public InvalidMessageException(String code, String message, String requestId) {
        this(code, message, requestId, null, null);
    }

    /**
     * A schema v1 message.
     *
     * @param question the message's question when it is itself valid (another field was at fault), so that the
     *     FAILED record shows what was asked; else null
     * @param topK likewise
     */
    public InvalidMessageException(String code, String message, String requestId, String question, Integer topK) {
        this(code, message, requestId == null ? List.of() : List.of(new Question(requestId, question)), topK);
    }

    /** A message of any version: every question it names shares the fate. */
    public InvalidMessageException(String code, String message, List<Question> questions, Integer topK) {
        super(message);
        this.code = code;
        this.questions = List.copyOf(questions);
        this.topK = topK;
    }

    /** The questions to fail, ids always set, texts when valid; empty when no id could be read. */
    public List<Question> questions() {
        return questions;
    }

    /** The topK, when the message had a valid one; null otherwise (the default then applies). */
    public Integer topK() {
        return topK;
    }

    public String code() {
        return code;
    }

    /** The first question's id; null when none could be read. */
    public String requestId() {
        return questions.isEmpty() ? null : questions.getFirst().id();
    }

    public ErrorInfo toErrorInfo() {
        return new ErrorInfo(code, getMessage());
    }
}
