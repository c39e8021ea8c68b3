package dev.batchqa.shared.store;

import dev.batchqa.shared.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * {@link IdempotencyStore} on the records' DynamoDB table: a claim is the item {@code idempotency#<keyHash>},
 * written with a conditional PutItem (so concurrent claims have one winner) and read back with a strongly
 * consistent GetItem by the losers. '#' keeps the claims out of the request id space (ids are UUIDs).
 *
 * <p>A claim expires ({@code expiresAt}, the table's TTL attribute) after {@link Lifetimes#claimTtl()}, the longest
 * a record can live: a key therefore never outlives its claim while its record is still readable, and a retry with
 * the key never creates a second question for a request that still exists.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
    /** Claims share the records' table; also what the ingest role's IAM policy may touch by key prefix. */
    public static final String KEY_PREFIX = "idempotency#";
    static final String REQUEST_ID = "requestId";
    static final String BODY_HASH = "bodyHash";
    /** Claim, lose, and find the winner's claim gone (expired in between): this often before giving up. */
    private static final int MAX_ATTEMPTS = 3;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Lifetimes lifetimes;

    /** @param resultTtl the records' TTL once complete ({@link Settings#resultTtl()}) */
    public DynamoDbIdempotencyStore(DynamoDbClient dynamo, String table, Duration resultTtl, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.lifetimes = new Lifetimes(resultTtl, clock);
    }

    public DynamoDbIdempotencyStore(DynamoDbClient dynamo, Settings settings) {
        this(dynamo, settings.tableName(), settings.resultTtl(), Clock.systemUTC());
    }

    @Override
    public Optional<Claim> claim(String keyHash, String requestId, String bodyHash) {
        AttributeValue key = AttributeValue.fromS(KEY_PREFIX + keyHash);
        for (int attempt = 1; ; attempt++) {
            Instant now = lifetimes.clock().instant();
            try {
                dynamo.putItem(PutItemRequest.builder()
                        .tableName(table)
                        .item(Map.of(RecordItem.ID, key,
                                REQUEST_ID, AttributeValue.fromS(requestId),
                                BODY_HASH, AttributeValue.fromS(bodyHash),
                                RecordItem.CREATED_AT, AttributeValue.fromS(now.toString()),
                                RecordItem.EXPIRES_AT, number(now.plus(lifetimes.claimTtl()).getEpochSecond())))
                        // an expired claim that TTL has not deleted yet is free again
                        .conditionExpression("attribute_not_exists(#id) OR #expiresAt <= :now")
                        .expressionAttributeNames(Map.of("#id", RecordItem.ID,
                                "#expiresAt", RecordItem.EXPIRES_AT))
                        .expressionAttributeValues(Map.of(":now", number(now.getEpochSecond())))
                        .build());
                return Optional.empty();
            } catch (ConditionalCheckFailedException taken) {
                Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                        .key(Map.of(RecordItem.ID, key)).consistentRead(true)).item();
                if (item != null && !item.isEmpty() && !lifetimes.isExpired(item)) {
                    AttributeValue claimedAt = item.get(RecordItem.CREATED_AT);
                    return Optional.of(new Claim(item.get(REQUEST_ID).s(), item.get(BODY_HASH).s(),
                            claimedAt == null ? null : Instant.parse(claimedAt.s())));
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IllegalStateException("idempotency claim neither taken nor readable after " + attempt + " attempts");
                }
            }
        }
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
