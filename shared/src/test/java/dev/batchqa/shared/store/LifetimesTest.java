package dev.batchqa.shared.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The lifetime rules the records and the idempotency claims share, and the item schema's round trip. */
class LifetimesTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private final Lifetimes day = new Lifetimes(Duration.ofHours(24), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aPendingRecordOutlivesEveryMessageAndAClaimOutlivesItsRecord() {
        assertEquals(Duration.ofDays(15), day.pendingTtl());
        assertEquals(NOW.plus(Duration.ofDays(15)), day.pendingUntil(NOW));
        assertEquals(NOW.plus(Duration.ofHours(24)), day.completedUntil());
        // completed at the last moment of its PENDING life, a record lives one result TTL more: the claim as long
        assertEquals(Duration.ofDays(16), day.claimTtl());
        assertEquals(NOW.plus(day.claimTtl()), day.withdrawnUntil());
        Lifetimes year = new Lifetimes(Duration.ofDays(365), Clock.fixed(NOW, ZoneOffset.UTC));
        assertEquals(Duration.ofDays(365), year.pendingTtl(), "a result TTL beyond 15 days is the PENDING one too");
        assertEquals(Duration.ofDays(730), year.claimTtl());
    }

    @Test
    void onlyAMessageYoungerThanTheResultTtlMayCreateItsRecord() {
        assertTrue(day.mayCreate(null), "unknown send time");
        assertTrue(day.mayCreate(NOW.minus(Duration.ofHours(23))));
        assertFalse(day.mayCreate(NOW.minus(Duration.ofHours(24))));
        assertTrue(day.mayHaveExpired(NOW.minus(Duration.ofHours(25))));
        assertFalse(day.mayHaveExpired(NOW.minus(Duration.ofHours(1))));
    }

    @Test
    void anItemPastItsExpiryCountsAsAbsent() {
        assertTrue(day.isExpired(Map.of(RecordItem.EXPIRES_AT, AttributeValue.fromN(Long.toString(NOW.getEpochSecond())))));
        assertFalse(day.isExpired(Map.of(RecordItem.EXPIRES_AT,
                AttributeValue.fromN(Long.toString(NOW.getEpochSecond() + 1)))));
        assertFalse(day.isExpired(Map.of(RecordItem.ID, AttributeValue.fromS("x"))), "no expiry: never");
    }

    @Test
    void aPendingItemReadsBackAsItsRecordAndIsInTheIndexShardOfItsId() {
        QaRecord record = QaRecord.pending("0b7e4b4e-1c1d-4d43-9a1e-3f1d2c3b4a59", "Who?", 3, "corr-1", NOW);
        Map<String, AttributeValue> item = RecordItem.pending(record, day.pendingUntil(NOW));
        QaRecord back = RecordItem.toRecord(item);
        assertEquals(record.id(), back.id());
        assertEquals(QaStatus.PENDING, back.status());
        assertEquals("Who?", back.question());
        assertEquals(3, back.topK());
        assertEquals("corr-1", back.correlationId());
        assertEquals(NOW, back.createdAt());
        assertEquals(Integer.toString(RecordItem.shardOf(record.id())), item.get(RecordItem.PENDING_SHARD).n());
        assertEquals(64, item.get(RecordItem.QUESTION_DIGEST).s().length(), "SHA-256, hex");

        Map<String, AttributeValue> done = new HashMap<>(item);
        done.put(RecordItem.STATUS, AttributeValue.fromS("DONE"));
        done.put(RecordItem.ANSWERS, RecordItem.answers(List.of(new Answer("Ada", 0, 3, 0.9))));
        assertEquals(List.of(new Answer("Ada", 0, 3, 0.9)), RecordItem.toRecord(done).answers());

        Map<String, AttributeValue> tombstone = RecordItem.tombstone(record.id(), day.withdrawnUntil());
        assertEquals(QaStatus.DELETED, RecordItem.toRecord(tombstone).status());
        assertEquals(3, tombstone.size(), "id, status and expiry only");
    }
}
