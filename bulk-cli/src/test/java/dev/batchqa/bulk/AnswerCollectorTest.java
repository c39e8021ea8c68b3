package dev.batchqa.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

class AnswerCollectorTest {
    private final FakeTable table = new FakeTable("qa-requests");
    private final AnswerCollector collector = new AnswerCollector(table, "qa-requests");

    @Test
    void fetchReadsInChunksOf100AndRetriesUnprocessedKeys() {
        List<String> ids = IntStream.range(0, 250).mapToObj(i -> "id-" + i).toList();
        ids.forEach(id -> table.done(id, "Which score?", "v" + id));
        table.unprocessedRequests.set(2);

        Map<String, AnswerCollector.Result> results = collector.fetch(ids);

        assertEquals(ids, List.copyOf(results.keySet()));
        assertTrue(results.values().stream().allMatch(AnswerCollector.Result::complete));
        assertEquals("vid-7", results.get("id-7").answer().text());
        assertEquals(5, table.requests.size(), "3 chunks (100, 100, 50) and 2 re-requests of unprocessed keys");
    }

    @Test
    void awaitPollsUntilEveryIdIsDoneOrFailed() {
        List<String> ids = IntStream.range(0, 230).mapToObj(i -> "id-" + i).toList();
        // bulk messages have no record until answered; HTTP ones start PENDING
        ids.subList(0, 100).forEach(table::pending);
        AtomicInteger calls = new AtomicInteger();
        table.beforeEachRequest = () -> { // the pipeline answers 40 questions per request we make, in order
            int from = Math.min(ids.size(), calls.getAndIncrement() * 40);
            for (String id : ids.subList(from, Math.min(ids.size(), from + 40))) {
                if (id.equals("id-13")) {
                    table.failed(id, "INVALID_TEXT");
                } else {
                    table.done(id, "Which score?", id.equals("id-14") ? null : "a" + id);
                }
            }
        };
        table.unprocessedRequests.set(3);
        List<Long> progress = new ArrayList<>();

        AnswerCollector.Outcome outcome = collector.await(ids, Duration.ofSeconds(20), Duration.ofMillis(1), progress::add);

        assertTrue(outcome.complete());
        assertEquals(ids, List.copyOf(outcome.results().keySet()));
        assertEquals(229, outcome.count("DONE"));
        assertEquals(1, outcome.count("FAILED"));
        AnswerCollector.Result failed = outcome.results().get("id-13");
        assertEquals(new ErrorInfo("INVALID_TEXT", "it failed"), failed.error());
        assertNull(failed.answer());
        assertNull(outcome.results().get("id-14").answer(), "DONE without an answer");
        assertEquals(new Answer("aid-15", 4, 10, 0.75), outcome.results().get("id-15").answer());
        assertEquals(230L, progress.get(progress.size() - 1));
        assertTrue(table.requests.stream().allMatch(r -> r.requestItems().get("qa-requests").keys().size() <= 100));
    }

    @Test
    void awaitGivesUpAtTheTimeoutAndReportsWhatItSaw() {
        table.done("a", "q", "x");
        table.pending("b");
        table.expired("c");

        long start = System.nanoTime();
        AnswerCollector.Outcome outcome = collector.await(List.of("a", "b", "c", "d"), Duration.ofMillis(1000),
                Duration.ofMillis(20), null);

        assertFalse(outcome.complete());
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
        assertEquals("DONE", outcome.results().get("a").status());
        assertEquals("PENDING", outcome.results().get("b").status());
        assertEquals("NOT_FOUND", outcome.results().get("c").status(), "an expired record reads as absent");
        assertEquals("NOT_FOUND", outcome.results().get("d").status());
        assertTrue(outcome.rounds() > 1);
    }

    @Test
    void resultsBecomeOutLines() {
        table.done("a", "Which score?", "83.1");
        AnswerCollector.Result r = collector.fetch(List.of("a")).get("a");
        Map<String, Object> json = r.toJson();
        assertEquals(List.of("id", "status", "question", "answer", "answers", "noAnswerScore", "model", "error"), List.copyOf(json.keySet()));
        assertEquals(new Answer("83.1", 4, 8, 0.75), json.get("answer"));
        assertNull(json.get("error"));
    }

    @Test
    void readsThroughTheStoreWhichRetriesThrottlingAndAppliesItsClock() {
        table.done("a", "q", "x");
        table.pending("b");
        AtomicInteger throttled = new AtomicInteger(2);
        table.beforeEachRequest = () -> {
            if (throttled.getAndDecrement() > 0) {
                throw ProvisionedThroughputExceededException.builder().message("slow down").statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("ProvisionedThroughputExceededException").build())
                        .build();
            }
        };

        Map<String, AnswerCollector.Result> now = new AnswerCollector(
                new DynamoDbRequestStore(table, "qa-requests", Duration.ZERO, Clock.systemUTC())).fetch(List.of("a", "b"));
        assertEquals("DONE", now.get("a").status());
        assertEquals("PENDING", now.get("b").status());
        assertEquals(3, table.requests.size(), "two throttled requests retried");

        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        Map<String, AnswerCollector.Result> expired = new AnswerCollector(table, "qa-requests", later)
                .fetch(List.of("a", "b"));
        assertEquals("NOT_FOUND", expired.get("a").status(), "expired by the store's clock");
        assertEquals("NOT_FOUND", expired.get("b").status());
    }
}
