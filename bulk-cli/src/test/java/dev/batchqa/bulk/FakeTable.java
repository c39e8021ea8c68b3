package dev.batchqa.bulk;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * BatchGetItem over an in-memory table with the item layout of DynamoDbRequestStore. Like DynamoDB under load,
 * it may leave part of a request unprocessed ({@link #unprocessedRequests}), and it checks what DynamoDB checks.
 */
final class FakeTable implements DynamoDbClient {
    final String name;
    final Map<String, Map<String, AttributeValue>> items = new ConcurrentHashMap<>();
    final List<BatchGetItemRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger unprocessedRequests = new AtomicInteger();
    volatile Runnable beforeEachRequest = () -> {};

    FakeTable(String name) {
        this.name = name;
    }

    void pending(String id) {
        items.put(id, Map.of("id", s(id), "status", s("PENDING"), "question", s("Which score?"),
                "createdAt", s(Instant.now().toString()), "expiresAt", n(Instant.now().getEpochSecond() + 3600)));
    }

    void done(String id, String question, String answer) {
        done(id, question, answer, 1, Instant.now());
    }

    /** A DONE record as the inference side writes it: with its topK, creation time, no-answer score and model. */
    void done(String id, String question, String answer, int topK, Instant createdAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("topK", n(topK));
        item.put("createdAt", s(createdAt.toString()));
        item.put("noAnswerScore", n(0.125));
        item.put("modelName", s("fixture"));
        item.put("modelVariant", s("fp32"));
        item.put("id", s(id));
        item.put("status", s("DONE"));
        item.put("question", s(question));
        item.put("answers", AttributeValue.fromL(answer == null ? List.of() : List.of(AttributeValue.fromM(Map.of(
                "text", s(answer), "start", n(4), "end", n(4 + answer.length()), "score", n(0.75))))));
        item.put("completedAt", s(Instant.now().toString()));
        item.put("expiresAt", n(Instant.now().getEpochSecond() + 3600));
        items.put(id, item);
    }

    void failed(String id, String code) {
        items.put(id, Map.of("id", s(id), "status", s("FAILED"), "question", s("q"), "errorCode", s(code),
                "errorMessage", s("it failed"), "completedAt", s(Instant.now().toString()),
                "expiresAt", n(Instant.now().getEpochSecond() + 3600)));
    }

    void expired(String id) {
        items.put(id, Map.of("id", s(id), "status", s("DONE"), "expiresAt", n(Instant.now().getEpochSecond() - 10)));
    }

    @Override
    public BatchGetItemResponse batchGetItem(BatchGetItemRequest request) {
        requests.add(request);
        beforeEachRequest.run();
        KeysAndAttributes asked = request.requestItems().get(name);
        if (asked == null || request.requestItems().size() != 1) throw new AssertionError("one table, " + name);
        if (asked.keys().size() > 100) throw new AssertionError("BatchGetItem takes at most 100 keys");
        if (!Boolean.TRUE.equals(asked.consistentRead())) throw new AssertionError("reads must be consistent");
        List<Map<String, AttributeValue>> keys = asked.keys();
        List<Map<String, AttributeValue>> left = List.of();
        if (keys.size() > 1 && unprocessedRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            left = keys.subList(keys.size() / 2, keys.size());
            keys = keys.subList(0, keys.size() / 2);
        }
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        for (Map<String, AttributeValue> key : keys) {
            Map<String, AttributeValue> item = items.get(key.get("id").s());
            if (item != null) found.add(item);
        }
        BatchGetItemResponse.Builder response = BatchGetItemResponse.builder().responses(Map.of(name, found));
        if (!left.isEmpty()) response.unprocessedKeys(Map.of(name, asked.toBuilder().keys(left).build()));
        return response.build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {}

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(Number v) {
        return AttributeValue.fromN(v.toString());
    }
}
