package dev.batchqa.ingest;

/** A client error that becomes an HTTP status with a JSON body {"error": {"code", "message", "field"}}. */
final class ApiException extends RuntimeException {
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
