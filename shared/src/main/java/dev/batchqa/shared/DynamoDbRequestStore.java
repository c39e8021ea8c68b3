package dev.batchqa.shared;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@link RequestStore} on a DynamoDB table keyed by {@code id} (S). Items carry {@code expiresAt} (epoch
 * seconds) for the table's TTL; since TTL deletes lazily (and emulators not at all), reads treat an expired
 * item as absent.
 */
public final class DynamoDbRequestStore implements RequestStore {
    static final String ID = "id";
    static final String STATUS = "status";
    static final String QUESTION = "question";
    static final String TOP_K = "topK";
    static final String ANSWERS = "answers";
    static final String ERROR_CODE = "errorCode";
    static final String ERROR_MESSAGE = "errorMessage";
    static final String CORRELATION_ID = "correlationId";
    static final String CREATED_AT = "createdAt";
    static final String COMPLETED_AT = "completedAt";
    static final String EXPIRES_AT = "expiresAt";

    /** Completes only what is not complete yet; also true when no PENDING record exists (bulk messages). */
    private static final String NOT_COMPLETED = "attribute_not_exists(#id) OR #status = :pending";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration ttl;
    private final Clock clock;

    public DynamoDbRequestStore(DynamoDbClient dynamo, String table, Duration ttl, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.ttl = ttl;
        this.clock = clock;
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
        item.put(TOP_K, n(record.topK()));
        item.put(CREATED_AT, s(record.createdAt().toString()));
        item.put(EXPIRES_AT, n(record.createdAt().plus(ttl).getEpochSecond()));
        if (record.correlationId() != null) item.put(CORRELATION_ID, s(record.correlationId()));
        try {
            dynamo.putItem(PutItemRequest.builder()
                    .tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", ID))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
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

    /** Idempotency claims share the table; '#' keeps their keys out of the request id space. */
    static final String IDEMPOTENCY_PREFIX = "idempotency#";
    static final String REQUEST_ID = "requestId";
    static final String BODY_HASH = "bodyHash";

    @Override
    public Optional<IdempotencyClaim> claimIdempotencyKey(String keyHash, String requestId, String bodyHash) {
        Instant now = clock.instant();
        try {
            dynamo.putItem(PutItemRequest.builder()
                    .tableName(table)
                    .item(Map.of(ID, s(IDEMPOTENCY_PREFIX + keyHash), REQUEST_ID, s(requestId), BODY_HASH, s(bodyHash),
                            CREATED_AT, s(now.toString()), EXPIRES_AT, n(now.plus(ttl).getEpochSecond())))
                    .conditionExpression("attribute_not_exists(#id) OR #expiresAt <= :now")
                    .expressionAttributeNames(Map.of("#id", ID, "#expiresAt", EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond())))
                    .build());
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> item = dynamo.getItem(GetItemRequest.builder()
                    .tableName(table).key(Map.of(ID, s(IDEMPOTENCY_PREFIX + keyHash))).consistentRead(true).build()).item();
            if (item == null || item.isEmpty()) {
                return claimIdempotencyKey(keyHash, requestId, bodyHash); // released in between: claim again
            }
            return Optional.of(new IdempotencyClaim(item.get(REQUEST_ID).s(), item.get(BODY_HASH).s()));
        }
    }

    @Override
    public void releaseIdempotencyKey(String keyHash) {
        dynamo.deleteItem(r -> r.tableName(table).key(Map.of(ID, s(IDEMPOTENCY_PREFIX + keyHash))));
    }

    @Override
    public boolean complete(Completion completion, List<Answer> answers) {
        List<AttributeValue> list = answers.stream().map(DynamoDbRequestStore::answerValue).toList();
        return finish(completion, QaStatus.DONE, Map.of(":answers", AttributeValue.fromL(list)), "#answers = :answers",
                Map.of("#answers", ANSWERS));
    }

    @Override
    public boolean fail(Completion completion, ErrorInfo error) {
        return finish(completion, QaStatus.FAILED,
                Map.of(":code", s(error.code()), ":message", s(error.message())),
                "#errorCode = :code, #errorMessage = :message",
                Map.of("#errorCode", ERROR_CODE, "#errorMessage", ERROR_MESSAGE));
    }

    private boolean finish(Completion c, QaStatus status, Map<String, AttributeValue> extraValues, String extraSet,
            Map<String, String> extraNames) {
        Instant now = clock.instant();
        Map<String, String> names = new HashMap<>(extraNames);
        names.putAll(Map.of("#id", ID, "#status", STATUS, "#completedAt", COMPLETED_AT, "#expiresAt", EXPIRES_AT,
                "#createdAt", CREATED_AT, "#question", QUESTION, "#topK", TOP_K, "#correlationId", CORRELATION_ID));
        Map<String, AttributeValue> values = new HashMap<>(extraValues);
        values.put(":pending", s(QaStatus.PENDING.name()));
        values.put(":status", s(status.name()));
        values.put(":now", s(now.toString()));
        values.put(":expires", n(now.plus(ttl).getEpochSecond()));
        values.put(":question", s(c.question() == null ? "" : c.question()));
        values.put(":topK", n(c.topK()));
        values.put(":correlationId", s(c.correlationId() == null ? c.id() : c.correlationId()));
        String update = "SET #status = :status, #completedAt = :now, #expiresAt = :expires, " + extraSet
                + ", #createdAt = if_not_exists(#createdAt, :now)"
                + ", #question = if_not_exists(#question, :question)"
                + ", #topK = if_not_exists(#topK, :topK)"
                + ", #correlationId = if_not_exists(#correlationId, :correlationId)";
        try {
            dynamo.updateItem(UpdateItemRequest.builder()
                    .tableName(table)
                    .key(Map.of(ID, s(c.id())))
                    .updateExpression(update)
                    .conditionExpression(NOT_COMPLETED)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private boolean isExpired(Map<String, AttributeValue> item) {
        AttributeValue expires = item.get(EXPIRES_AT);
        return expires != null && Long.parseLong(expires.n()) <= clock.instant().getEpochSecond();
    }

    private static QaRecord toRecord(Map<String, AttributeValue> item) {
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
                error,
                stringOrNull(item, CORRELATION_ID),
                instantOrNull(item, CREATED_AT),
                instantOrNull(item, COMPLETED_AT));
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
