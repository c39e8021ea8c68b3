package dev.batchqa.shared.testing;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** A {@link RequestStore} in a map, with the same write-once rule as the DynamoDB one; for handler unit tests. */
public class InMemoryRequestStore implements RequestStore {
    private final Map<String, QaRecord> records = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration ttl;
    private final AtomicInteger completions = new AtomicInteger();
    private volatile RuntimeException failNextWrite;

    /** @param ttl the result TTL: a completion of a message older than that creates no missing record */
    public InMemoryRequestStore(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    public InMemoryRequestStore(Clock clock) {
        this(clock, Duration.ofHours(24));
    }

    public InMemoryRequestStore() {
        this(Clock.systemUTC());
    }

    /** Makes the next write throw, as an unreachable or throttling DynamoDB would. */
    public void failNextWrite(RuntimeException e) {
        failNextWrite = e;
    }

    public int completions() {
        return completions.get();
    }

    public Map<String, QaRecord> records() {
        return Map.copyOf(records);
    }

    @Override
    public boolean createPending(QaRecord record) {
        maybeFail();
        return records.putIfAbsent(record.id(), record) == null;
    }

    @Override
    public void markQueued(String id) {
        records.computeIfPresent(id, (k, r) -> r.status() != QaStatus.PENDING ? r : new QaRecord(r.id(), r.status(),
                r.question(), r.topK(), r.answers(), r.noAnswerScore(), r.model(), r.error(), r.correlationId(), r.createdAt(),
                r.completedAt(), true));
    }

    @Override
    public Optional<QaRecord> find(String id) {
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public boolean complete(Completion c, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
        return finish(c, QaStatus.DONE, answers, noAnswerScore, model, null, mayCreate(c));
    }

    @Override
    public boolean fail(Completion c, ErrorInfo error) {
        return finish(c, QaStatus.FAILED, List.of(), null, null, error, mayCreate(c));
    }

    @Override
    public boolean failPending(String id, ErrorInfo error) {
        return finish(new Completion(id, null, 1, null), QaStatus.FAILED, List.of(), null, null, error, false);
    }

    @Override
    public Stream<String> stalePending(int shard, Instant cutoff) {
        if (shard != 0) throw new IllegalArgumentException("one shard only");
        return records.values().stream()
                .filter(r -> r.status() == QaStatus.PENDING && r.createdAt().isBefore(cutoff))
                .sorted(Comparator.comparing(QaRecord::createdAt))
                .map(QaRecord::id)
                .toList().stream();
    }

    /** As the DynamoDB store: CANCELLED keeps id, status, topK and times; a tombstone keeps id and status. */
    @Override
    public synchronized Deletion delete(String id) {
        maybeFail();
        QaRecord r = records.get(id);
        if (r == null) return Deletion.NOT_FOUND;
        switch (r.status()) {
            case CANCELLED -> {
                return Deletion.ALREADY_CANCELLED;
            }
            case DELETED -> {
                return Deletion.ALREADY_DELETED;
            }
            case PENDING -> {
                records.put(id, new QaRecord(id, QaStatus.CANCELLED, null, r.topK(), List.of(), null, null, null,
                        null, r.createdAt(), clock.instant(), r.queued()));
                return Deletion.CANCELLED;
            }
            default -> {
                records.put(id, new QaRecord(id, QaStatus.DELETED, null, 1, List.of(), null, null, null, null, null, null, false));
                return Deletion.DELETED;
            }
        }
    }

    @Override
    public boolean mayHaveExpired(Instant createdAt) {
        return !createdAt.plus(ttl).isAfter(clock.instant());
    }

    private boolean mayCreate(Completion c) {
        return c.sentAt() == null || !mayHaveExpired(c.sentAt());
    }

    private synchronized boolean finish(Completion c, QaStatus status, List<Answer> answers, Double noAnswerScore,
            ModelInfo model, ErrorInfo error, boolean mayCreate) {
        maybeFail();
        QaRecord existing = records.get(c.id());
        if (existing != null && existing.status() != QaStatus.PENDING) return false;
        // as the DynamoDB store's question digest: a PENDING record takes only a completion of its own question
        if (existing != null && existing.question() != null && c.question().text() != null
                && !existing.question().equals(c.question().text())) {
            return false;
        }
        if (existing == null && !mayCreate) return false;
        var now = clock.instant();
        records.put(c.id(), new QaRecord(c.id(), status,
                existing != null ? existing.question() : c.question().text(),
                existing != null ? existing.topK() : c.topK(),
                answers, noAnswerScore, model, error,
                existing != null ? existing.correlationId() : c.correlationId(),
                existing != null ? existing.createdAt() : c.sentAt() != null && c.sentAt().isBefore(now) ? c.sentAt() : now,
                now,
                existing != null && existing.queued()));
        completions.incrementAndGet();
        return true;
    }

    private void maybeFail() {
        RuntimeException e = failNextWrite;
        if (e != null) {
            failNextWrite = null;
            throw e;
        }
    }
}
