package dev.batchqa.shared.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Encodes and decodes the SQS message body and validates what a producer wrote. Two schema versions:
 *
 * <ul>
 *   <li><b>v1</b> ({@code schemas/qa-message-v1.schema.json}): one question, {@code {"id"?, "question", "context",
 *       "topK"?, "correlationId"?}};
 *   <li><b>v2</b> ({@code schemas/qa-message-v2.schema.json}): one context and its questions, each with its own id,
 *       plus the answer options: {@code {"version": 2, "context", "questions": [{"id", "question"}], "topK"?,
 *       "maxAnswerLength"?, "allowNoAnswer"?, "correlationId"?}}.
 * </ul>
 *
 * A set of one question with only topK set is written as v1, so that an inference function that reads only v1
 * (during a rolling deployment) still reads every single question.
 *
 * <pre>{@code
 * String body = codec.encode(QuestionSet.single(id, "Which score?", context, 1, correlationId));
 * MessageCodec.Decoded decoded = codec.decode(body, sqsMessageId); // InvalidMessageException: a poison message
 * }</pre>
 */
public final class MessageCodec {
    public static final int VERSION_1 = 1;
    public static final int VERSION_2 = 2;
    /** Same rule as the HTTP API's X-Correlation-Id; anything else falls back to the request id. */
    private static final Pattern CORRELATION_ID = Pattern.compile(Limits.CORRELATION_ID_PATTERN);

    private final QaValidator validator;

    public MessageCodec(QaValidator validator) {
        this.validator = validator;
    }

    /**
     * The body of one message; every question must have an id.
     *
     * @throws IllegalArgumentException when the body would exceed {@link Limits#MAX_MESSAGE_BYTES}
     */
    public String encode(QuestionSet set) {
        return withinLimit(write(set));
    }

    /** The body unchanged, or {@link IllegalArgumentException} when it exceeds {@link Limits#MAX_MESSAGE_BYTES}. */
    private static String withinLimit(String text) {
        if (text.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message exceeds the SQS limit of " + Limits.MAX_MESSAGE_BYTES + " bytes");
        }
        return text;
    }

    /** The UTF-8 size of the message body of this set: a set is queued only if it fits {@link Limits#MAX_MESSAGE_BYTES}. */
    public static int encodedBytes(QuestionSet set) {
        return write(set).getBytes(StandardCharsets.UTF_8).length;
    }

    private static ObjectNode writeV2(QuestionSet set) {
        AnswerOptions options = set.options();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("version", VERSION_2);
        body.put("context", set.context());
        ArrayNode questions = body.putArray("questions");
        for (Question q : set.questions()) questions.addObject().put("id", q.id()).put("question", q.text());
        body.put("topK", options.topK());
        if (options.maxAnswerLength() != null) body.put("maxAnswerLength", options.maxAnswerLength());
        if (!options.allowNoAnswer()) body.put("allowNoAnswer", false);
        if (set.correlationId() != null) body.put("correlationId", set.correlationId());
        return body;
    }

    private static String write(QuestionSet set) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        AnswerOptions options = set.options();
        if (set.questions().size() == 1 && options.fitsVersion1()) {
            body.put("version", VERSION_1);
            if (set.first().id() != null) body.put("id", set.first().id()); // absent: the SQS message id
            body.put("question", set.first().text());
            body.put("context", set.context());
            body.put("topK", options.topK());
            if (set.correlationId() != null) body.put("correlationId", set.correlationId());
        } else {
            body = writeV2(set);
        }
        return text(body);
    }

    private static String text(ObjectNode body) {
        try {
            return Json.MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode message", e);
        }
    }

    /**
     * A valid message, with every default applied: the set holds its answerable questions; {@code rejected} the
     * questions of a v2 message that are invalid themselves (their siblings are still answered).
     */
    public record Decoded(QuestionSet set, List<QuestionReader.Rejected> rejected, Continuation continuation) {
        public Decoded {
            rejected = List.copyOf(rejected);
        }

        public Decoded(QuestionSet set, List<QuestionReader.Rejected> rejected) {
            this(set, rejected, null);
        }
    }

    /**
     * What a continuation message carries beyond its questions: how many invocations have handed the work on
     * before ({@code count}, from 1), and when SQS first accepted the original message ({@code acceptedAt}), which
     * the completion's TTL rules use instead of the continuation's own send time. An inference invocation that runs
     * out of time sends the questions it did not answer in a continuation and acknowledges the original, so that a
     * message's receive count rises only when processing really failed.
     *
     * @param acceptedAt null when the original's send time was unknown
     */
    public record Continuation(int count, Instant acceptedAt) {
        /** The most continuations a message may have: a safety net against a loop, far above any real need. */
        public static final int MAX_COUNT = 1_000;

        public Continuation {
            if (count < 1 || count > MAX_COUNT) throw new IllegalArgumentException("count must be 1.." + MAX_COUNT);
        }

        /** The continuation after this one (or after an original, when {@code previous} is null). */
        public static Continuation next(Continuation previous, Instant originalSentAt) {
            return previous == null ? new Continuation(1, originalSentAt)
                    : new Continuation(previous.count + 1, previous.acceptedAt);
        }
    }

    /**
     * The body of a continuation: always schema v2 (v1 has no room for the progress fields), the remaining
     * questions with their ids, the same context and options.
     */
    public String encodeContinuation(QuestionSet set, Continuation continuation) {
        ObjectNode body = writeV2(set);
        body.put("continuation", continuation.count());
        if (continuation.acceptedAt() != null) body.put("acceptedAt", continuation.acceptedAt().toEpochMilli());
        // cannot exceed the limit for a subset of a message that fitted, but a continuation must never be cut
        return withinLimit(text(body));
    }

    /**
     * Reads a message body. Fields are checked in an order that finds the request ids first, so that as many
     * poison messages as possible can be recorded as FAILED under their ids.
     *
     * @param sqsMessageId the id SQS gave the message; the request id of a v1 message whose body names none
     */
    public Decoded decode(String body, String sqsMessageId) throws InvalidMessageException {
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
        int version = version(tree);
        if (version == VERSION_2) return decodeV2(tree, sqsMessageId);
        JsonNode idNode = tree.get("id");
        if (idNode != null && !idNode.isNull() && !(idNode.isTextual() && QaValidator.isValidId(idNode.textValue()))) {
            throw new InvalidMessageException("INVALID_ID", "'id' must match " + Limits.ID_PATTERN, null);
        }
        String id = v1Id(tree, sqsMessageId);
        if (version != VERSION_1) {
            throw new InvalidMessageException("UNSUPPORTED_VERSION", "unsupported message version " + tree.get("version")
                    + "; this service reads versions " + VERSION_1 + " and " + VERSION_2, id);
        }
        String question = text(tree, "question", id);
        String context = text(tree, "context", id);
        Integer topK = integer(tree, "topK", id);
        var problem = validator.check(question, context, topK);
        if (problem.isPresent()) {
            // keep what was valid, so that the FAILED record shows the question that was asked
            boolean questionValid = validator.checkQuestion(question).isEmpty();
            boolean topKValid = topK != null && validator.checkOptions(topK, null).isEmpty();
            throw new InvalidMessageException(problem.get().code(), problem.get().message(), id,
                    questionValid ? question : null, topKValid ? topK : null);
        }
        QuestionSet set = QuestionSet.single(id, question, context, topK == null ? Limits.DEFAULT_TOP_K : topK,
                correlationId(tree, id));
        return new Decoded(set, List.of());
    }

    private Decoded decodeV2(JsonNode tree, String sqsMessageId) throws InvalidMessageException {
        JsonNode many = tree.get("questions");
        List<QuestionReader.Rejected> rejected = new ArrayList<>();
        List<Question> questions;
        try {
            if (many == null || many.isNull()) {
                throw new QuestionReader.Invalid("MISSING_FIELD", "'questions' is required", "questions");
            }
            questions = QuestionReader.messageQuestions(many, validator, rejected);
        } catch (QuestionReader.Invalid e) {
            // the list as a whole is unreadable: fail every question whose id can be read
            throw new InvalidMessageException(e.code(), e.getMessage(), readableIds(tree), null);
        }
        List<Question> all = new ArrayList<>(questions);
        rejected.forEach(r -> all.add(r.question()));
        AnswerOptions options;
        String context;
        try {
            context = QuestionReader.text(tree, "context", "");
            QuestionReader.RawOptions raw = QuestionReader.RawOptions.read(tree, "");
            var problem = validator.checkContext(context);
            if (problem.isPresent()) {
                throw new QuestionReader.Invalid(problem.get().code(), problem.get().message(), problem.get().field());
            }
            options = raw.checked(validator, "");
        } catch (QuestionReader.Invalid e) {
            throw new InvalidMessageException(e.code(), e.getMessage(), all, null);
        }
        Continuation continuation;
        try {
            continuation = continuation(tree);
        } catch (QuestionReader.Invalid e) {
            throw new InvalidMessageException(e.code(), e.getMessage(), all, null);
        }
        String first = questions.isEmpty() ? sqsMessageId : questions.getFirst().id();
        return new Decoded(new QuestionSet(context, questions, options, correlationId(tree, first)), rejected,
                continuation);
    }

    /** The progress fields of a v2 body: both absent (an original), or a valid count and an optional time. */
    private static Continuation continuation(JsonNode tree) throws QuestionReader.Invalid {
        JsonNode count = tree.get("continuation");
        JsonNode accepted = tree.get("acceptedAt");
        if ((count == null || count.isNull()) && (accepted == null || accepted.isNull())) return null;
        if (count == null || !count.isIntegralNumber() || !count.canConvertToInt() || count.intValue() < 1
                || count.intValue() > Continuation.MAX_COUNT) {
            throw new QuestionReader.Invalid("INVALID_CONTINUATION",
                    "'continuation' must be an integer from 1 to " + Continuation.MAX_COUNT, "continuation");
        }
        Instant acceptedAt = null;
        if (accepted != null && !accepted.isNull()) {
            if (!accepted.isIntegralNumber() || !accepted.canConvertToLong() || accepted.longValue() < 0) {
                throw new QuestionReader.Invalid("INVALID_CONTINUATION",
                        "'acceptedAt' must be epoch milliseconds", "acceptedAt");
            }
            acceptedAt = Instant.ofEpochMilli(accepted.longValue());
        }
        return new Continuation(count.intValue(), acceptedAt);
    }

    /**
     * The questions whose records a message names, read as leniently as the fields allow: the v1 body's valid
     * {@code id}, else the SQS message id; the questions with a valid id of a v2 body. Texts where the body has them
     * as strings. The dead-letter handler uses it on messages that may not even be JSON.
     *
     * <p>The JSON itself is parsed as {@link #decode} parses it ({@link QuestionReader#parse}): a body that names a
     * key twice or has text after the object names no question to inference, so it names only the SQS message id
     * here too, never the id one of two readings of it would pick.
     */
    public static List<Question> bestEffortQuestions(String body, String sqsMessageId) {
        JsonNode tree;
        try {
            tree = QuestionReader.parse(body);
        } catch (JsonProcessingException e) {
            return List.of(new Question(sqsMessageId, null));
        }
        if (version(tree) == VERSION_2) {
            return readableIds(tree);
        }
        return List.of(new Question(v1Id(tree, sqsMessageId), textOrNull(tree, "question")));
    }

    /** The ids of {@link #bestEffortQuestions}. */
    public static List<String> bestEffortIds(String body, String sqsMessageId) {
        return bestEffortQuestions(body, sqsMessageId).stream().map(Question::id).toList();
    }

    /** The first of {@link #bestEffortIds}, for a v1 message the only one. */
    public static String bestEffortId(String body, String sqsMessageId) {
        List<String> ids = bestEffortIds(body, sqsMessageId);
        return ids.isEmpty() ? sqsMessageId : ids.getFirst();
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

    /**
     * The v2 questions with a valid id (texts only where valid), in order, each id once; when there are none, a
     * valid top-level {@code id} (a v1-shaped body marked version 2 still names its record).
     */
    private static List<Question> readableIds(JsonNode tree) {
        JsonNode many = tree == null ? null : tree.get("questions");
        List<Question> found = new ArrayList<>();
        if (many == null || !many.isArray()) {
            String id = textOrNull(tree, "id");
            if (id != null && QaValidator.isValidId(id)) found.add(new Question(id, textOrNull(tree, "question")));
            return found;
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode q : many) {
            String id = textOrNull(q, "id");
            // no cap at the limit: a message over it fails every question it names (best effort, bounded by the
            // message size)
            if (id != null && QaValidator.isValidId(id) && seen.add(id)) {
                found.add(new Question(id, textOrNull(q, "question")));
            }
        }
        return found;
    }

    /**
     * The body's schema version: 1 when it names none, -1 when it is not an integer token (2.0, or 4294967298, whose
     * int value wraps around to 2). Decoding and the dead-letter path's best-effort reading must agree on it.
     */
    private static int version(JsonNode tree) {
        JsonNode v = tree == null ? null : tree.get("version");
        if (v == null || v.isNull()) return VERSION_1;
        return v.isIntegralNumber() && v.canConvertToInt() ? v.intValue() : -1;
    }

    /** A field's value where the node has it as a string, else null. */
    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static String correlationId(JsonNode tree, String fallback) {
        JsonNode correlation = tree.get("correlationId");
        return correlation != null && correlation.isTextual()
                && CORRELATION_ID.matcher(correlation.textValue()).matches() ? correlation.textValue() : fallback;
    }

    private static String v1Id(JsonNode tree, String sqsMessageId) {
        JsonNode idNode = tree == null ? null : tree.get("id");
        return idNode != null && idNode.isTextual() && QaValidator.isValidId(idNode.textValue())
                ? idNode.textValue()
                : sqsMessageId;
    }

    private static String text(JsonNode tree, String field, String id) throws InvalidMessageException {
        try {
            return QuestionReader.text(tree, field, "");
        } catch (QuestionReader.Invalid e) {
            throw new InvalidMessageException(e.code(), e.getMessage(), id);
        }
    }

    private static Integer integer(JsonNode tree, String field, String id) throws InvalidMessageException {
        try {
            return QuestionReader.integer(tree, field, "");
        } catch (QuestionReader.Invalid e) {
            throw new InvalidMessageException(e.code(), e.getMessage(), id);
        }
    }
}
