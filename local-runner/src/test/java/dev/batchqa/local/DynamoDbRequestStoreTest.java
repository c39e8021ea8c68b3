package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.store.RequestStore.Deletion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The DynamoDB store's write-once and expiry rules, against dynalite (no transactions, no TTL deletion). */
class DynamoDbRequestStoreTest {
    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    @RegisterExtension
    static final DynaliteFixture DYNAMO = new DynaliteFixture();

    private final DynamoDbClient dynamo = DYNAMO.client();

    private final DynamoDbRequestStore store = new DynamoDbRequestStore(dynamo, "records", Duration.ofHours(24),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @BeforeAll
    static void table() {
        DYNAMO.table("records");
    }

    @Test
    void pendingThenDoneOnceAndNeverOverwritten() {
        String id = UUID.randomUUID().toString();
        assertTrue(store.createPending(QaRecord.pending(id, "Which score?", 2, "corr-1", NOW)));
        assertFalse(store.createPending(QaRecord.pending(id, "Other?", 1, null, NOW)), "ids are never reused");

        Completion completion = new Completion(id, "Which score?", 2, "corr-1");
        assertTrue(store.complete(completion, List.of(new Answer("83.1", 21, 25, 0.9), new Answer("test", 37, 41, 0.1))));
        assertFalse(store.complete(completion, List.of(new Answer("other", 0, 5, 0.5))), "DONE is write-once");
        assertFalse(store.fail(completion, new ErrorInfo("X", "y")), "DONE never turns FAILED");

        QaRecord done = store.find(id).orElseThrow();
        assertEquals(QaStatus.DONE, done.status());
        assertEquals(List.of(new Answer("83.1", 21, 25, 0.9), new Answer("test", 37, 41, 0.1)), done.answers());
        assertEquals("corr-1", done.correlationId());
        assertEquals(NOW, done.createdAt());
        assertEquals(NOW, done.completedAt());
    }

    @Test
    void completionWithoutPendingRecordCreatesIt() {
        String id = "bulk-" + UUID.randomUUID();
        assertTrue(store.complete(new Completion(id, "Which capital?", 1, null), List.of()));

        QaRecord record = store.find(id).orElseThrow();
        assertEquals(QaStatus.DONE, record.status());
        assertEquals("Which capital?", record.question());
        assertTrue(record.answers().isEmpty());
        assertEquals(id, record.correlationId());
    }

    @Test
    void aBulkRecordIsCreatedWhenItsMessageWasSentNotWhenItWasAnswered() {
        String id = "bulk-" + UUID.randomUUID();
        java.time.Instant sent = NOW.minusSeconds(90);
        assertTrue(store.complete(new Completion(id, "Which capital?", 1, null, sent), List.of()));

        QaRecord record = store.find(id).orElseThrow();
        assertEquals(sent, record.createdAt());
        assertEquals(NOW, record.completedAt());
    }

    @Test
    void failedRecordKeepsItsReason() {
        String id = UUID.randomUUID().toString();
        assertTrue(store.fail(new Completion(id, null, 1, null), new ErrorInfo("MISSING_FIELD", "'context' is required")));
        assertFalse(store.complete(new Completion(id, "q", 1, null), List.of()), "FAILED is final too");
        QaRecord failed = store.find(id).orElseThrow();
        assertEquals(new ErrorInfo("MISSING_FIELD", "'context' is required"), failed.error());
    }

    @Test
    void completedRecordsExpireAfterTheTtl() {
        String id = UUID.randomUUID().toString();
        store.createPending(QaRecord.pending(id, "q?", 1, null, NOW));
        store.complete(new Completion(id, "q?", 1, null), List.of());
        var later = new DynamoDbRequestStore(dynamo, "records", Duration.ofHours(24),
                Clock.fixed(NOW.plus(Duration.ofHours(25)), ZoneOffset.UTC));
        assertTrue(store.find(id).isPresent());
        assertEquals(Optional.empty(), later.find(id));
    }

    @Test
    void pendingRecordsOutliveTheirMessagesInTheQueues() {
        String id = UUID.randomUUID().toString();
        store.createPending(QaRecord.pending(id, "q?", 1, null, NOW));
        var twoWeeksLater = new DynamoDbRequestStore(dynamo, "records", Duration.ofHours(24),
                Clock.fixed(NOW.plus(Duration.ofDays(14)), ZoneOffset.UTC));
        var sixteenDaysLater = new DynamoDbRequestStore(dynamo, "records", Duration.ofHours(24),
                Clock.fixed(NOW.plus(Duration.ofDays(16)), ZoneOffset.UTC));
        assertTrue(twoWeeksLater.find(id).isPresent(), "still PENDING after the DLQ's 14 days, not a 404");
        assertEquals(Optional.empty(), sixteenDaysLater.find(id));
    }

    @Test
    void markQueuedNotesAPendingRecordAndLeavesACompletedOneAlone() {
        String pending = UUID.randomUUID().toString();
        store.createPending(QaRecord.pending(pending, "q?", 1, null, NOW));
        assertFalse(store.find(pending).orElseThrow().queued());
        store.markQueued(pending);
        assertTrue(store.find(pending).orElseThrow().queued());

        String done = UUID.randomUUID().toString();
        store.complete(new Completion(done, "q?", 1, null), List.of());
        store.markQueued(done);
        assertFalse(store.find(done).orElseThrow().queued());
    }

    @Test
    void findAllReadsManyIdsLikeFind() {
        String run = UUID.randomUUID().toString();
        List<String> ids = IntStream.range(0, 230).mapToObj(i -> run + "-" + i).toList();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            Completion c = new Completion(id, "Which score " + i + "?", 2, null);
            switch (i % 3) {
                case 0 -> store.createPending(QaRecord.pending(id, c.question().text(), 2, "corr-" + i, NOW));
                case 1 -> store.complete(c, i == 7 ? List.of() : List.of(new Answer("a" + i, 1, 2, 0.5)));
                default -> store.fail(c, new ErrorInfo("INVALID_TEXT", "bad " + i));
            }
        }
        // written an hour before NOW with a TTL of 1 s: stored, but expired at NOW
        String expired = run + "-expired";
        new DynamoDbRequestStore(dynamo, "records", Duration.ofSeconds(1),
                Clock.fixed(NOW.minus(Duration.ofHours(1)), ZoneOffset.UTC))
                .complete(new Completion(expired, "q?", 1, null), List.of(new Answer("old", 0, 3, 1.0)));
        String unknown = run + "-unknown";

        List<String> asked = new ArrayList<>(ids.reversed());
        asked.add(3, expired);
        asked.add(unknown);
        asked.add(ids.get(5)); // duplicates are read once
        Map<String, QaRecord> found = store.findAll(asked);

        assertEquals(ids.reversed(), List.copyOf(found.keySet()), "the ids found, in the order asked, once each");
        for (String id : ids) assertEquals(store.find(id).orElseThrow(), found.get(id), "the same record as find()");
        assertTrue(store.find(expired).isEmpty());
        assertFalse(found.containsKey(expired), "an expired record reads as absent");
        assertFalse(found.containsKey(unknown));

        QaRecord pending = found.get(ids.get(0));
        assertEquals(QaStatus.PENDING, pending.status());
        assertEquals("corr-0", pending.correlationId());
        assertEquals(NOW, pending.createdAt());
        QaRecord done = found.get(ids.get(4));
        assertEquals(QaStatus.DONE, done.status());
        assertEquals("Which score 4?", done.question());
        assertEquals(2, done.topK());
        assertEquals(List.of(new Answer("a4", 1, 2, 0.5)), done.answers());
        assertEquals(NOW, done.completedAt());
        assertTrue(found.get(ids.get(7)).answers().isEmpty(), "DONE without an answer");
        QaRecord failed = found.get(ids.get(200));
        assertEquals(QaStatus.FAILED, failed.status());
        assertEquals(new ErrorInfo("INVALID_TEXT", "bad 200"), failed.error());

        assertEquals(Map.of(), store.findAll(List.of()));
        assertEquals(Map.of(), store.findAll(List.of(expired, unknown)));
    }

    @Test
    void anExpiredRecordNotYetDeletedByTtlReadsAbsentButIsNeverReplacedByAPendingOne() {
        String id = UUID.randomUUID().toString();
        store.createPending(QaRecord.pending(id, "q?", 1, null, NOW));
        store.complete(new Completion(id, "q?", 1, null), List.of());
        var later = new DynamoDbRequestStore(dynamo, "records", Duration.ofHours(24),
                Clock.fixed(NOW.plus(Duration.ofHours(25)), ZoneOffset.UTC));

        assertTrue(later.find(id).isEmpty(), "expired reads as absent");
        assertTrue(later.mayHaveExpired(NOW), "a record created a TTL ago may have been answered and expired");
        assertFalse(later.mayHaveExpired(NOW.plus(Duration.ofHours(2))));
        assertFalse(later.createPending(QaRecord.pending(id, "q?", 1, null, NOW.plus(Duration.ofHours(25)))),
                "answered once: never PENDING again");
        assertEquals("DONE", rawItem(id).get("status").s());
    }

    /**
     * An id is a capability: a bulk message that reuses the id of an HTTP question still PENDING, for another
     * question, must not store its answer (or its failure) there. The record keeps a digest of its question; only a
     * completion of that question, or one that names no question (the sweeper, an unreadable dead letter), ends it.
     */
    @Test
    void aPendingRecordTakesOnlyACompletionOfItsOwnQuestion() {
        String id = UUID.randomUUID().toString();
        assertTrue(store.createPending(QaRecord.pending(id, "Which score?", 1, null, NOW)));
        assertTrue(rawItem(id).containsKey("questionDigest"));
        assertFalse(rawItem(id).get("questionDigest").s().contains("score"), "a digest, not the text");

        assertFalse(store.complete(new Completion(id, "Which capital?", 1, null), List.of(new Answer("paris", 12, 17, 0.9))),
                "another question's answer is refused");
        assertFalse(store.fail(new Completion(id, "Which capital?", 1, null), new ErrorInfo("INFERENCE_ERROR", "x")),
                "and so is its failure");
        QaRecord still = store.find(id).orElseThrow();
        assertEquals(QaStatus.PENDING, still.status());
        assertEquals(List.of(), still.answers());

        assertTrue(store.complete(new Completion(id, "Which score?", 1, null), List.of(new Answer("83.1", 21, 25, 0.9))));
        QaRecord done = store.find(id).orElseThrow();
        assertEquals(QaStatus.DONE, done.status());
        assertEquals(List.of(new Answer("83.1", 21, 25, 0.9)), done.answers());

        String unreadable = UUID.randomUUID().toString();
        assertTrue(store.createPending(QaRecord.pending(unreadable, "Which score?", 1, null, NOW)));
        assertTrue(store.fail(new Completion(unreadable, null, 1, unreadable), new ErrorInfo("RETRIES_EXHAUSTED", "r")),
                "a dead letter whose question could not be read still ends the record");
    }

    @Test
    void deletingAPendingRecordCancelsItWithoutItsTextAndNoCompletionOverwritesIt() {
        String id = UUID.randomUUID().toString();
        store.createPending(QaRecord.pending(id, "Who wrote Hamlet?", 2, "corr-7", NOW.minus(Duration.ofDays(5))));
        assertEquals(Deletion.CANCELLED, store.delete(id));

        QaRecord cancelled = store.find(id).orElseThrow();
        assertEquals(QaStatus.CANCELLED, cancelled.status());
        assertEquals(null, cancelled.question());
        assertEquals(null, cancelled.correlationId());
        assertEquals(NOW.minus(Duration.ofDays(5)), cancelled.createdAt());
        assertEquals(NOW, cancelled.completedAt());
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item = rawItem(id);
        assertFalse(item.containsKey("question") || item.containsKey("correlationId")
                || item.containsKey("questionDigest"), item.keySet().toString());
        assertFalse(item.containsKey("pendingShard") || item.containsKey("pendingSince"), "out of the pending index");

        Completion late = new Completion(id, "Who wrote Hamlet?", 2, "corr-7", NOW.minus(Duration.ofDays(5)));
        assertFalse(store.complete(late, List.of(new Answer("Shakespeare", 0, 11, 0.9))));
        assertFalse(store.fail(late, new ErrorInfo("X", "y")));
        assertFalse(store.failPending(id, new ErrorInfo("EXPIRED", "z")), "the sweeper leaves it alone");
        assertFalse(store.stalePending(NOW, 1000).contains(id));
        assertEquals(QaStatus.CANCELLED, store.find(id).orElseThrow().status());
        assertEquals(Deletion.ALREADY_CANCELLED, store.delete(id), "idempotent");
        assertEquals(QaStatus.CANCELLED, store.find(id).orElseThrow().status());
    }

    @Test
    void deletingACompletedRecordLeavesATombstoneThatOutlivesEveryMessage() {
        String done = UUID.randomUUID().toString();
        String failed = UUID.randomUUID().toString();
        store.createPending(QaRecord.pending(done, "Who?", 1, "c", NOW));
        store.complete(new Completion(done, "Who?", 1, "c"), List.of(new Answer("Ann", 0, 3, 0.5)));
        store.fail(new Completion(failed, "Why?", 1, null), new ErrorInfo("INFERENCE_ERROR", "no"));

        for (String id : List.of(done, failed)) {
            assertEquals(Deletion.DELETED, store.delete(id));
            assertEquals(Map.of("id", "S", "status", "S", "expiresAt", "N"), shape(rawItem(id)), "id, status, expiry");
            assertEquals(QaStatus.DELETED, store.find(id).orElseThrow().status());
            assertEquals(Deletion.ALREADY_DELETED, store.delete(id), "idempotent");
            // a duplicate of the message, as late as SQS can deliver one (14 days after it was sent)
            var lastDelivery = new DynamoDbRequestStore(dynamo, "records", Duration.ofHours(24),
                    Clock.fixed(NOW.plus(Duration.ofDays(14)), ZoneOffset.UTC));
            Completion duplicate = new Completion(id, "Who?", 1, "c", NOW);
            assertFalse(lastDelivery.complete(duplicate, List.of()), "a late message never recreates it");
            assertFalse(lastDelivery.fail(duplicate, new ErrorInfo("RETRIES_EXHAUSTED", "x")));
            assertEquals(QaStatus.DELETED, lastDelivery.find(id).orElseThrow().status(), "still a tombstone");
        }
        assertEquals(Deletion.NOT_FOUND, store.delete(UUID.randomUUID().toString()));
    }

    @Test
    void aRacingCompletionAndDeleteNeverBothWin() throws Exception {
        List<String> ids = IntStream.range(0, 40).mapToObj(i -> UUID.randomUUID().toString()).toList();
        for (String id : ids) store.createPending(QaRecord.pending(id, "q?", 1, null, NOW));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> completions = new ArrayList<>();
            List<java.util.concurrent.Future<Deletion>> deletions = new ArrayList<>();
            for (String id : ids) {
                completions.add(pool.submit(() -> store.complete(new Completion(id, "q?", 1, null), List.of())));
                deletions.add(pool.submit(() -> store.delete(id)));
            }
            for (int i = 0; i < ids.size(); i++) {
                boolean completed = completions.get(i).get();
                Deletion deletion = deletions.get(i).get();
                QaStatus status = store.find(ids.get(i)).orElseThrow().status();
                if (completed) {
                    assertEquals(Deletion.DELETED, deletion, "the answer came first, so the delete removed it");
                    assertEquals(QaStatus.DELETED, status);
                } else {
                    assertEquals(Deletion.CANCELLED, deletion, "the cancel came first, so the answer was refused");
                    assertEquals(QaStatus.CANCELLED, status);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> rawItem(String id) {
        return dynamo.getItem(r -> r.tableName("records").consistentRead(true)
                .key(Map.of("id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(id)))).item();
    }

    private static Map<String, String> shape(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Map<String, String> types = new java.util.TreeMap<>();
        item.forEach((k, v) -> types.put(k, v.type().name()));
        return types;
    }
}
