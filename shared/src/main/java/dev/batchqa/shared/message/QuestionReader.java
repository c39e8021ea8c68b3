package dev.batchqa.shared.message;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one reader of questions written as JSON: the HTTP API's bodies ({@link #request}), SQS messages of schema v1
 * and v2 and the bulk tool's JSONL lines ({@link MessageCodec}, which reads them with {@link #message}), so that all
 * accept exactly the same texts:
 *
 * <ul>
 *   <li>a key given twice is an error, not "the last one wins" (two readers of one text must never see different
 *       questions), and so is anything after the JSON value;
 *   <li>text fields are JSON strings; {@code topK} and {@code maxAnswerLength} are integer tokens ({@code 1.0} and
 *       {@code "1"} are not integers), {@code allowNoAnswer} a JSON boolean;
 *   <li>the content rules (required fields, lengths, id pattern, ranges) are {@link QaValidator}'s.
 * </ul>
 *
 * <pre>{@code
 * QuestionSet set = QuestionReader.request(QuestionReader.parse(body), "", validator, true); // Invalid: 400, 413
 * }</pre>
 *
 * Each caller turns an {@link Invalid} into its own error (an HTTP 400, a FAILED record, a line of the bulk report).
 */
public final class QuestionReader {

    private static final ObjectReader STRICT = Json.MAPPER.reader()
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The fields of a {@code POST /qa} body (and of a {@code POST /qa/batch} item). */
    public static final Set<String> REQUEST_FIELDS =
            Set.of("context", "question", "questions", "topK", "maxAnswerLength", "allowNoAnswer");
    /** The fields of a {@code POST /qa/batch} item: one question each. */
    public static final Set<String> ITEM_FIELDS = Set.of("context", "question", "topK", "maxAnswerLength", "allowNoAnswer");

    private QuestionReader() {}

    /** A JSON text as a tree, strictly: duplicate keys and trailing tokens are errors. Empty text reads as missing. */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return STRICT.readTree(text == null ? "" : text);
    }

    /**
     * A client's request: {@code {"context", "question"}} or {@code {"context", "questions": [..]}}, plus the
     * options. The questions have no ids yet: the caller gives them.
     *
     * @param path where the object sits in the body, for error fields: "" for POST /qa, "items[3]." in a batch
     * @param allowMany whether {@code questions} is accepted (POST /qa), or only {@code question} (a batch item)
     */
    public static QuestionSet request(JsonNode node, String path, QaValidator validator, boolean allowMany)
            throws Invalid {
        if (!node.isObject()) {
            String where = path.isEmpty() ? null : path.substring(0, path.length() - 1);
            throw new Invalid("INVALID_BODY", (where == null ? "request body" : where) + " must be a JSON object", where);
        }
        Set<String> accepted = allowMany ? REQUEST_FIELDS : ITEM_FIELDS;
        Optional<String> unknown = unknownField(node, accepted);
        if (unknown.isPresent()) {
            throw new Invalid("UNKNOWN_FIELD", "unknown field '" + path + unknown.get() + "'; accepted fields are "
                    + new TreeSet<>(accepted), path + unknown.get());
        }
        String question = text(node, "question", path);
        JsonNode many = node.get("questions");
        boolean hasMany = many != null && !many.isNull();
        if (question != null && hasMany) {
            throw new Invalid("CONFLICTING_FIELDS", "give either 'question' or 'questions', not both", path + "questions");
        }
        List<String> texts = new ArrayList<>();
        if (hasMany) {
            for (JsonNode item : array(many, path + "questions")) {
                int i = texts.size();
                if (!item.isTextual()) {
                    throw new Invalid("WRONG_TYPE", "'" + path + "questions[" + i + "]' must be a string",
                            path + "questions[" + i + "]");
                }
                texts.add(item.textValue());
            }
        }
        String context = text(node, "context", path);
        RawOptions raw = RawOptions.read(node, path);
        if (!hasMany) {
            check(validator.checkQuestion(question), path);
        } else {
            for (int i = 0; i < texts.size(); i++) {
                check(validator.checkQuestion(texts.get(i), "questions[" + i + "]"), path);
            }
        }
        check(validator.checkContext(context), path);
        AnswerOptions options = raw.checked(validator, path);
        List<Question> questions = hasMany ? texts.stream().map(t -> new Question(null, t)).toList()
                : List.of(new Question(null, question));
        return new QuestionSet(context, questions, options, null);
    }

    /**
     * The options at the top level of a request or a schema v2 message, as read: types are checked when read,
     * ranges by {@link #checked} after the texts (so that a body with several problems names the same one as before).
     */
    record RawOptions(Integer topK, Integer maxAnswerLength, Boolean allowNoAnswer) {
        static RawOptions read(JsonNode node, String path) throws Invalid {
            return new RawOptions(integer(node, "topK", path), integer(node, "maxAnswerLength", path),
                    bool(node, "allowNoAnswer", path));
        }

        /** Absent options take {@link AnswerOptions#DEFAULT}'s values. */
        AnswerOptions checked(QaValidator validator, String path) throws Invalid {
            check(validator.checkOptions(topK, maxAnswerLength), path);
            AnswerOptions d = AnswerOptions.DEFAULT;
            return new AnswerOptions(topK == null ? d.topK() : topK, maxAnswerLength,
                    allowNoAnswer == null ? d.allowNoAnswer() : allowNoAnswer);
        }
    }

    /**
     * The {@code questions} of a schema v2 message: {@code [{"id", "question"}, ..]}. A question with a bad text
     * is returned in {@code rejected} with its problem, so that only it fails; a missing or bad id, or an id given
     * twice, makes the whole list unreadable (the question could not be recorded, or two would share a record).
     */
    static List<Question> messageQuestions(JsonNode many, QaValidator validator, List<Rejected> rejected)
            throws Invalid {
        List<Question> questions = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        List<JsonNode> items = array(many, "questions");
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String at = "questions[" + i + "]";
            if (!item.isObject()) throw new Invalid("WRONG_TYPE", "'" + at + "' must be an object", at);
            String id = text(item, "id", at + ".");
            if (id == null || !QaValidator.isValidId(id)) {
                throw new Invalid("INVALID_ID", "'" + at + ".id' is required and must match " + Limits.ID_PATTERN,
                        at + ".id");
            }
            if (!ids.add(id)) throw new Invalid("DUPLICATE_ID", "'" + at + ".id' repeats an earlier id", at + ".id");
            String text;
            try {
                text = text(item, "question", at + ".");
                check(validator.checkQuestion(text), at + ".");
            } catch (Invalid e) {
                rejected.add(new Rejected(new Question(id, null), e));
                continue;
            }
            questions.add(new Question(id, text));
        }
        return questions;
    }

    private static List<JsonNode> array(JsonNode node, String field) throws Invalid {
        if (!node.isArray()) throw new Invalid("WRONG_TYPE", "'" + field + "' must be an array", field);
        if (node.isEmpty()) throw new Invalid("EMPTY_FIELD", "'" + field + "' must not be empty", field);
        if (node.size() > Limits.MAX_QUESTIONS_PER_SET) {
            throw new Invalid("TOO_MANY_QUESTIONS", "'" + field + "' holds more than " + Limits.MAX_QUESTIONS_PER_SET
                    + " questions", field);
        }
        List<JsonNode> items = new ArrayList<>();
        node.forEach(items::add);
        return items;
    }

    private static void check(Optional<QaValidator.FieldError> problem, String path) throws Invalid {
        if (problem.isPresent()) {
            QaValidator.FieldError e = problem.get();
            // the message names the field without its path (as it always has); the field has the path
            throw new Invalid(e.code(), e.message(), path + e.field());
        }
    }

    /** A string field; null when absent or JSON null. */
    public static String text(JsonNode object, String field, String path) throws Invalid {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw wrongType(path + field, "a string");
        return node.textValue();
    }

    /** An integer field (an integer token that fits an int); null when absent or JSON null. */
    public static Integer integer(JsonNode object, String field, String path) throws Invalid {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) throw wrongType(path + field, "an integer");
        return node.intValue();
    }

    /** A boolean field (JSON true or false); null when absent or JSON null. */
    public static Boolean bool(JsonNode object, String field, String path) throws Invalid {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isBoolean()) throw wrongType(path + field, "true or false");
        return node.booleanValue();
    }

    private static Invalid wrongType(String field, String expected) {
        return new Invalid("WRONG_TYPE", "'" + field + "' must be " + expected, field);
    }

    /** The first field of the object that is not accepted, if any. */
    public static Optional<String> unknownField(JsonNode object, Set<String> accepted) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!accepted.contains(name)) return Optional.of(name);
        }
        return Optional.empty();
    }

    /** A question of a v2 message that cannot be answered, and why; its siblings still can. */
    public record Rejected(Question question, Invalid problem) {}

    /**
     * What is wrong with the input: a code ({@code WRONG_TYPE}, {@code TOO_LARGE}, ...), a message that quotes no
     * user text, and the field's path ({@code items[3].topK}, {@code questions[2]}); null when no field is at fault.
     */
    public static final class Invalid extends Exception {
        private final String code;
        private final String field;

        public Invalid(String code, String message, String field) {
            super(message, null, false, false);
            this.code = code;
            this.field = field;
        }

        public String code() {
            return code;
        }

        public String field() {
            return field;
        }
    }
}
