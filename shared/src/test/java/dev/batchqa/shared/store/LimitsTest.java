package dev.batchqa.shared.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.model.QaStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The largest record the store can write stays far below DynamoDB's 400 KB item limit. */
class LimitsTest {

    /** 3 UTF-8 bytes per UTF-16 char, the most there is (a surrogate pair is 2 chars and 4 bytes). */
    private static final String HANGUL = "한";

    @Test
    void theWorstCaseCompletedRecordIsFarBelowTheItemLimit() {
        int bytes = itemBytes(worstCaseItem(Limits.MAX_ANSWER_CHARS));
        assertTrue(bytes > Limits.MAX_TOP_K * Limits.MAX_ANSWER_CHARS * 3, "counts every answer: " + bytes);
        assertTrue(bytes < Limits.MAX_ITEM_BYTES * 8 / 10, bytes + " bytes, limit " + Limits.MAX_ITEM_BYTES);
        // with the engine's default of 1,000 chars per answer
        assertTrue(itemBytes(worstCaseItem(1_000)) < Limits.MAX_ITEM_BYTES / 10);
    }

    @Test
    void sizeRulesFollowTheDynamoDbDocumentation() {
        assertEquals(2 + 3, itemBytes(Map.of("id", AttributeValue.fromS("한"))));
        assertEquals(2 + 21, itemBytes(Map.of("id", AttributeValue.fromN("1"))), "numbers: at most 21 bytes");
        assertEquals(1 + 3 + 2 * (1 + 21), itemBytes(Map.of("l",
                AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.fromN("2"))))));
        assertEquals(1 + 3 + 1 + 1 + 21,
                itemBytes(Map.of("m", AttributeValue.fromM(Map.of("k", AttributeValue.fromN("7"))))));
    }

    /** A DONE record as DynamoDbRequestStore writes it, every field at its largest. */
    private static Map<String, AttributeValue> worstCaseItem(int answerChars) {
        Map<String, AttributeValue> item = new HashMap<>();
        Instant time = Instant.parse("2026-11-29T15:07:50.123456789Z");
        item.put(RecordItem.ID, s("i".repeat(64)));
        String longestStatus = Arrays.stream(QaStatus.values()).map(Enum::name)
                .max(Comparator.comparingInt(String::length)).orElseThrow();
        item.put(RecordItem.STATUS, s(longestStatus));
        item.put(RecordItem.QUESTION, s(HANGUL.repeat(Limits.MAX_QUESTION_CHARS)));
        item.put(RecordItem.TOP_K, n(String.valueOf(Limits.MAX_TOP_K)));
        item.put(RecordItem.CORRELATION_ID, s("c".repeat(128)));
        item.put(RecordItem.CREATED_AT, s(time.toString()));
        item.put(RecordItem.COMPLETED_AT, s(time.toString()));
        item.put(RecordItem.QUEUED_AT, s(time.toString()));
        item.put(RecordItem.EXPIRES_AT, n(String.valueOf(time.getEpochSecond())));
        AttributeValue answer = AttributeValue.fromM(Map.of(
                "text", s(HANGUL.repeat(answerChars)),
                "start", n(String.valueOf(Limits.MAX_CONTEXT_CHARS)),
                "end", n(String.valueOf(Limits.MAX_CONTEXT_CHARS)),
                "score", n("0.12345678901234567")));
        item.put(RecordItem.ANSWERS, AttributeValue.fromL(Collections.nCopies(Limits.MAX_TOP_K, answer)));
        return item;
    }

    /**
     * Item size as DynamoDB counts it: attribute names and strings in UTF-8 bytes; a number at most 21 bytes (taken as
     * that, conservatively); a list or map 3 bytes plus 1 per element, plus its elements (and a map's key names).
     */
    static int itemBytes(Map<String, AttributeValue> item) {
        return item.entrySet().stream().mapToInt(e -> utf8(e.getKey()) + valueBytes(e.getValue())).sum();
    }

    private static int valueBytes(AttributeValue v) {
        if (v.s() != null) {
            return utf8(v.s());
        }
        if (v.n() != null) {
            return 21;
        }
        if (v.hasL()) {
            return 3 + v.l().stream().mapToInt(e -> 1 + valueBytes(e)).sum();
        }
        if (v.hasM()) {
            return 3 + v.m().entrySet().stream().mapToInt(e -> 1 + utf8(e.getKey()) + valueBytes(e.getValue())).sum();
        }
        throw new IllegalArgumentException("not used by the store: " + v);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(String value) {
        return AttributeValue.fromN(value);
    }
}
