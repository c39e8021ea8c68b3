package dev.batchqa.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The error object of every error response ({@code {"error": ErrorBody}}) and of rejected batch items:
 * {@code {"code", "message", "field"?}}. {@code field} is omitted, not null, when the error is about no field,
 * because openapi.yaml declares it a string.
 */
record ErrorBody(String code, String message, @JsonInclude(JsonInclude.Include.NON_NULL) String field) {

    static ErrorBody of(ApiException e) {
        return new ErrorBody(e.code(), e.getMessage(), e.field());
    }

    /** The body of an error response: the error object under one key, so clients test for {@code error}. */
    record Envelope(ErrorBody error) {}
}
