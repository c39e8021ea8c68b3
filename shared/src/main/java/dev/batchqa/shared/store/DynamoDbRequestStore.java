package dev.batchqa.shared.store;

import static dev.batchqa.shared.store.RecordItem.*;

import dev.batchqa.shared.aws.Backoff;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * {@link RequestStore} on a DynamoDB table keyed by {@code id}: the items are {@link RecordItem}s, their expiry is
 * {@link Lifetimes}'. Every write is conditional on the status it expects, so that racing writers have one winner.
 *
 * <pre>{@code
 * RequestStore store = new DynamoDbRequestStore(AwsClients.dynamoDb(), settings);
 * }</pre>
 *
 * <p>A completion that knows its question is accepted only if the question's digest matches the PENDING record's:
 * an id is a capability, and a bulk producer that reuses the id of an HTTP question still waiting in the queue (by
 * mistake or on purpose) must not store an answer to its own question under that id. The refused completion returns
 * false, like a duplicate; the inference side tells the two apart by reading the record. A completion without a
 * question text (the sweeper, a dead letter that could not be read) is not checked: it stores no answer, and the
 * record must still end.
 *
 * <p>Deletion ({@link #delete}): a PENDING record becomes CANCELLED in place; a DONE or FAILED one is replaced by a
 * tombstone ({@link RecordItem#tombstone}). Both live {@link Lifetimes#withdrawnUntil()}. Completions need the record
 * absent or PENDING, so neither a CANCELLED record nor a tombstone is ever overwritten, and a late or duplicate
 * message cannot recreate a deleted question.
 */
public final class DynamoDbRequestStore implements RequestStore {
    /** Items a {@link #stalePending} Query page asks for (KEYS_ONLY items are small: 1 MB holds thousands). */
    static final int DEFAULT_INDEX_PAGE_SIZE = 500;

    /** Completes only what is not complete yet; also true when no PENDING record exists (bulk messages). */
    private static final String NOT_COMPLETED = "attribute_not_exists(#id) OR #status = :pending";
    /** Completes only an existing PENDING record. */
    private static final String STILL_PENDING = "#status = :pending";
    /** ... and only for the question it was created with, when the record has its digest. */
    private static final String SAME_QUESTION = "attribute_not_exists(#questionDigest) OR #questionDigest = :questionDigest";

    /** BatchGetItem's maximum number of keys per request. */
    public static final int MAX_KEYS_PER_BATCH_GET = 100;
    /** Retries of one BatchGetItem chunk (unprocessed keys or a retryable error) before giving up. */
    private static final int MAX_BATCH_GET_RETRIES = 10;
    /** Between those retries: from 50 ms, doubling, at most 2 s. */
    private static final Backoff BATCH_GET_BACKOFF = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));

    private final DynamoDbClient dynamo;
    private final String table;
    private final Lifetimes lifetimes;
    private final Clock clock;
    private final int indexPageSize;

    public DynamoDbRequestStore(DynamoDbClient dynamo, String table, Duration ttl, Clock clock) {
        this(dynamo, table, ttl, clock, DEFAULT_INDEX_PAGE_SIZE);
    }

    private DynamoDbRequestStore(DynamoDbClient dynamo, String table, Duration ttl, Clock clock, int indexPageSize) {
        this.dynamo = dynamo;
        this.table = table;
        this.lifetimes = new Lifetimes(ttl, clock);
        this.clock = clock;
        this.indexPageSize = indexPageSize;
    }

    /** The same store reading the pending index {@code pageSize} items a Query page (tests use small pages). */
    public DynamoDbRequestStore withIndexPageSize(int pageSize) {
        if (pageSize < 1) throw new IllegalArgumentException("pageSize must be positive");
        return new DynamoDbRequestStore(dynamo, table, lifetimes.resultTtl(), clock, pageSize);
    }

    public DynamoDbRequestStore(DynamoDbClient dynamo, Settings settings) {
        this(dynamo, settings.tableName(), settings.resultTtl(), Clock.systemUTC());
    }

    @Override
    public boolean createPending(QaRecord record) {
        Map<String, AttributeValue> item = RecordItem.pending(record, lifetimes.pendingUntil(record.createdAt()));
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
                    .key(key(id))
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
                        .key(key(id))
                        .consistentRead(true)
                        .build())
                .item();
        if (item == null || item.isEmpty() || lifetimes.isExpired(item)) return Optional.empty();
        return Optional.of(RecordItem.toRecord(item));
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
                .keys(ids.stream().map(RecordItem::key).toList())
                .consistentRead(true)
                .projectionExpression(RecordItem.RECORD_PROJECTION)
                .expressionAttributeNames(RecordItem.RECORD_ATTRIBUTES)
                .build());
        Map<String, QaRecord> records = new HashMap<>();
        int retries = 0;
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> current = request;
            try {
                BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(current));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    if (!lifetimes.isExpired(item)) records.put(item.get(ID).s(), RecordItem.toRecord(item));
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
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":answers", RecordItem.answers(answers)));
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
                    .key(key(id))
                    .updateExpression("SET #status = :cancelled, #completedAt = :now, #expiresAt = :expires"
                            + " REMOVE #question, #questionDigest, #correlationId, #pendingShard, #pendingSince")
                    .conditionExpression(STILL_PENDING)
                    .expressionAttributeNames(Map.of("#status", STATUS, "#completedAt", COMPLETED_AT,
                            "#expiresAt", EXPIRES_AT, "#question", QUESTION, "#questionDigest", QUESTION_DIGEST,
                            "#correlationId", CORRELATION_ID, "#pendingShard", PENDING_SHARD,
                            "#pendingSince", PENDING_SINCE))
                    .expressionAttributeValues(Map.of(":cancelled", s(QaStatus.CANCELLED.name()),
                            ":now", s(clock.instant().toString()), ":pending", s(QaStatus.PENDING.name()),
                            ":expires", n(lifetimes.withdrawnUntil().getEpochSecond())))
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
                    .item(RecordItem.tombstone(id, lifetimes.withdrawnUntil()))
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

    @Override
    public boolean mayHaveExpired(Instant createdAt) {
        return lifetimes.mayHaveExpired(createdAt);
    }

    /** Creating a missing record is safe only for a message younger than the result TTL ({@link Lifetimes}). */
    private boolean mayCreate(Completion c) {
        return lifetimes.mayCreate(c.sentAt());
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
        values.put(":expires", n(lifetimes.completedUntil().getEpochSecond()));
        values.put(":question", s(c.question().text() == null ? "" : c.question().text()));
        values.put(":topK", n(c.topK()));
        values.put(":correlationId", s(c.correlationId() == null ? c.id() : c.correlationId()));
        String condition = mayCreate ? NOT_COMPLETED : STILL_PENDING;
        if (c.question().text() != null) {
            condition = "(" + condition + ") AND (" + SAME_QUESTION + ")";
            names.put("#questionDigest", QUESTION_DIGEST);
            values.put(":questionDigest", s(RecordItem.questionDigest(c.question().text())));
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
                    .key(key(c.id()))
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

}
