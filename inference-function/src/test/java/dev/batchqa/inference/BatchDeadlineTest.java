package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.PreparedQuery;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.engine.Span;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The time-aware batch loop, with an answerer whose cost is set per question (windows = the number in the
 * question text) and whose speed is a fixed sleep per window: deadlines, caps, redelivery and concurrent writes.
 */
class BatchDeadlineTest {
    private static final MessageCodec CODEC =
            new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));

    private final InMemoryRequestStore store = new InMemoryRequestStore();
    private final ByteArrayOutputStream metricsOut = new ByteArrayOutputStream();
    private final List<List<String>> calls = new CopyOnWriteArrayList<>();
    private final RecordingContinuations continuations = new RecordingContinuations(CODEC);

    @Test
    void stopsBeforeTheDeadlineKeepsWhatItAnsweredAndHandsTheRestOnWithoutSpendingAReceive() {
        // 8 questions of 3 windows at 40 ms a window = 120 ms each; 600 ms in all, 100 ms kept back
        BatchProcessor processor = processor(sleepingAnswerer(40), policy().withChunkWindows(3)
                .withDeadlineMargin(Duration.ofMillis(100)).withInitialMillisPerToken(40.0 / 384));
        SQSEvent event = event(question("q1", 3), question("q2", 3), question("q3", 3), question("q4", 3),
                question("q5", 3), question("q6", 3), question("q7", 3), question("q8", 3));

        long started = System.nanoTime();
        SQSBatchResponse response = processor.process(event, 600);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        long done = store.records().values().stream().filter(r -> r.status() == QaStatus.DONE).count();
        assertTrue(tookMillis < 600, "returned within the invocation's time, took " + tookMillis + " ms");
        assertTrue(done >= 1 && done <= 4, "answered what fit, stored at once: " + done);
        assertEquals(List.of(), failures(response), "nothing failed: no message spends a receive");
        for (String q : List.of("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8")) {
            boolean answered = store.find(q).isPresent();
            assertTrue(answered ^ continuations.continuedIds().contains(q), q + " is either answered or handed on");
        }
        JsonNode emf = lastMetrics();
        assertEquals(8 - emf.get("Windows").asInt() / 3, emf.get("Continued").asInt(), "unstarted = handed on");
        assertTrue(emf.get("Continued").asInt() >= 3, "the deadline stopped the batch");
    }

    @Test
    void aQuestionOverTheWindowCapFailsAloneWithAReason() {
        BatchProcessor processor = processor(sleepingAnswerer(0), policy().withMaxWindowsPerQuestion(50));

        SQSBatchResponse response = processor.process(event(question("big", 51), question("small", 2)), 60_000);

        assertEquals(List.of(), failures(response));
        QaRecord big = store.find("big").orElseThrow();
        assertEquals(QaStatus.FAILED, big.status());
        assertEquals("TOO_MANY_WINDOWS", big.error().code());
        assertTrue(big.error().message().contains("51") && big.error().message().contains("50"), big.error().message());
        assertEquals(QaStatus.DONE, store.find("small").orElseThrow().status());
        assertEquals(List.of(List.of("small")), calls, "no forward pass was spent on the refused question");
    }

    @Test
    void aQuestionThatCouldNeverFinishInTimeFailsInsteadOfLoopingToTheDeadLetterQueue() {
        // measured: 50 ms a window; then 100 windows = 5 s, in a 2 s invocation
        BatchProcessor processor = processor(sleepingAnswerer(50), policy().withInitialMillisPerToken(1.0 / 384)
                .withDeadlineMargin(Duration.ofMillis(100)));
        processor.process(event(question("measure", 4)), 60_000);

        SQSBatchResponse response = processor.process(event(question("huge", 100), question("tiny", 1)), 2_000);

        assertEquals(List.of(), failures(response));
        assertEquals("EXCEEDS_TIME_BUDGET", store.find("huge").orElseThrow().error().code());
        assertEquals(QaStatus.DONE, store.find("tiny").orElseThrow().status());
    }

    @Test
    void aRedeliveryReadsTheRecordsAndSkipsQuestionsAlreadyCompleted() {
        store.complete(new Completion("done-before", "q", 1, null), List.of(new Answer("x", 0, 1, 1.0)));
        store.fail(new Completion("failed-before", "q", 1, null), new dev.batchqa.shared.model.ErrorInfo("EXPIRED", "old"));
        BatchProcessor processor = processor(sleepingAnswerer(0), policy());
        SQSEvent event = event(question("done-before", 1), question("failed-before", 1), question("open", 1));
        event.getRecords().forEach(m -> m.getAttributes().put("ApproximateReceiveCount", "2"));

        SQSBatchResponse response = processor.process(event, 60_000);

        assertEquals(List.of(), failures(response));
        assertEquals(List.of(List.of("open")), calls, "only the open question was inferred");
        assertEquals(2, lastMetrics().get("Skipped").asInt());
        assertEquals(1, lastMetrics().get("Answered").asInt());
    }

    @Test
    void cancelledAndDeletedQuestionsAreSkippedWithoutErrorOnTheirFirstDelivery() {
        store.createPending(QaRecord.pending("cancelled", "cancelled 1", 1, null, java.time.Instant.now()));
        store.delete("cancelled");
        store.complete(new Completion("deleted", "deleted 1", 1, null), List.of(new Answer("x", 0, 1, 1.0)));
        store.delete("deleted");
        BatchProcessor processor = processor(sleepingAnswerer(0), policy());

        SQSBatchResponse response = processor.process(
                event(question("cancelled", 1), question("deleted", 1), question("open", 1)), 60_000);

        assertEquals(List.of(), failures(response), "acknowledged, not retried");
        assertEquals(List.of(List.of("open")), calls, "no inference for a withdrawn question");
        assertEquals(QaStatus.CANCELLED, store.find("cancelled").orElseThrow().status());
        assertEquals(QaStatus.DELETED, store.find("deleted").orElseThrow().status());
        assertEquals(2, lastMetrics().get("Skipped").asInt());
        assertEquals(0, lastMetrics().get("Failed").asInt());
        assertEquals(1, lastMetrics().get("Answered").asInt());
    }

    @Test
    void jobLinesTheirJobEndedAreSkippedOnTheirFirstDeliveryAndOtherFailuresAreNot() {
        var cancelled = new dev.batchqa.shared.model.ErrorInfo(dev.batchqa.shared.model.ErrorInfo.JOB_CANCELLED, "c");
        var expired = new dev.batchqa.shared.model.ErrorInfo(dev.batchqa.shared.model.ErrorInfo.JOB_EXPIRED, "e");
        store.createPending(QaRecord.pending("job_1", "job_1 1", 1, null, java.time.Instant.now()));
        store.fail(new Completion("job_1", "job_1 1", 1, null), cancelled);
        store.createPending(QaRecord.pending("job_2", "job_2 1", 1, null, java.time.Instant.now()));
        store.fail(new Completion("job_2", "job_2 1", 1, null), expired);
        // any other failure of a first delivery is still answered, so that an id reused for another question shows
        store.fail(new Completion("failed", "failed 1", 1, null), new dev.batchqa.shared.model.ErrorInfo("EXPIRED", "old"));
        BatchProcessor processor = processor(sleepingAnswerer(0), policy());

        SQSBatchResponse response = processor.process(
                event(question("job_1", 1), question("job_2", 1), question("failed", 1), question("open", 1)), 60_000);

        assertEquals(List.of(), failures(response), "acknowledged, not retried");
        assertEquals(java.util.Set.of("failed", "open"),
                calls.stream().flatMap(List::stream).collect(java.util.stream.Collectors.toSet()),
                "no inference for the lines their job ended");
        assertEquals(2, lastMetrics().get("Skipped").asInt());
    }

    @Test
    void anIdReusedForADifferentQuestionIsDroppedLoudlyAndARedeliveryIsNot() {
        store.complete(new Completion("reused", "reused 1", 1, null), List.of(new Answer("x", 0, 1, 1.0)));
        store.complete(new Completion("again", "again 1", 1, null), List.of(new Answer("x", 0, 1, 1.0)));
        BatchProcessor processor = processor(sleepingAnswerer(0), policy());
        // same id, another question (a bulk producer's bug); same id, same question (a redelivery)
        String conflicting = CODEC.encode(QuestionSet.single("reused", "reused 2", "another context", 1, null));

        processor.process(event(conflicting, question("again", 1)), 60_000);

        assertEquals(1, lastMetrics().get("IdConflicts").asInt());
        assertEquals(1, lastMetrics().get("Duplicates").asInt());
        assertEquals("reused 1", store.find("reused").orElseThrow().question(), "the first question's record stays");
    }

    @Test
    void aPoisonMessageWithAValidQuestionKeepsItInItsFailedRecord() {
        BatchProcessor processor = processor(sleepingAnswerer(0), policy());
        String tooLong = CODEC.encode(QuestionSet.single("long", "What is asked?", "x".repeat(40_001), 3, null));

        processor.process(event(tooLong), 60_000);

        QaRecord failed = store.find("long").orElseThrow();
        assertEquals("TOO_LARGE", failed.error().code());
        assertEquals("What is asked?", failed.question());
        assertEquals(3, failed.topK());
    }

    @Test
    void redeliveredMessagesGoFirst() {
        BatchProcessor processor = processor(sleepingAnswerer(0), policy().withChunkWindows(1));
        SQSEvent event = event(question("new-1", 1), question("old", 1), question("new-2", 1));
        event.getRecords().get(1).getAttributes().put("ApproximateReceiveCount", "4");

        processor.process(event, 60_000);

        assertEquals(List.of(List.of("old"), List.of("new-1"), List.of("new-2")), calls);
    }

    @Test
    void aSpeedNeverMeasuredRefusesNothingForGoodTheFirstQuestionRunsAlone() {
        // a first estimate far too slow (a first pass of a new shape at init on a busy machine): 100 ms a window,
        // really 1 ms; by it, 60 windows would not fit even a whole invocation
        BatchProcessor processor = processor(sleepingAnswerer(1), policy().withInitialMillisPerToken(100.0 / 384)
                .withDeadlineMargin(Duration.ofMillis(100)));

        SQSBatchResponse response = processor.process(event(question("big", 60), question("bigger", 70)), 1_400);

        assertEquals(QaStatus.DONE, store.find("big").orElseThrow().status(), "ran alone at the start");
        assertEquals(List.of(), failures(response), "the second one is answered or handed on, never failed");
        store.find("bigger").ifPresent(r -> assertEquals(QaStatus.DONE, r.status()));
        assertTrue(store.records().values().stream().noneMatch(r -> r.status() == QaStatus.FAILED),
                "nothing refused for good on an unmeasured speed");
    }

    @Test
    void cheapQuestionsGoBeforeCostlyOnesInABatch() {
        BatchProcessor processor = processor(sleepingAnswerer(0), policy().withChunkWindows(1));

        processor.process(event(question("big", 20, 2_000), question("small", 1, 10), question("mid", 5, 500)), 60_000);

        assertEquals(List.of(List.of("small"), List.of("mid"), List.of("big")), calls);
    }

    @Test
    void aContinuationSQSRefusedSendsItsOriginalBackInstead() {
        continuations.refuse = true;
        BatchProcessor processor = processor(sleepingAnswerer(40), policy().withChunkWindows(3)
                .withDeadlineMargin(Duration.ofMillis(100)).withInitialMillisPerToken(40.0 / 384));

        SQSBatchResponse response = processor.process(event(question("p1", 3), question("p2", 3), question("p3", 3),
                question("p4", 3), question("p5", 3), question("p6", 3)), 400);

        List<String> unanswered = List.of("p1", "p2", "p3", "p4", "p5", "p6").stream()
                .filter(q -> store.find(q).isEmpty()).map(BatchDeadlineTest::messageId).toList();
        assertTrue(!unanswered.isEmpty(), "something was left in a 400 ms invocation");
        assertEquals(unanswered, failures(response), "exactly the messages whose continuation was refused");
        assertEquals(0, lastMetrics().get("Continuations").asInt());
    }

    @Test
    void theModelDoesNotWaitForDynamoDbBetweenChunks() throws Exception {
        CountDownLatch secondChunkStarted = new CountDownLatch(1);
        AtomicInteger writesSeenBeforeSecondChunk = new AtomicInteger(-1);
        InMemoryRequestStore slowStore = new InMemoryRequestStore() {
            @Override
            public boolean complete(Completion c, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
                try {
                    // the first write holds until the model has started the next chunk (or 5 s pass)
                    if (c.id().equals("a")) secondChunkStarted.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.complete(c, answers, noAnswerScore, model);
            }
        };
        Answerer answerer = new RecordingAnswerer(0) {
            @Override
            public List<QaResult> answerPrepared(List<PreparedQuery> prepared) {
                if (prepared.get(0).query().question().startsWith("b")) {
                    writesSeenBeforeSecondChunk.set(slowStore.completions());
                    secondChunkStarted.countDown();
                }
                return super.answerPrepared(prepared);
            }
        };
        BatchProcessor processor = processor(answerer, slowStore, policy().withChunkWindows(1));

        long started = System.nanoTime();
        SQSBatchResponse response = processor.process(event(question("a", 1), question("b", 1)), 60_000);

        assertEquals(List.of(), failures(response));
        assertEquals(0, writesSeenBeforeSecondChunk.get(), "the second chunk ran while the first write was in flight");
        assertTrue((System.nanoTime() - started) < TimeUnit.SECONDS.toNanos(4), "no write waited for its 5 s timeout");
        assertEquals(2, slowStore.completions());
    }

    @Test
    void aWriteStillRunningAtTheDeadlineIsHandedOnNotRetried() {
        InMemoryRequestStore stuckStore = new InMemoryRequestStore() {
            @Override
            public boolean complete(Completion c, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.complete(c, answers, noAnswerScore, model);
            }
        };
        BatchProcessor processor = processor(sleepingAnswerer(0), stuckStore,
                policy().withDeadlineMargin(Duration.ofMillis(200)));

        long started = System.nanoTime();
        SQSBatchResponse response = processor.process(event(question("slow-write", 1)), 1_500);

        long took = (System.nanoTime() - started) / 1_000_000;
        assertTrue(took < 1_500, "returned in time: " + took + " ms");
        assertEquals(List.of(), failures(response));
        assertEquals(List.of("slow-write"), continuations.continuedIds(), "asked again; the write is write-once");
    }

    // ---------------------------------------------------------------- helpers

    private BatchPolicy policy() {
        return BatchPolicy.DEFAULT.withInitialMillisPerToken(1.0 / 384);
    }

    private BatchProcessor processor(Answerer answerer, BatchPolicy policy) {
        return processor(answerer, store, policy);
    }

    private BatchProcessor processor(Answerer answerer, InMemoryRequestStore store, BatchPolicy policy) {
        return new BatchProcessor(answerer, store, CODEC, metrics(), Clock.systemUTC(), policy, continuations);
    }

    private BatchMetrics metrics() {
        return new BatchMetrics(new PrintStream(metricsOut, true, StandardCharsets.UTF_8), "deadline-test");
    }

    private JsonNode lastMetrics() {
        try {
            return Json.MAPPER.readTree(metricsOut.toString(StandardCharsets.UTF_8).strip().lines().toList().getLast());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private RecordingAnswerer sleepingAnswerer(long millisPerWindow) {
        return new RecordingAnswerer(millisPerWindow);
    }

    /** Cost = the number after the id in the question ("q1 3" costs 3 windows); answers with the question's id. */
    private class RecordingAnswerer implements Answerer {
        private final long millisPerWindow;

        RecordingAnswerer(long millisPerWindow) {
            this.millisPerWindow = millisPerWindow;
        }

        @Override
        public PreparedQuery prepare(QaQuery query) {
            return PreparedQuery.unsplit(query, Integer.parseInt(query.question().split(" ")[1]));
        }

        @Override
        public List<QaResult> answerPrepared(List<PreparedQuery> prepared) {
            calls.add(prepared.stream().map(p -> p.query().question().split(" ")[0]).toList());
            int windows = prepared.stream().mapToInt(PreparedQuery::windows).sum();
            try {
                Thread.sleep(windows * millisPerWindow);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<QaResult> results = new ArrayList<>();
            for (PreparedQuery p : prepared) {
                String id = p.query().question().split(" ")[0];
                results.add(new QaResult(List.of(new Span(id, 0, id.length(), 1.0)), -1, 1, p.windows()));
            }
            return results;
        }

        @Override
        public List<QaResult> answerAll(List<QaQuery> queries) {
            return answerPrepared(queries.stream().map(this::prepare).toList());
        }

        @Override
        public QaResult answer(QaQuery query) {
            return answerAll(List.of(query)).get(0);
        }
    }

    private static String question(String id, int windows) {
        return CODEC.encode(QuestionSet.single(id, id + " " + windows, "context of " + id, 1, null));
    }

    private static String question(String id, int windows, int contextChars) {
        return CODEC.encode(QuestionSet.single(id, id + " " + windows, "c".repeat(contextChars), 1, null));
    }

    private static String messageId(String id) {
        return "msg-" + id;
    }

    private static SQSEvent event(String... bodies) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (String body : bodies) {
            String id;
            try {
                id = Json.MAPPER.readTree(body).get("id").asText();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId(messageId(id));
            m.setBody(body);
            Map<String, String> attributes = new HashMap<>();
            attributes.put("ApproximateReceiveCount", "1");
            m.setAttributes(attributes);
            m.setEventSourceArn(RecordingContinuations.QUEUE_ARN);
            records.add(m);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    private static List<String> failures(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }
}
