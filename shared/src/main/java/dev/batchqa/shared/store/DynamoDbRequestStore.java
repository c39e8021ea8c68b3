package dev.batchqa.shared.store;

import dev.batchqa.shared.aws.Backoff;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@link RequestStore} on a DynamoDB table keyed by {@code id} (S). Items carry {@code expiresAt} (epoch
 * seconds) for the table's TTL; since TTL deletes lazily (and emulators not at all), reads treat an expired
 * item as absent.
 *
 * <p>PENDING records also carry {@code pendingShard} (N, 0 to {@value #PENDING_SHARDS} - 1, from the id's hash)
 * and {@code pendingSince} (N, creation time in epoch seconds), the keys of the sparse global secondary index
 * {@value #PENDING_INDEX} (KEYS_ONLY). Every completion REMOVEs both, so the index holds PENDING records only and
 * the sweeper finds the stale ones with one Query per shard instead of a table scan. The shards spread a high
 * ingest rate over several index partitions (one partition key would take every PENDING write).
 *
 * <p>A PENDING record also carries {@code questionDigest} (SHA-256 of the question text, hex), and a completion that
 * knows its question is accepted only if the digest matches: an id is a capability, and a bulk producer that reuses
 * the id of an HTTP question still waiting in the queue (by mistake or on purpose) must not store an answer to its
 * own question under that id. The refused completion returns false, like a duplicate; the inference side tells the
 * two apart by reading the record. A completion without a question text (the sweeper, a dead letter that could not be
 * read) is not checked: it stores no answer, and the record must still end.
 *
 * <p>Late duplicates: a completion creates a missing record (bulk messages have none) only while its message is
 * younger than the result TTL. Any earlier completion of the same message happened after it was sent, so it
 * cannot have expired yet; an older message without a record may be a redelivery or a dead letter of a record
 * that was completed and has expired, and must not come back as a second, different outcome.
 *
 * <p>Deletion ({@link #delete}): a PENDING record becomes CANCELLED in place; a DONE or FAILED one is replaced by a
 * tombstone of three attributes, {@code id}, {@code status} (DELETED) and {@code expiresAt}. Both expire
 * {@link #PENDING_MIN_TTL} (or the result TTL, if longer) plus one result TTL after the delete: longer than SQS keeps
 * any message sent before it (retention counts from the first enqueue, also in the dead-letter queue), and longer
 * than the Idempotency-Key claim of the request that created it, so that neither a late message nor a retry with the
 * key can store the deleted question again. Completions need the record absent or PENDING, so neither a CANCELLED
 * record nor a tombstone is ever overwritten, and a late or duplicate message cannot recreate a deleted question.
 */
public final class DynamoDbRequestStore implements RequestStore {
    static final String ID = "id";
    static final String STATUS = "status";
    static final String QUESTION = "question";
    static final String TOP_K = "topK";
    static final String ANSWERS = "answers";
    static final String NO_ANSWER_SCORE = "noAnswerScore";
    static final String MODEL_NAME = "modelName";
    static final String MODEL_VARIANT = "modelVariant";
    static final String ERROR_CODE = "errorCode";
    static final String ERROR_MESSAGE = "errorMessage";
    static final String CORRELATION_ID = "correlationId";
    static final String CREATED_AT = "createdAt";
    static final String COMPLETED_AT = "completedAt";
    static final String EXPIRES_AT = "expiresAt";
    static final String QUEUED_AT = "queuedAt";
    static final String PENDING_SHARD = "pendingShard";
    static final String PENDING_SINCE = "pendingSince";
    static final String QUESTION_DIGEST = "questionDigest";
    /** The sparse index of PENDING records: hash {@code pendingShard} (N), range {@code pendingSince} (N). */
    public static final String PENDING_INDEX = "pending-by-age";
    /** Partition keys of {@value #PENDING_INDEX}; the sweeper queries each. */
    public static final int PENDING_SHARDS = 8;
    /** Items a {@link #stalePending} Query page asks for (KEYS_ONLY items are small: 1 MB holds thousands). */
    static final int DEFAULT_INDEX_PAGE_SIZE = 500;
    /** SQS's longest retention (14 days, the dead-letter queue's) plus a day. */
    public static final Duration PENDING_MIN_TTL = Duration.ofDays(15);

    /** Completes only what is not complete yet; also true when no PENDING record exists (bulk messages). */
    private static final String NOT_COMPLETED = "attribute_not_exists(#id) OR #status = :pending";
    /** Completes only an existing PENDING record. */
    private static final String STILL_PENDING = "#status = :pending";
    /** ... and only for the question it was created with, when the record knows it (created before digests: not). */
    private static final String SAME_QUESTION = "attribute_not_exists(#questionDigest) OR #questionDigest = :questionDigest";

    /** BatchGetItem's maximum number of keys per request. */
    public static final int MAX_KEYS_PER_BATCH_GET = 100;
    /** Retries of one BatchGetItem chunk (unprocessed keys or a retryable error) before giving up. */
    private static final int MAX_BATCH_GET_RETRIES = 10;
    /** Between those retries: from 50 ms, doubling, at most 2 s. */
    private static final Backoff BATCH_GET_BACKOFF = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
    /** What {@link #toRecord} reads (and the expiry check needs), as expression names: some are reserved words. */
    private static final Map<String, String> RECORD_ATTRIBUTES = Stream.of(ID, STATUS, QUESTION, TOP_K, ANSWERS,
                    NO_ANSWER_SCORE, MODEL_NAME, MODEL_VARIANT, ERROR_CODE, ERROR_MESSAGE, CORRELATION_ID, CREATED_AT,
                    COMPLETED_AT, EXPIRES_AT, QUEUED_AT)
            .collect(Collectors.toUnmodifiableMap(name -> "#" + name, name -> name));
    private static final String RECORD_PROJECTION = String.join(", ", RECORD_ATTRIBUTES.keySet());

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration ttl;
    private final Clock clock;
    private final int indexPageSize;

    public DynamoDbRequestStore(DynamoDbClient dynamo, String table, Duration ttl, Clock clock) {
        this(dynamo, table, ttl, clock, DEFAULT_INDEX_PAGE_SIZE);
    }

    private DynamoDbRequestStore(DynamoDbClient dynamo, String table, Duration ttl, Clock clock, int indexPageSize) {
        this.dynamo = dynamo;
        this.table = table;
        this.ttl = ttl;
        this.clock = clock;
        this.indexPageSize = indexPageSize;
    }

    /** The same store reading the pending index {@code pageSize} items a Query page (tests use small pages). */
    public DynamoDbRequestStore withIndexPageSize(int pageSize) {
        if (pageSize < 1) throw new IllegalArgumentException("pageSize must be positive");
        return new DynamoDbRequestStore(dynamo, table, ttl, clock, pageSize);
    }

    public DynamoDbRequestStore(DynamoDbClient dynamo, Settings settings) {
        this(dynamo, settings.tableName(), settings.resultTtl(), Clock.systemUTC());
    }

    @Override
    public boolean createPending(QaRecord record) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(record.id()));
        item.put(STATUS, s(QaStatus.PENDING.name()));
        item.put(QUESTION, s(record.question()));
        if (record.question() != null) item.put(QUESTION_DIGEST, s(questionDigest(record.question())));
        item.put(TOP_K, n(record.topK()));
        item.put(CREATED_AT, s(record.createdAt().toString()));
        item.put(EXPIRES_AT, n(record.createdAt().plus(pendingTtl()).getEpochSecond()));
        item.put(PENDING_SHARD, n(shardOf(record.id())));
        item.put(PENDING_SINCE, n(record.createdAt().getEpochSecond()));
        if (record.correlationId() != null) item.put(CORRELATION_ID, s(record.correlationId()));
        try {
            dynamo.putItem(PutItemRequest.builder()
                    .tableName(table)
                    .item(item)
                    // never over an existing item, even an expired one that TTL has not deleted yet: that one was
                    // answered and expired, and must not come back PENDING (an Idempotency-Key replay checks
                    // mayHaveExpired before it gets here)
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", ID))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public void markQueued(String id) {
        try {
            dynamo.updateItem(UpdateItemRequest.builder()
                    .tableName(table)
                    .key(Map.of(ID, s(id)))
                    .updateExpression("SET #queuedAt = :now")
                    .conditionExpression("#status = :pending")
                    .expressionAttributeNames(Map.of("#queuedAt", QUEUED_AT, "#status", STATUS))
                    .expressionAttributeValues(Map.of(":now", s(clock.instant().toString()), ":pending", s(QaStatus.PENDING.name())))
                    .build());
        } catch (ConditionalCheckFailedException alreadyComplete) {
            // answered already: nothing left to note
        }
    }

    @Override
    public Optional<QaRecord> find(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(GetItemRequest.builder()
                        .tableName(table)
                        .key(Map.of(ID, s(id)))
                        .consistentRead(true)
                        .build())
                .item();
        if (item == null || item.isEmpty() || isExpired(item)) return Optional.empty();
        return Optional.of(toRecord(item));
    }

    /**
     * The records of many ids, read like {@link #find}: strongly consistent, an expired record counts as absent.
     * Uses BatchGetItem, {@value #MAX_KEYS_PER_BATCH_GET} keys a request, projected to the record's attributes;
     * unprocessed keys and retryable errors (throttling, 5xx, client-side failures) are retried with bounded,
     * jittered exponential backoff (a random wait in the upper half of a ceiling that starts at 50 ms and doubles up
     * to 2 s; {@value #MAX_BATCH_GET_RETRIES} retries a request), after which the error, or an {@link IllegalStateException} for keys still unprocessed, is thrown.
     *
     * @param ids duplicates are read once
     * @return the records found, in the order of {@code ids}; unknown and expired ids are left out
     */
    @Override
    public Map<String, QaRecord> findAll(Collection<String> ids) {
        List<String> list = List.copyOf(new LinkedHashSet<>(ids));
        Map<String, QaRecord> found = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i += MAX_KEYS_PER_BATCH_GET) {
            List<String> chunk = list.subList(i, Math.min(list.size(), i + MAX_KEYS_PER_BATCH_GET));
            Map<String, QaRecord> got = batchGet(chunk);
            for (String id : chunk) {
                QaRecord record = got.get(id);
                if (record != null) found.put(id, record);
            }
        }
        return found;
    }

    /** One BatchGetItem of at most 100 distinct ids, until every key is processed. */
    private Map<String, QaRecord> batchGet(List<String> ids) {
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder()
                .keys(ids.stream().map(id -> Map.of(ID, s(id))).toList())
                .consistentRead(true)
                .projectionExpression(RECORD_PROJECTION)
                .expressionAttributeNames(RECORD_ATTRIBUTES)
                .build());
        Map<String, QaRecord> records = new HashMap<>();
        int retries = 0;
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> current = request;
            try {
                BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(current));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    if (!isExpired(item)) records.put(item.get(ID).s(), toRecord(item));
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (request.values().stream().allMatch(k -> !k.hasKeys() || k.keys().isEmpty())) request = Map.of();
            } catch (DynamoDbException | SdkClientException e) {
                if (!Backoff.isRetryable(e) || retries >= MAX_BATCH_GET_RETRIES) throw e;
            }
            if (!request.isEmpty()) {
                retries++;
                if (retries > MAX_BATCH_GET_RETRIES) {
                    throw new IllegalStateException("DynamoDB left keys unprocessed after " + retries + " attempts");
                }
                if (!Backoff.sleep(BATCH_GET_BACKOFF.delay(retries))) throw new IllegalStateException("interrupted");
            }
        }
        return records;
    }

    @Override
    public boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
        List<AttributeValue> list = answers.stream().map(DynamoDbRequestStore::answerValue).toList();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":answers", AttributeValue.fromL(list)));
        Map<String, String> names = new HashMap<>(Map.of("#answers", ANSWERS));
        StringBuilder set = new StringBuilder("#answers = :answers");
        if (noAnswerScore != null) {
            values.put(":noAnswerScore", n(noAnswerScore));
            names.put("#noAnswerScore", NO_ANSWER_SCORE);
            set.append(", #noAnswerScore = :noAnswerScore");
        }
        if (model != null) {
            values.put(":modelName", s(model.name()));
            values.put(":modelVariant", s(model.variant()));
            names.put("#modelName", MODEL_NAME);
            names.put("#modelVariant", MODEL_VARIANT);
            set.append(", #modelName = :modelName, #modelVariant = :modelVariant");
        }
        return finish(completion, QaStatus.DONE, values, set.toString(), names, mayCreate(completion));
    }

    @Override
    public boolean fail(Completion completion, ErrorInfo error) {
        return failWith(completion, error, mayCreate(completion));
    }

    @Override
    public boolean failPending(String id, ErrorInfo error) {
        return failWith(new Completion(id, null, 1, null), error, false);
    }

    @Override
    public int pendingShards() {
        return PENDING_SHARDS;
    }

    /**
     * One shard of {@value #PENDING_INDEX} ({@code pendingSince < cutoff}), oldest first: a paginated Query whose
     * pages are read as the stream is consumed. Each page continues after the last key of the one before, so the
     * entries the sweeper removes meanwhile are not read again, however far the index lags behind.
     */
    @Override
    public Stream<String> stalePending(int shard, Instant cutoff) {
        if (shard < 0 || shard >= PENDING_SHARDS) throw new IllegalArgumentException("no shard " + shard);
        return dynamo.queryPaginator(QueryRequest.builder()
                        .tableName(table)
                        .indexName(PENDING_INDEX)
                        .keyConditionExpression("#shard = :shard AND #since < :cutoff")
                        .expressionAttributeNames(Map.of("#shard", PENDING_SHARD, "#since", PENDING_SINCE))
                        .expressionAttributeValues(Map.of(":shard", n(shard), ":cutoff", n(cutoff.getEpochSecond())))
                        .limit(indexPageSize)
                        .build())
                .items().stream()
                .map(item -> item.get(ID).s());
    }

    /**
     * Reads the record, then writes the step its status calls for with a condition on that status; when the
     * condition fails (a completion or another delete won the race), reads again. At most three rounds: PENDING,
     * then DONE or FAILED, then a tombstone.
     */
    @Override
    public Deletion delete(String id) {
        for (int round = 0; round < 3; round++) {
            Optional<QaRecord> found = find(id);
            if (found.isEmpty()) return Deletion.NOT_FOUND;
            switch (found.get().status()) {
                case CANCELLED -> {
                    return Deletion.ALREADY_CANCELLED;
                }
                case DELETED -> {
                    return Deletion.ALREADY_DELETED;
                }
                case PENDING -> {
                    if (cancel(id)) return Deletion.CANCELLED;
                }
                case DONE, FAILED -> {
                    if (tombstone(id)) return Deletion.DELETED;
                }
            }
        }
        throw new IllegalStateException("record " + id + " kept changing while it was deleted");
    }

    /** PENDING to CANCELLED, without the user's text; out of the pending index, so the sweeper never sees it. */
    private boolean cancel(String id) {
        try {
            dynamo.updateItem(UpdateItemRequest.builder()
                    .tableName(table)
                    .key(Map.of(ID, s(id)))
                    .updateExpression("SET #status = :cancelled, #completedAt = :now, #expiresAt = :expires"
                            + " REMOVE #question, #questionDigest, #correlationId, #pendingShard, #pendingSince")
                    .conditionExpression(STILL_PENDING)
                    .expressionAttributeNames(Map.of("#status", STATUS, "#completedAt", COMPLETED_AT,
                            "#expiresAt", EXPIRES_AT, "#question", QUESTION, "#questionDigest", QUESTION_DIGEST,
                            "#correlationId", CORRELATION_ID, "#pendingShard", PENDING_SHARD,
                            "#pendingSince", PENDING_SINCE))
                    .expressionAttributeValues(Map.of(":cancelled", s(QaStatus.CANCELLED.name()),
                            ":now", s(clock.instant().toString()), ":pending", s(QaStatus.PENDING.name()),
                            ":expires", n(withdrawnUntil().getEpochSecond())))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** DONE or FAILED to a tombstone: the whole item replaced, so nothing of the question or answer is left. */
    private boolean tombstone(String id) {
        try {
            dynamo.putItem(PutItemRequest.builder()
                    .tableName(table)
                    .item(Map.of(ID, s(id), STATUS, s(QaStatus.DELETED.name()),
                            EXPIRES_AT, n(withdrawnUntil().getEpochSecond())))
                    .conditionExpression("#status IN (:done, :failed)")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(Map.of(":done", s(QaStatus.DONE.name()),
                            ":failed", s(QaStatus.FAILED.name())))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
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

    @Override
    public boolean mayHaveExpired(Instant createdAt) {
        return !createdAt.plus(ttl).isAfter(clock.instant());
    }

    /** Creating a missing record is safe only for a message younger than the result TTL (see the class comment). */
    private boolean mayCreate(Completion c) {
        return c.sentAt() == null || !mayHaveExpired(c.sentAt());
    }

    private boolean failWith(Completion completion, ErrorInfo error, boolean mayCreate) {
        return finish(completion, QaStatus.FAILED,
                Map.of(":code", s(error.code()), ":message", s(error.message())),
                "#errorCode = :code, #errorMessage = :message",
                Map.of("#errorCode", ERROR_CODE, "#errorMessage", ERROR_MESSAGE), mayCreate);
    }

    private boolean finish(Completion c, QaStatus status, Map<String, AttributeValue> extraValues, String extraSet,
            Map<String, String> extraNames, boolean mayCreate) {
        Instant now = clock.instant();
        Map<String, String> names = new HashMap<>(extraNames);
        names.putAll(Map.of("#id", ID, "#status", STATUS, "#completedAt", COMPLETED_AT, "#expiresAt", EXPIRES_AT,
                "#createdAt", CREATED_AT, "#question", QUESTION, "#topK", TOP_K, "#correlationId", CORRELATION_ID));
        names.put("#pendingShard", PENDING_SHARD);
        names.put("#pendingSince", PENDING_SINCE);
        if (!mayCreate) names.remove("#id"); // DynamoDB refuses unused expression names
        Map<String, AttributeValue> values = new HashMap<>(extraValues);
        values.put(":pending", s(QaStatus.PENDING.name()));
        values.put(":status", s(status.name()));
        values.put(":now", s(now.toString()));
        // a record made by its completion (a bulk message) was created when the producer sent the message
        values.put(":created", s((c.sentAt() != null && c.sentAt().isBefore(now) ? c.sentAt() : now).toString()));
        values.put(":expires", n(now.plus(ttl).getEpochSecond()));
        values.put(":question", s(c.question().text() == null ? "" : c.question().text()));
        values.put(":topK", n(c.topK()));
        values.put(":correlationId", s(c.correlationId() == null ? c.id() : c.correlationId()));
        String condition = mayCreate ? NOT_COMPLETED : STILL_PENDING;
        if (c.question().text() != null) {
            condition = "(" + condition + ") AND (" + SAME_QUESTION + ")";
            names.put("#questionDigest", QUESTION_DIGEST);
            values.put(":questionDigest", s(questionDigest(c.question().text())));
        }
        String update = "SET #status = :status, #completedAt = :now, #expiresAt = :expires, " + extraSet
                + ", #createdAt = if_not_exists(#createdAt, :created)"
                + ", #question = if_not_exists(#question, :question)"
                + ", #topK = if_not_exists(#topK, :topK)"
                + ", #correlationId = if_not_exists(#correlationId, :correlationId)"
                // out of the pending index: it holds PENDING records only
                + " REMOVE #pendingShard, #pendingSince";
        try {
            dynamo.updateItem(UpdateItemRequest.builder()
                    .tableName(table)
                    .key(Map.of(ID, s(c.id())))
                    .updateExpression(update)
                    .conditionExpression(condition)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Until when a CANCELLED record or a tombstone stays: as long as an Idempotency-Key claim can still point at it
     * (a claim lives the PENDING lifetime plus one result TTL from its request, which came before this delete), so
     * that a retry with the key finds it instead of storing the deleted question again; and longer than any message
     * can live in the queues, so that a late message cannot recreate it either.
     */
    private Instant withdrawnUntil() {
        return clock.instant().plus(pendingTtl()).plus(ttl);
    }

    /**
     * A PENDING record must outlive its message: a question can wait in the queue (4 days) and then in the
     * dead-letter queue (14 days) before it completes; only a completed record gets the configured TTL.
     */
    private Duration pendingTtl() {
        return ttl.compareTo(PENDING_MIN_TTL) > 0 ? ttl : PENDING_MIN_TTL;
    }

    private boolean isExpired(Map<String, AttributeValue> item) {
        AttributeValue expires = item.get(EXPIRES_AT);
        return expires != null && Long.parseLong(expires.n()) <= clock.instant().getEpochSecond();
    }

    /**
     * The record an item holds, as {@link #find} reads it (expiry not checked); also what the completion-events
     * function reads from a stream image, so that both paths map an item the same way.
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

    private static AttributeValue answerValue(Answer a) {
        return AttributeValue.fromM(Map.of(
                "text", s(a.text()), "start", n(a.start()), "end", n(a.end()), "score", n(a.score())));
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

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(Number value) {
        return AttributeValue.fromN(value.toString());
    }
}
