package dev.batchqa.shared.store;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The item schema of a question record in the DynamoDB table keyed by {@code id} (S): its attribute names and the
 * mapping between an item and a {@link QaRecord}. {@link DynamoDbRequestStore} writes and reads items through it; the
 * completion-events function maps stream images with {@link #toRecord}, so that both paths read an item the same way.
 *
 * <pre>{@code
 * Map<String, AttributeValue> item = RecordItem.pending(record, lifetimes.pendingUntil(record.createdAt()));
 * QaRecord back = RecordItem.toRecord(item);
 * }</pre>
 *
 * <p>Every item carries {@code expiresAt} (N, epoch seconds), the table's TTL attribute (see {@link Lifetimes}).
 * A PENDING record also carries {@code pendingShard} (N, 0 to {@value #PENDING_SHARDS} - 1, from the id's hash) and
 * {@code pendingSince} (N, creation time in epoch seconds), the keys of the sparse global secondary index
 * {@value #PENDING_INDEX} (KEYS_ONLY): every completion REMOVEs both, so the index holds PENDING records only and the
 * sweeper finds the stale ones with one Query per shard instead of a table scan. The shards spread a high ingest
 * rate over several index partitions (one partition key would take every PENDING write). A PENDING record also
 * carries {@code questionDigest} (SHA-256 of the question text, hex), which a completion's question must match.
 */
public final class RecordItem {
    public static final String ID = "id";
    public static final String STATUS = "status";
    public static final String QUESTION = "question";
    public static final String TOP_K = "topK";
    public static final String ANSWERS = "answers";
    public static final String NO_ANSWER_SCORE = "noAnswerScore";
    public static final String MODEL_NAME = "modelName";
    public static final String MODEL_VARIANT = "modelVariant";
    public static final String ERROR_CODE = "errorCode";
    public static final String ERROR_MESSAGE = "errorMessage";
    public static final String CORRELATION_ID = "correlationId";
    public static final String CREATED_AT = "createdAt";
    public static final String COMPLETED_AT = "completedAt";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String QUEUED_AT = "queuedAt";
    public static final String PENDING_SHARD = "pendingShard";
    public static final String PENDING_SINCE = "pendingSince";
    public static final String QUESTION_DIGEST = "questionDigest";
    /** The sparse index of PENDING records: hash {@code pendingShard} (N), range {@code pendingSince} (N). */
    public static final String PENDING_INDEX = "pending-by-age";
    /** Partition keys of {@value #PENDING_INDEX}; the sweeper queries each. */
    public static final int PENDING_SHARDS = 8;

    /** What {@link #toRecord} reads (and the expiry check needs), as expression names: some are reserved words. */
    static final Map<String, String> RECORD_ATTRIBUTES = Stream.of(ID, STATUS, QUESTION, TOP_K, ANSWERS,
                    NO_ANSWER_SCORE, MODEL_NAME, MODEL_VARIANT, ERROR_CODE, ERROR_MESSAGE, CORRELATION_ID, CREATED_AT,
                    COMPLETED_AT, EXPIRES_AT, QUEUED_AT)
            .collect(Collectors.toUnmodifiableMap(name -> "#" + name, name -> name));
    /** {@link #RECORD_ATTRIBUTES} as a projection expression. */
    static final String RECORD_PROJECTION = String.join(", ", RECORD_ATTRIBUTES.keySet());

    private RecordItem() {}

    /** The item of a new PENDING record, in the pending index, expiring at {@code expiresAt}. */
    static Map<String, AttributeValue> pending(QaRecord record, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(record.id()));
        item.put(STATUS, s(QaStatus.PENDING.name()));
        item.put(QUESTION, s(record.question()));
        if (record.question() != null) item.put(QUESTION_DIGEST, s(questionDigest(record.question())));
        item.put(TOP_K, n(record.topK()));
        item.put(CREATED_AT, s(record.createdAt().toString()));
        item.put(EXPIRES_AT, n(expiresAt.getEpochSecond()));
        item.put(PENDING_SHARD, n(shardOf(record.id())));
        item.put(PENDING_SINCE, n(record.createdAt().getEpochSecond()));
        if (record.correlationId() != null) item.put(CORRELATION_ID, s(record.correlationId()));
        return item;
    }

    /** A deleted DONE or FAILED record: id, status DELETED and expiry only, nothing of the question or answer. */
    static Map<String, AttributeValue> tombstone(String id, Instant expiresAt) {
        return Map.of(ID, s(id), STATUS, s(QaStatus.DELETED.name()), EXPIRES_AT, n(expiresAt.getEpochSecond()));
    }

    /** The key of a record's item. */
    static Map<String, AttributeValue> key(String id) {
        return Map.of(ID, s(id));
    }

    /** The answers of a DONE record, as the list attribute {@code answers}. */
    static AttributeValue answers(List<Answer> answers) {
        return AttributeValue.fromL(answers.stream().map(a -> AttributeValue.fromM(Map.of(
                "text", s(a.text()), "start", n(a.start()), "end", n(a.end()), "score", n(a.score())))).toList());
    }

    /**
     * The record an item holds, as the store reads it (expiry not checked: {@link Lifetimes#isExpired}); also what
     * the completion-events function reads from a stream image.
     */
    public static QaRecord toRecord(Map<String, AttributeValue> item) {
        List<Answer> answers = item.containsKey(ANSWERS)
                ? item.get(ANSWERS).l().stream().map(v -> toAnswer(v.m())).toList()
                : List.of();
        ErrorInfo error = item.containsKey(ERROR_CODE)
                ? new ErrorInfo(item.get(ERROR_CODE).s(), stringOrNull(item, ERROR_MESSAGE))
                : null;
        return new QaRecord(
                item.get(ID).s(),
                QaStatus.valueOf(item.get(STATUS).s()),
                stringOrNull(item, QUESTION),
                item.containsKey(TOP_K) ? Integer.parseInt(item.get(TOP_K).n()) : 1,
                answers,
                item.containsKey(NO_ANSWER_SCORE) ? Double.parseDouble(item.get(NO_ANSWER_SCORE).n()) : null,
                item.containsKey(MODEL_NAME)
                        ? new ModelInfo(item.get(MODEL_NAME).s(), stringOrNull(item, MODEL_VARIANT)) : null,
                error,
                stringOrNull(item, CORRELATION_ID),
                instantOrNull(item, CREATED_AT),
                instantOrNull(item, COMPLETED_AT),
                item.containsKey(QUEUED_AT));
    }

    /** SHA-256 of a question's text (UTF-8), hex: what a completion's question must match. */
    static String questionDigest(String question) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(question.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The index shard of a record: stable, so that a record never moves between shards. */
    static int shardOf(String id) {
        return Math.floorMod(id.hashCode(), PENDING_SHARDS);
    }

    private static Answer toAnswer(Map<String, AttributeValue> m) {
        return new Answer(m.get("text").s(), Integer.parseInt(m.get("start").n()), Integer.parseInt(m.get("end").n()),
                Double.parseDouble(m.get("score").n()));
    }

    private static String stringOrNull(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static Instant instantOrNull(Map<String, AttributeValue> item, String name) {
        String v = stringOrNull(item, name);
        return v == null ? null : Instant.parse(v);
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(Number value) {
        return AttributeValue.fromN(value.toString());
    }
}
