package dev.batchqa.ingest;

/** A client error that becomes an HTTP status with a JSON body {"error": {"code", "message", "field"}}. */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    ApiException(int status, String code, String message, String field) {
        super(message, null, false, false); // no stack trace: this is control flow, never a bug
        this.status = status;
        this.code = code;
        this.field = field;
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
}
