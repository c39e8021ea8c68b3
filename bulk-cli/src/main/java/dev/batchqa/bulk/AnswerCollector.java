package dev.batchqa.bulk;

import dev.batchqa.shared.Answer;
import dev.batchqa.shared.ErrorInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * Reads the records of many ids from the table with BatchGetItem (100 keys a request, strongly consistent,
 * only the attributes needed), retrying UnprocessedKeys and throttling with backoff; {@link #await} repeats
 * this until every id is DONE or FAILED or the timeout passes. An absent, expired or PENDING record is "not
 * done yet" (a message written straight to SQS has no record until the inference function completes it).
 *
 * <p>Polling rounds after the first go through the pending ids in submission order and end early after two
 * consecutive chunks in which nothing completed (questions are answered roughly in queue order, so the tail
 * is not worth reading yet); every fifth round reads them all.
 */
public final class AnswerCollector {
    /** BatchGetItem's maximum number of keys per request. */
    public static final int MAX_KEYS_PER_REQUEST = 100;
    private static final int FULL_SWEEP_EVERY = 5;
    private static final int MAX_READ_ATTEMPTS = 10;

    // the item layout of dev.batchqa.shared.DynamoDbRequestStore
    private static final Map<String, String> NAMES = Map.of("#id", "id", "#status", "status", "#question", "question",
            "#answers", "answers", "#errorCode", "errorCode", "#errorMessage", "errorMessage",
            "#completedAt", "completedAt", "#expiresAt", "expiresAt");
    private static final String PROJECTION = String.join(", ", NAMES.keySet());

    /**
     * What the table says about one id.
     *
     * @param status {@code DONE}, {@code FAILED}, {@code PENDING}, or {@code NOT_FOUND} (no record, or expired)
     */
    public record Result(String id, String status, String question, List<Answer> answers, ErrorInfo error,
            Instant completedAt) {
        public Result {
            answers = answers == null ? List.of() : List.copyOf(answers);
        }

        public static Result notFound(String id) {
            return new Result(id, "NOT_FOUND", null, List.of(), null, null);
        }

        public boolean complete() {
            return "DONE".equals(status) || "FAILED".equals(status);
        }

        /** The best answer; null when there is none (no answer in the context, or not DONE). */
        public Answer answer() {
            return answers.isEmpty() ? null : answers.get(0);
        }

        /** One line of {@code --out}: {id, status, question, answer|null, answers, error|null}. */
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", id);
            json.put("status", status);
            json.put("question", question);
            json.put("answer", answer());
            json.put("answers", answers);
            json.put("error", error);
            return json;
        }
    }

    /**
     * @param results  the last state seen of every id, in the order asked for
     * @param complete whether every id is DONE or FAILED
     * @param waited   from the start of {@link #await} to its return
     */
    public record Outcome(Map<String, Result> results, boolean complete, Duration waited, int rounds, long requests) {
        public long count(String status) {
            return results.values().stream().filter(r -> r.status().equals(status)).count();
        }
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private long requests;

    public AnswerCollector(DynamoDbClient dynamo, String table) {
        this(dynamo, table, Clock.systemUTC());
    }

    public AnswerCollector(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** One consistent read of every id (in chunks of 100). */
    public Map<String, Result> fetch(Collection<String> ids) {
        Map<String, Result> results = new LinkedHashMap<>();
        List<String> list = List.copyOf(new LinkedHashSet<>(ids));
        for (int i = 0; i < list.size(); i += MAX_KEYS_PER_REQUEST) {
            List<String> chunk = list.subList(i, Math.min(list.size(), i + MAX_KEYS_PER_REQUEST));
            Map<String, Result> got = read(chunk);
            for (String id : chunk) results.put(id, got.getOrDefault(id, Result.notFound(id)));
        }
        return results;
    }

    /**
     * Polls until every id is DONE or FAILED, or {@code timeout} passes.
     *
     * @param onProgress told the number of completed ids after every request
     */
    public synchronized Outcome await(Collection<String> ids, Duration timeout, Duration pollInterval,
            LongConsumer onProgress) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long requestsBefore = requests;
        Map<String, Result> results = new LinkedHashMap<>();
        for (String id : ids) results.put(id, Result.notFound(id));
        List<String> pending = new ArrayList<>(results.keySet());
        long completed = 0;
        int round = 0;
        while (!pending.isEmpty()) {
            round++;
            boolean fullSweep = round % FULL_SWEEP_EVERY == 1;
            List<String> still = new ArrayList<>();
            int next = 0;
            int idleChunks = 0;
            while (next < pending.size()) {
                List<String> chunk = pending.subList(next, Math.min(pending.size(), next + MAX_KEYS_PER_REQUEST));
                next += chunk.size();
                Map<String, Result> got = read(chunk);
                int completedHere = 0;
                for (String id : chunk) {
                    Result r = got.getOrDefault(id, Result.notFound(id));
                    results.put(id, r);
                    if (r.complete()) {
                        completedHere++;
                    } else {
                        still.add(id);
                    }
                }
                completed += completedHere;
                if (onProgress != null) onProgress.accept(completed);
                idleChunks = completedHere == 0 ? idleChunks + 1 : 0;
                if ((!fullSweep && idleChunks >= 2) || System.nanoTime() > deadline) break;
            }
            still.addAll(pending.subList(next, pending.size()));
            pending = still;
            long left = deadline - System.nanoTime();
            if (pending.isEmpty() || left <= 0) break;
            sleep(Duration.ofNanos(Math.min(left, pollInterval.toNanos())));
        }
        return new Outcome(results, pending.isEmpty(), Duration.ofNanos(System.nanoTime() - start), round,
                requests - requestsBefore);
    }

    /** BatchGetItem for at most 100 ids, with UnprocessedKeys and throttling retried. */
    private Map<String, Result> read(List<String> ids) {
        List<Map<String, AttributeValue>> keys = ids.stream().map(id -> Map.of("id", AttributeValue.fromS(id))).toList();
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder()
                .keys(keys)
                .consistentRead(true)
                .projectionExpression(PROJECTION)
                .expressionAttributeNames(NAMES)
                .build());
        Map<String, Result> results = new HashMap<>();
        int attempt = 0;
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> current = request;
            try {
                requests++;
                BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(current));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    Result r = toResult(item);
                    results.put(r.id(), r);
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                request = request.entrySet().stream().anyMatch(e -> !e.getValue().keys().isEmpty()) ? request : Map.of();
            } catch (DynamoDbException | SdkClientException e) {
                boolean retryable = e instanceof SdkClientException || e.retryable()
                        || (e instanceof DynamoDbException d && (d.isThrottlingException() || d.statusCode() >= 500));
                if (!retryable || attempt >= MAX_READ_ATTEMPTS) throw e;
            }
            if (!request.isEmpty()) {
                attempt++;
                if (attempt > MAX_READ_ATTEMPTS) {
                    throw new IllegalStateException("DynamoDB left keys unprocessed after " + attempt + " attempts");
                }
                long ceiling = Math.min(2_000, 25L << Math.min(attempt, 10));
                sleep(Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1)));
            }
        }
        return results;
    }

    private Result toResult(Map<String, AttributeValue> item) {
        String id = item.get("id").s();
        AttributeValue expires = item.get("expiresAt");
        if (expires != null && Long.parseLong(expires.n()) <= clock.instant().getEpochSecond()) {
            return Result.notFound(id);
        }
        List<Answer> answers = item.containsKey("answers")
                ? item.get("answers").l().stream().map(v -> toAnswer(v.m())).toList()
                : List.of();
        ErrorInfo error = item.containsKey("errorCode")
                ? new ErrorInfo(item.get("errorCode").s(), string(item, "errorMessage"))
                : null;
        String completedAt = string(item, "completedAt");
        return new Result(id, string(item, "status"), string(item, "question"), answers, error,
                completedAt == null ? null : Instant.parse(completedAt));
    }

    private static Answer toAnswer(Map<String, AttributeValue> m) {
        return new Answer(m.get("text").s(), Integer.parseInt(m.get("start").n()), Integer.parseInt(m.get("end").n()),
                Double.parseDouble(m.get("score").n()));
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
