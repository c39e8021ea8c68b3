package dev.batchqa.ingest;

/** A client error that becomes an HTTP status with a JSON body {"error": {"code", "message", "field"}}. */
final class ApiException extends RuntimeException {
    /** 503 error code of a refusal by admission control ({@link BacklogGate}); the metrics count these apart. */
    static final String QUEUE_BACKLOG = "QUEUE_BACKLOG";

    private final int status;
    private final String code;
    private final String field;
    private final Integer retryAfterSeconds;

    ApiException(int status, String code, String message, String field) {
        this(status, code, message, field, null);
    }

    private ApiException(int status, String code, String message, String field, Integer retryAfterSeconds) {
        super(message, null, false, false); // no stack trace: this is control flow, never a bug
        this.status = status;
        this.code = code;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A 503 whose response tells the client, in a Retry-After header, when to try again. */
    static ApiException unavailable(String code, String message, int retryAfterSeconds) {
        return new ApiException(503, code, message, null, retryAfterSeconds);
    }

    /** The refusal of a new question while the queue holds more than can be answered before it expires them. */
    static ApiException backlog() {
        return unavailable(QUEUE_BACKLOG, "too many questions are waiting to be answered; try again later",
                BacklogGate.RETRY_AFTER_SECONDS);
    }

    /** An Idempotency-Key already claimed by a request with another body (or for another route's request). */
    static ApiException idempotencyKeyReused() {
        return new ApiException(422, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request",
                "Idempotency-Key");
    }

    /** A question stored (or not) but not queued: the client should try again. */
    static ApiException queueUnavailable() {
        return new ApiException(503, "QUEUE_UNAVAILABLE", "the request could not be queued; try again later");
    }

    /** A problem the shared reader found in a request: 413 when something is too large, else 400. */
    static ApiException of(dev.batchqa.shared.message.QuestionReader.Invalid e) {
        int status = e.code().equals("TOO_LARGE") || e.code().equals("TOO_MANY_QUESTIONS") ? 413 : 400;
        return new ApiException(status, e.code(), e.getMessage(), e.field());
    }

    ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String field() {
        return field;
    }

    /** Seconds for the Retry-After header, or null for none. */
    Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
