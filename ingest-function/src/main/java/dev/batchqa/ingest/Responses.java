package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.batchqa.shared.message.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON responses in the shape API Gateway HTTP API (payload v2) expects. */
final class Responses {
    private Responses() {}

    static APIGatewayV2HTTPResponse json(int status, Object body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Cache-Control", "no-store");
        headers.putAll(extraHeaders);
        try {
            return APIGatewayV2HTTPResponse.builder()
                    .withStatusCode(status)
                    .withHeaders(headers)
                    .withBody(Json.MAPPER.writeValueAsString(body))
                    .withIsBase64Encoded(false)
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write response", e);
        }
    }

    /** 204: no body, and nothing for a cache to keep. */
    static APIGatewayV2HTTPResponse noContent() {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(204)
                .withHeaders(Map.of("Cache-Control", "no-store"))
                .withIsBase64Encoded(false)
                .build();
    }

    static APIGatewayV2HTTPResponse json(int status, Object body) {
        return json(status, body, Map.of());
    }

    static APIGatewayV2HTTPResponse error(ApiException e) {
        Map<String, String> headers = e.retryAfterSeconds() == null
                ? Map.of() : Map.of("Retry-After", e.retryAfterSeconds().toString());
        return json(e.status(), new ErrorBody.Envelope(ErrorBody.of(e)), headers);
    }

    static APIGatewayV2HTTPResponse error(int status, String code, String message, String field) {
        return json(status, new ErrorBody.Envelope(new ErrorBody(code, message, field)));
    }
}
