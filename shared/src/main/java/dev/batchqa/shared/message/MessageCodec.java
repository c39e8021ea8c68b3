package dev.batchqa.shared.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/** Encodes and decodes the SQS message body, schema version 1, and validates what a producer wrote. */
public final class MessageCodec {
    /** Same rule as the HTTP API's X-Correlation-Id; anything else falls back to the request id. */
    private static final Pattern CORRELATION_ID = Pattern.compile(Limits.CORRELATION_ID_PATTERN);

    private final QaValidator validator;

    public MessageCodec(QaValidator validator) {
        this.validator = validator;
    }

    public String encode(QaMessage message) {
        try {
            String body = Json.MAPPER.writeValueAsString(message);
            if (body.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_MESSAGE_BYTES) {
                throw new IllegalArgumentException("message exceeds the SQS limit of " + Limits.MAX_MESSAGE_BYTES + " bytes");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode message", e);
        }
    }

    /**
     * Reads a message body. Fields are checked in an order that finds the request id first, so that as many
     * poison messages as possible can be recorded as FAILED under their id.
     *
     * @param sqsMessageId the id SQS gave the message; the request id when the body names none
     */
    public DecodedMessage decode(String body, String sqsMessageId) throws InvalidMessageException {
        JsonNode tree;
        try {
            tree = QuestionReader.parse(body);
        } catch (JsonProcessingException e) {
            // the parser's message is not passed on: it can quote the body, i.e. the user's text
            throw new InvalidMessageException("MALFORMED_MESSAGE",
                    "message body is not valid JSON (or names a field twice, or has text after the object)", null);
        }
        if (!(tree instanceof ObjectNode)) {
            throw new InvalidMessageException("MALFORMED_MESSAGE", "message body is not a JSON object", null);
        }
        JsonNode idNode = tree.get("id");
        if (idNode != null && !idNode.isNull() && !(idNode.isTextual() && QaValidator.isValidId(idNode.textValue()))) {
            throw new InvalidMessageException("INVALID_ID", "'id' must match " + Limits.ID_PATTERN, null);
        }
        String id = requestId(tree, sqsMessageId);

        JsonNode versionNode = tree.get("version");
        if (versionNode != null && !versionNode.isNull()
                // an integer token equal to 1: not 1.0, and not 4294967297, whose int value wraps around to 1
                && !(versionNode.isIntegralNumber() && versionNode.canConvertToInt()
                        && versionNode.intValue() == QaMessage.CURRENT_VERSION)) {
            throw new InvalidMessageException("UNSUPPORTED_VERSION",
                    "unsupported message version " + versionNode + "; this service reads version " + QaMessage.CURRENT_VERSION, id);
        }
        String question = text(tree, "question", id);
        String context = text(tree, "context", id);
        Integer topK = integer(tree, "topK", id);
        JsonNode correlation = tree.get("correlationId");
        String correlationId = correlation != null && correlation.isTextual()
                && CORRELATION_ID.matcher(correlation.textValue()).matches() ? correlation.textValue() : id;
        var problem = validator.check(question, context, topK);
        if (problem.isPresent()) {
            // keep what was valid, so that the FAILED record shows the question that was asked
            boolean questionValid = validator.check(question, "-", null).isEmpty();
            boolean topKValid = topK != null && validator.check("-", "-", topK).isEmpty();
            throw new InvalidMessageException(problem.get().code(), problem.get().message(), id,
                    questionValid ? question : null, topKValid ? topK : null);
        }
        return new DecodedMessage(id, question, context, topK == null ? Limits.DEFAULT_TOP_K : topK, correlationId);
    }

    /**
     * The id a message's record lives under, read as leniently as possible: the body's valid {@code id}, else
     * the SQS message id. The dead-letter handler uses it on messages that may not even be JSON.
     */
    public static String bestEffortId(String body, String sqsMessageId) {
        try {
            return requestId(Json.MAPPER.readTree(body == null ? "" : body), sqsMessageId);
        } catch (JsonProcessingException e) {
            return sqsMessageId;
        }
    }

    /**
     * When SQS first accepted a message: its {@code SentTimestamp} attribute, kept by redeliveries and by the move
     * to the dead-letter queue; null when absent or unreadable. The store creates no missing record for an old one.
     */
    public static Instant sentAt(Map<String, String> attributes) {
        String sent = attributes == null ? null : attributes.get("SentTimestamp");
        if (sent == null) return null;
        try {
            return Instant.ofEpochMilli(Long.parseLong(sent.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String requestId(JsonNode tree, String sqsMessageId) {
        JsonNode idNode = tree == null ? null : tree.get("id");
        return idNode != null && idNode.isTextual() && QaValidator.isValidId(idNode.textValue())
                ? idNode.textValue()
                : sqsMessageId;
    }

    private static String text(JsonNode tree, String field, String id) throws InvalidMessageException {
        try {
            return QuestionReader.text(tree, field);
        } catch (QuestionReader.WrongType e) {
            throw new InvalidMessageException("WRONG_TYPE", e.getMessage(), id);
        }
    }

    private static Integer integer(JsonNode tree, String field, String id) throws InvalidMessageException {
        try {
            return QuestionReader.integer(tree, field);
        } catch (QuestionReader.WrongType e) {
            throw new InvalidMessageException("WRONG_TYPE", e.getMessage(), id);
        }
    }

    /** A valid message, with every default applied. */
    public record DecodedMessage(String id, String question, String context, int topK, String correlationId) {}
}
