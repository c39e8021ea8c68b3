package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.PendingSweeper;
import dev.batchqa.shared.store.RecordItem;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.store.RequestStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The EXPIRED sweep and the late-duplicate rule against dynalite, on the table (with its sparse pending index)
 * that {@link AwsResources#ensureTable} creates; a fresh table per test, since the sweep sees every old record.
 */
class PendingSweeperTest {
    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private static final Duration EXPIRY = Duration.ofHours(97);
    private static final Duration TTL = Duration.ofHours(24);
    @RegisterExtension
    static final DynaliteFixture DYNAMO = new DynaliteFixture();

    private final DynamoDbClient dynamo = DYNAMO.client();

    private String table;
    private DynamoDbRequestStore store;

    @BeforeEach
    void freshTable() {
        table = DYNAMO.newTable("sweep");
        store = new DynamoDbRequestStore(dynamo, table, TTL, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private PendingSweeper sweeper(RequestStore s) {
        return new PendingSweeper(s, EXPIRY, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private String pending(Duration age) {
        String id = UUID.randomUUID().toString();
        assertTrue(store.createPending(QaRecord.pending(id, "Which score?", 1, null, NOW.minus(age))));
        return id;
    }

    @Test
    void stalePendingBecomesFailedExpiredYoungerPendingAndCompletedRecordsStay() {
        String stale = pending(EXPIRY.plusMinutes(1));
        String young = pending(EXPIRY.minusMinutes(1));
        String done = pending(EXPIRY.plusHours(1));
        assertTrue(store.complete(new Completion(done, "Which score?", 1, null), List.of(new Answer("83.1", 1, 5, 0.9))));
        String failed = pending(EXPIRY.plusHours(2));
        assertTrue(store.fail(new Completion(failed, null, 1, null), new ErrorInfo("INVALID_TEXT", "bad")));

        PendingSweeper.Result result = sweeper(store).sweep(Duration.ofMinutes(1));

        assertEquals(new PendingSweeper.Result(1, 0, false), result);
        QaRecord expired = store.find(stale).orElseThrow();
        assertEquals(QaStatus.FAILED, expired.status());
        assertEquals(PendingSweeper.EXPIRED, expired.error());
        assertEquals("EXPIRED", expired.error().code());
        assertEquals("Which score?", expired.question(), "the record keeps what it had");
        assertEquals(NOW, expired.completedAt());
        assertEquals(QaStatus.PENDING, store.find(young).orElseThrow().status());
        QaRecord stillDone = store.find(done).orElseThrow();
        assertEquals(QaStatus.DONE, stillDone.status());
        assertEquals(List.of(new Answer("83.1", 1, 5, 0.9)), stillDone.answers());
        assertEquals(new ErrorInfo("INVALID_TEXT", "bad"), store.find(failed).orElseThrow().error());

        // write-once: the expired record is final, a late answer does not overwrite it
        assertFalse(store.complete(new Completion(stale, "Which score?", 1, null), List.of()));
        assertEquals(new PendingSweeper.Result(0, 0, false), sweeper(store).sweep(Duration.ofMinutes(1)),
                "nothing is swept twice");
    }

    @Test
    void aRecordCompletedBetweenQueryAndUpdateIsLeftAlone() {
        String id = pending(EXPIRY.plusHours(1));
        List<String> returned = new ArrayList<>();
        // the index read is done, then the answer arrives, then the sweeper writes
        RequestStore racing = (RequestStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RequestStore.class}, (proxy, method, args) -> {
                    try {
                        Object value = method.invoke(store, args);
                        if (method.getName().equals("stalePending")) {
                            @SuppressWarnings("unchecked") List<String> ids = ((Stream<String>) value).toList();
                            synchronized (returned) {
                                returned.addAll(ids);
                            }
                            for (String stale : ids) {
                                store.complete(new Completion(stale, "Which score?", 1, null),
                                        List.of(new Answer("late", 0, 4, 0.5)));
                            }
                            return ids.stream();
                        }
                        return value;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        PendingSweeper.Result result = sweeper(racing).sweep(Duration.ofMinutes(1));

        assertEquals(List.of(id), returned, "the sweeper saw the record as PENDING");
        assertEquals(new PendingSweeper.Result(0, 1, false), result);
        QaRecord record = store.find(id).orElseThrow();
        assertEquals(QaStatus.DONE, record.status());
        assertEquals(List.of(new Answer("late", 0, 4, 0.5)), record.answers());
        assertNull(record.error());
    }

    @Test
    void failPendingNeverCreatesARecord() {
        String unknown = UUID.randomUUID().toString();
        assertFalse(store.failPending(unknown, PendingSweeper.EXPIRED));
        assertTrue(store.find(unknown).isEmpty());
        assertTrue(rawItem(unknown).isEmpty());
    }

    @Test
    void theIndexHoldsOnlyPendingRecords() {
        Set<String> pendings = new HashSet<>();
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            String id = pending(Duration.ofHours(i));
            all.add(id);
            switch (i % 4) {
                case 0 -> store.complete(new Completion(id, "Which score?", 1, null), List.of());
                case 1 -> store.fail(new Completion(id, null, 1, null), new ErrorInfo("INVALID_TEXT", "bad"));
                case 2 -> store.failPending(id, PendingSweeper.EXPIRED);
                default -> pendings.add(id);
            }
        }
        // a bulk completion (no PENDING record first) never enters the index either
        store.complete(new Completion("bulk-" + UUID.randomUUID(), "Which capital?", 1, null), List.of());

        Set<String> indexed = new HashSet<>();
        dynamo.scanPaginator(r -> r.tableName(table).indexName(RecordItem.PENDING_INDEX))
                .items().forEach(item -> {
                    indexed.add(item.get("id").s());
                    assertEquals(Set.of("id", "pendingShard", "pendingSince"), item.keySet(), "KEYS_ONLY");
                });
        assertEquals(pendings, indexed);
        assertEquals(10, indexed.size());
        for (String id : all) {
            Map<String, AttributeValue> item = rawItem(id);
            boolean isPending = QaStatus.PENDING.name().equals(item.get("status").s());
            assertEquals(isPending, item.containsKey("pendingShard"), id);
            assertEquals(isPending, item.containsKey("pendingSince"), id);
        }
        Set<String> shards = new HashSet<>();
        indexed.forEach(id -> shards.add(rawItem(id).get("pendingShard").n()));
        assertTrue(shards.size() > 1, "records are spread over shards: " + shards);
    }

    @Test
    void stalePendingPaginatesEveryShardAndTheSweepWorksThroughMoreThanOneRound() {
        List<String> stale = IntStream.range(0, 230)
                .mapToObj(i -> pending(EXPIRY.plusMinutes(1 + i)))
                .toList();
        String young = pending(Duration.ofHours(1));
        DynamoDbRequestStore smallPages = store.withIndexPageSize(7);

        Instant cutoff = NOW.minus(EXPIRY);
        List<String> found = smallPages.stalePending(cutoff, 1000);
        assertEquals(Set.copyOf(stale), Set.copyOf(found), "every page of every shard");
        assertEquals(found.size(), Set.copyOf(found).size(), "no id twice");
        assertEquals(50, smallPages.stalePending(cutoff, 50).size(), "limit across shards and pages");

        // one run goes on until the index is empty, whatever the page size
        assertEquals(new PendingSweeper.Result(230, 0, false), sweeper(smallPages).sweep(Duration.ofMinutes(1)));
        for (String id : stale) {
            assertEquals(PendingSweeper.EXPIRED, store.find(id).orElseThrow().error(), id);
        }
        assertEquals(QaStatus.PENDING, store.find(young).orElseThrow().status());
        assertEquals(List.of(), store.stalePending(cutoff, 1000));
        for (int shard = 0; shard < RecordItem.PENDING_SHARDS; shard++) {
            assertEquals(0, store.stalePending(shard, cutoff).count(), "shard " + shard);
        }
    }

    @Test
    void everyShardIsSweptAtTheSameTime() {
        // at least one stale record in every shard
        Set<Integer> covered = new HashSet<>();
        while (covered.size() < RecordItem.PENDING_SHARDS) {
            String id = pending(EXPIRY.plusHours(1));
            covered.add(Integer.parseInt(rawItem(id).get("pendingShard").n()));
        }
        // each shard's first write waits until every shard has reached its first write: a sweep that took the
        // shards one after another would wait here in vain
        CountDownLatch allShards = new CountDownLatch(RecordItem.PENDING_SHARDS);
        Set<String> writers = ConcurrentHashMap.newKeySet();
        RequestStore meeting = (RequestStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RequestStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("failPending") && writers.add(Thread.currentThread().getName())) {
                        allShards.countDown();
                        if (!allShards.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("shards in turn");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        PendingSweeper.Result result = sweeper(meeting).sweep(Duration.ofMinutes(1));

        assertEquals(RecordItem.PENDING_SHARDS, writers.size(), "a writer a shard: " + writers);
        assertEquals(0, allShards.getCount());
        assertFalse(result.truncated());
        assertEquals(List.of(), store.stalePending(NOW.minus(EXPIRY), 1000));
    }

    @Test
    void aRunStopsWhenItsTimeIsSpentAndTheNextOneGoesOn() {
        List<String> stale = IntStream.range(0, 60).mapToObj(i -> pending(EXPIRY.plusMinutes(1 + i))).toList();
        RequestStore slow = (RequestStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RequestStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("failPending")) Thread.sleep(50);
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        PendingSweeper.Result first = sweeper(slow).sweep(Duration.ofMillis(300));

        assertTrue(first.truncated(), "time ran out: " + first);
        assertTrue(first.expired() > 0 && first.expired() < stale.size(), "some, not all: " + first);
        PendingSweeper.Result second = sweeper(store).sweep(Duration.ofMinutes(1));
        assertEquals(new PendingSweeper.Result(stale.size() - first.expired(), 0, false), second);
        for (String id : stale) assertEquals(PendingSweeper.EXPIRED, store.find(id).orElseThrow().error(), id);
    }

    @Test
    void aShardThatFailsFailsTheRunAfterTheOthersAreDone() {
        Map<String, Integer> stale = new HashMap<>();
        while (!stale.containsValue(3) || stale.size() < 40) {
            String id = pending(EXPIRY.plusMinutes(1 + stale.size()));
            stale.put(id, shardOf(id));
        }
        RequestStore brokenShard = (RequestStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RequestStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("stalePending") && args.length == 2 && args[0].equals(3)) {
                        throw new IllegalStateException("throttled");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> sweeper(brokenShard).sweep(Duration.ofMinutes(1)));

        assertEquals("throttled", e.getCause().getMessage());
        stale.forEach((id, shard) ->
                assertEquals(shard == 3 ? QaStatus.PENDING : QaStatus.FAILED, store.find(id).orElseThrow().status(), id));
    }

    @Test
    void anEntryTheFirstPassDoesNotSeeIsExpiredByTheNext() {
        List<String> stale = IntStream.range(0, 30).mapToObj(i -> pending(EXPIRY.plusMinutes(1 + i))).toList();
        String hidden = stale.get(7);
        // the index leaves one entry out of a shard's first listing, as an eventually consistent index, or a page
        // boundary moved by the pass's own deletions, can
        Set<Integer> listed = ConcurrentHashMap.newKeySet();
        RequestStore lagging = (RequestStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RequestStore.class}, (proxy, method, args) -> {
                    try {
                        Object result = method.invoke(store, args);
                        if (method.getName().equals("stalePending") && args.length == 2
                                && listed.add((Integer) args[0])) {
                            return ((Stream<?>) result).filter(id -> !id.equals(hidden));
                        }
                        return result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        PendingSweeper.Result result = sweeper(lagging).sweep(Duration.ofMinutes(1));

        assertEquals(new PendingSweeper.Result(stale.size(), 0, false), result);
        for (String id : stale) assertEquals(PendingSweeper.EXPIRED, store.find(id).orElseThrow().error(), id);
    }

    @Test
    void aRunWithoutTimeLeftWritesNothingAndSaysSo() {
        String id = pending(EXPIRY.plusHours(1));
        assertEquals(new PendingSweeper.Result(0, 0, true), sweeper(store).sweep(Duration.ZERO));
        assertEquals(QaStatus.PENDING, store.find(id).orElseThrow().status());
    }

    // ------------------------------------------------------------------ late duplicates

    @Test
    void aLateMessageWithoutRecordDoesNotRecreateAnExpiredOutcome() {
        // DONE, expired after the result TTL and deleted by DynamoDB's TTL
        String id = UUID.randomUUID().toString();
        Instant sent = NOW.minus(TTL).minusSeconds(60);
        var then = new DynamoDbRequestStore(dynamo, table, TTL, Clock.fixed(sent.plusSeconds(5), ZoneOffset.UTC));
        assertTrue(then.complete(new Completion(id, "Which score?", 1, null, sent), List.of()), "bulk, answered at once");
        assertTrue(store.find(id).isEmpty(), "expired at NOW");
        dynamo.deleteItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(id))));

        // a redelivered copy, then its dead letter: both older than the TTL, neither may write
        assertFalse(store.complete(new Completion(id, "Which score?", 1, null, sent), List.of(new Answer("x", 0, 1, 1))));
        assertFalse(store.fail(new Completion(id, null, 1, id, sent), new ErrorInfo("RETRIES_EXHAUSTED", "retries")));
        assertTrue(rawItem(id).isEmpty(), "no record recreated");
    }

    @Test
    void aMessageYoungerThanTheTtlStillCreatesItsRecordAndAnOldOneStillCompletesItsPendingRecord() {
        String bulk = "bulk-" + UUID.randomUUID();
        assertTrue(store.complete(new Completion(bulk, "Which capital?", 1, null, NOW.minus(TTL).plusSeconds(60)),
                List.of()));
        assertEquals(QaStatus.DONE, store.find(bulk).orElseThrow().status());

        // an API question that waited longer than the TTL in the queue: its PENDING record is there to complete
        String waited = pending(Duration.ofHours(30));
        assertTrue(store.complete(new Completion(waited, "Which score?", 1, null, NOW.minus(Duration.ofHours(30))),
                List.of(new Answer("83.1", 1, 5, 0.9))));
        assertEquals(QaStatus.DONE, store.find(waited).orElseThrow().status());
        assertFalse(rawItem(waited).containsKey("pendingShard"));
    }

    private int shardOf(String id) {
        return Integer.parseInt(rawItem(id).get("pendingShard").n());
    }

    private Map<String, AttributeValue> rawItem(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(Map.of("id", AttributeValue.fromS(id))).consistentRead(true)).item();
        return item == null ? Map.of() : item;
    }
}
