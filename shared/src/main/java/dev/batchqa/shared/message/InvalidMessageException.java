package dev.batchqa.shared.message;

import dev.batchqa.shared.model.ErrorInfo;

/**
 * A message that can never be answered (a poison message). {@link #requestId()} is the id its record lives
 * under when one could be determined; without it the message can only go to the dead-letter queue.
 */
public final class InvalidMessageException extends Exception {
    private final String code;
    private final String requestId;
    private final String question;
    private final Integer topK;

    public InvalidMessageException(String code, String message, String requestId) {
        this(code, message, requestId, null, null);
    }

    /**
     * @param question the message's question when it is itself valid (another field was at fault), so that the
     *     FAILED record shows what was asked; else null
     * @param topK likewise
     */
    public InvalidMessageException(String code, String message, String requestId, String question, Integer topK) {
        super(message);
        this.code = code;
        this.requestId = requestId;
        this.question = question;
        this.topK = topK;
    }

    /** The question, when the message had a valid one; null otherwise. */
    public String question() {
        return question;
    }

    /** The topK, when the message had a valid one; null otherwise (the default then applies). */
    public Integer topK() {
        return topK;
    }

    public String code() {
        return code;
    }

    public String requestId() {
        return requestId;
    }

    public ErrorInfo toErrorInfo() {
        return new ErrorInfo(code, getMessage());
    }
}
