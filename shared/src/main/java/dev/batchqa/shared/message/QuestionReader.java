package dev.batchqa.shared.message;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * The one reader of a question written as JSON, used by the HTTP API (POST /qa, /qa/batch), the SQS message codec
 * and the bulk tool's JSONL input, so that the three accept exactly the same texts:
 *
 * <ul>
 *   <li>a key given twice is an error, not "the last one wins" (two readers of one text must never see different
 *       questions), and so is anything after the JSON value;
 *   <li>text fields are JSON strings; {@code topK} is an integer token: {@code 1.0} and {@code "1"} are not integers;
 *   <li>the content rules (required fields, lengths, id pattern, topK range) are {@link QaValidator}'s.
 * </ul>
 *
 * <pre>{@code
 * JsonNode tree = QuestionReader.parse(body);                  // JsonProcessingException: malformed
 * String question = QuestionReader.text(tree, "question");     // WrongType: not a string
 * Integer topK = QuestionReader.integer(tree, "topK");         // null when absent: Limits.DEFAULT_TOP_K applies
 * }</pre>
 *
 * Each caller turns a problem into its own error (an HTTP 400, a FAILED record, a line of the bulk report).
 */
public final class QuestionReader {

    private static final ObjectReader STRICT = Json.MAPPER.reader()
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private QuestionReader() {}

    /** A JSON text as a tree, strictly: duplicate keys and trailing tokens are errors. Empty text reads as missing. */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return STRICT.readTree(text == null ? "" : text);
    }

    /** A string field; null when absent or JSON null. */
    public static String text(JsonNode object, String field) throws WrongType {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw new WrongType(field, "a string");
        return node.textValue();
    }

    /** An integer field (an integer token that fits an int); null when absent or JSON null. */
    public static Integer integer(JsonNode object, String field) throws WrongType {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) throw new WrongType(field, "an integer");
        return node.intValue();
    }

    /** The first field of the object that is not accepted, if any. */
    public static Optional<String> unknownField(JsonNode object, Set<String> accepted) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!accepted.contains(name)) return Optional.of(name);
        }
        return Optional.empty();
    }

    /** A field of the wrong JSON type; the message ("'topK' must be an integer") quotes no user text. */
    public static final class WrongType extends Exception {
        private final String field;

        WrongType(String field, String expected) {
            super("'" + field + "' must be " + expected, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }

        /** The message with the field's path in front, e.g. {@code 'items[3].topK' must be an integer}. */
        public String messageAt(String path) {
            return "'" + path + getMessage().substring(1);
        }
    }
}
