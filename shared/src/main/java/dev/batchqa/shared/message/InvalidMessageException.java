package dev.batchqa.shared.message;

import dev.batchqa.shared.model.ErrorInfo;

/**
 * A message that can never be answered (a poison message). {@link #requestId()} is the id its record lives
 * under when one could be determined; without it the message can only go to the dead-letter queue.
 */
public final class InvalidMessageException extends Exception {
    private final String code;
    private final String requestId;

    public InvalidMessageException(String code, String message, String requestId) {
        super(message);
        this.code = code;
        this.requestId = requestId;
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
