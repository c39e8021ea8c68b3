package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.QuestionReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/** Turns the body of an HTTP API event into a JSON tree, or a 400/413/415 saying what is wrong with it. */
final class JsonBody {
    /** Largest body of POST /qa: the largest valid request is well below it (see {@link dev.batchqa.shared.message.Limits}). */
    static final int MAX_BODY_BYTES = 256 * 1024;
    /** Largest body of POST /qa/batch: under Lambda's 6 MB limit for a synchronous invocation. */
    static final int MAX_BATCH_BODY_BYTES = 5 * 1024 * 1024;

    private JsonBody() {}

    static JsonNode read(APIGatewayV2HTTPEvent event, int maxBytes) {
        requireJsonContentType(event.getHeaders());
        byte[] bytes = bytes(event);
        if (bytes.length == 0) {
            throw new ApiException(400, "EMPTY_BODY", "request body is empty; expected a JSON object");
        }
        if (bytes.length > maxBytes) {
            throw new ApiException(413, "BODY_TOO_LARGE", "request body exceeds " + maxBytes + " bytes");
        }
        String text = strictUtf8(bytes);
        try {
            return QuestionReader.parse(text);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "MALFORMED_JSON", "request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void requireJsonContentType(Map<String, String> headers) {
        String type = header(headers, "content-type");
        if (type == null) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
        }
        String mediaType = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type must be application/json, was '" + mediaType + "'");
        }
    }

    /** HTTP API lower-cases header names, but the local front and tests may not: look up case-insensitively. */
    static String header(Map<String, String> headers, String name) {
        if (headers == null) return null;
        for (var entry : headers.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name)) return entry.getValue();
        }
        return null;
    }

    /** The raw body, base64-decoded when API Gateway encoded it. */
    static byte[] bytes(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null) return new byte[0];
        if (event.getIsBase64Encoded()) {
            try {
                return Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "MALFORMED_BODY", "request body is not valid base64");
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(400, "INVALID_UTF8", "request body is not valid UTF-8");
        }
    }
}
