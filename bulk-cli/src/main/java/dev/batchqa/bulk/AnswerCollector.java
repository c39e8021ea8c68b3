package dev.batchqa.bulk;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Reads the records of many ids through {@link DynamoDbRequestStore#findAll} (BatchGetItem, 100 keys a request,
 * strongly consistent, UnprocessedKeys and throttling retried with backoff; the store owns the item layout and
 * the expiry rule); {@link #await} repeats this until every id is DONE or FAILED or the timeout passes. An absent, expired or PENDING record is "not
 * done yet" (a message written straight to SQS has no record until the inference function completes it).
 *
 * <p>Polling rounds after the first go through the pending ids in submission order and end early after two
 * consecutive chunks in which nothing completed (questions are answered roughly in queue order, so the tail
 * is not worth reading yet); every fifth round reads them all.
 */
public final class AnswerCollector {
    /** BatchGetItem's maximum number of keys per request. */
    public static final int MAX_KEYS_PER_REQUEST = DynamoDbRequestStore.MAX_KEYS_PER_BATCH_GET;
    private static final int FULL_SWEEP_EVERY = 5;

    /**
     * What the table says about one id.
     *
     * @param status {@code DONE}, {@code FAILED}, {@code PENDING}, {@code CANCELLED} or {@code DELETED} (by
     *               {@code DELETE /qa/{id}}), or {@code NOT_FOUND} (no record, or expired)
     */
    public record Result(String id, String status, String question, int topK, List<Answer> answers,
            Double noAnswerScore, ModelInfo model, ErrorInfo error, Instant createdAt, Instant completedAt) {
        public Result {
            answers = answers == null ? List.of() : List.copyOf(answers);
        }

        public static Result notFound(String id) {
            return new Result(id, "NOT_FOUND", null, 0, List.of(), null, null, null, null, null);
        }

        /** The stored record of {@code id}; null (unknown or expired) is {@code NOT_FOUND}. */
        static Result of(String id, QaRecord record) {
            return record == null ? notFound(id)
                    : new Result(id, record.status().name(), record.question(), record.topK(), record.answers(),
                            record.noAnswerScore(), record.model(), record.error(), record.createdAt(),
                            record.completedAt());
        }

        public boolean complete() {
            // a question its user withdrew will not be answered either: waiting for it would only run out the time
            return "DONE".equals(status) || "FAILED".equals(status) || "CANCELLED".equals(status)
                    || "DELETED".equals(status);
        }

        /** The best answer; null when there is none (no answer in the context, or not DONE). */
        public Answer answer() {
            return answers.isEmpty() ? null : answers.get(0);
        }

        /** The record as JSON: {id, status, question, answer|null, answers, noAnswerScore|null, model|null, error|null}. */
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", id);
            json.put("status", status);
            json.put("question", question);
            json.put("answer", answer());
            json.put("answers", answers);
            json.put("noAnswerScore", noAnswerScore);
            json.put("model", model);
            json.put("error", error);
            return json;
        }
    }

    /**
     * @param results  the last state seen of every id, in the order asked for
     * @param complete whether every id is DONE or FAILED
     * @param waited   from the start of {@link #await} to its return
     * @param requests the batch reads made, one per chunk of at most 100 ids (retries of unprocessed keys or
     *                 throttled requests happen inside the store and are not counted)
     */
    public record Outcome(Map<String, Result> results, boolean complete, Duration waited, int rounds, long requests) {
        public long count(String status) {
            return results.values().stream().filter(r -> r.status().equals(status)).count();
        }
    }

    private final DynamoDbRequestStore store;
    private long requests;

    public AnswerCollector(DynamoDbRequestStore store) {
        this.store = store;
    }

    public AnswerCollector(DynamoDbClient dynamo, String table) {
        this(dynamo, table, Clock.systemUTC());
    }

    /** @param clock decides which records have expired */
    public AnswerCollector(DynamoDbClient dynamo, String table, Clock clock) {
        // only read through: the TTL given to new records does not matter
        this(new DynamoDbRequestStore(dynamo, table, Duration.ZERO, clock));
    }

    /** One consistent read of every id ({@link DynamoDbRequestStore#findAll} cuts it into BatchGetItem requests). */
    public Map<String, Result> fetch(Collection<String> ids) {
        return read(List.copyOf(new LinkedHashSet<>(ids)));
    }

    /**
     * Polls until every id is DONE or FAILED, or {@code timeout} passes.
     *
     * @param onProgress told the number of completed ids after every request
     */
    public Outcome await(Collection<String> ids, Duration timeout, Duration pollInterval, LongConsumer onProgress) {
        return await(ids, timeout, pollInterval, onProgress, null);
    }

    /**
     * As {@link #await(Collection, Duration, Duration, LongConsumer)}, and {@code onComplete} hears of each id once,
     * as soon as its record is complete (so that a caller can keep what has arrived if it is stopped).
     */
    public synchronized Outcome await(Collection<String> ids, Duration timeout, Duration pollInterval,
            LongConsumer onProgress, Consumer<Result> onComplete) {
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
                        if (onComplete != null) onComplete.accept(r);
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

    /** A consistent read of these ids: one BatchGetItem request per 100 (retries not counted). */
    private Map<String, Result> read(List<String> ids) {
        requests += (ids.size() + MAX_KEYS_PER_REQUEST - 1) / MAX_KEYS_PER_REQUEST;
        Map<String, QaRecord> found = store.findAll(ids);
        Map<String, Result> results = new LinkedHashMap<>();
        for (String id : ids) results.put(id, Result.of(id, found.get(id)));
        return results;
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
