package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.PreparedQuery;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.engine.Span;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.MessageCodec.Continuation;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Heavy but legitimate work finishes: a message larger than one invocation is answered over several, handed on in
 * continuations that spend no receive; no piece starts that the time left cannot hold; memory holds one piece's
 * windows, not the batch's; a question that fails alone fails alone.
 */
class HeavyWorkTest {
    private static final MessageCodec CODEC =
            new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
    private static final Instant ACCEPTED = Instant.parse("2026-12-07T10:00:00Z");

    private final List<Completion> completions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final InMemoryRequestStore store = new InMemoryRequestStore() {
        @Override
        public boolean complete(Completion c, List<Answer> answers, Double noAnswerScore,
                dev.batchqa.shared.model.ModelInfo model) {
            completions.add(c);
            return super.complete(c, answers, noAnswerScore, model);
        }
    };
    private final RecordingContinuations continuations = new RecordingContinuations(CODEC);

    @Test
    void fiftyQuestionsLargerThanOneInvocationAllEndDoneThroughContinuations() {
        // 50 questions of 4 windows at 10 ms a window: 2 s of work, in invocations of 600 ms with 100 ms kept back
        TimedAnswerer answerer = new TimedAnswerer(10);
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT.withChunkWindows(8)
                .withDeadlineMargin(Duration.ofMillis(100)).withInitialMillisPerToken(10.0 / 384));
        List<Question> questions = new ArrayList<>();
        for (int i = 0; i < 50; i++) questions.add(new Question("h" + i, "h" + i + " 4"));
        String body = CODEC.encode(new QuestionSet("a long context", questions, AnswerOptions.DEFAULT, "corr-1"));

        int invocations = 0;
        SQSEvent.SQSMessage next = message("original", body);
        while (next != null && invocations < 20) {
            invocations++;
            int before = continuations.sent.size();
            long t0 = System.nanoTime();
            SQSBatchResponse response = processor.process(event(next), 600);
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of(), failures(response), "no receive is spent: nothing failed");
            assertTrue(took < 600, "invocation " + invocations + " returned within its time: " + took + " ms");
            next = continuations.sent.size() > before
                    ? message("continuation-" + invocations, continuations.sent.getLast().body()) : null;
        }

        for (Question q : questions) assertEquals(QaStatus.DONE, store.find(q.id()).orElseThrow().status(), q.id());
        assertTrue(invocations >= 4, "the work needed several invocations: " + invocations);
        List<MessageCodec.Decoded> sent = continuations.sent.stream().map(continuations::decode).toList();
        for (int i = 0; i < sent.size(); i++) {
            Continuation c = sent.get(i).continuation();
            assertEquals(i + 1, c.count(), "the counter rises by one each time");
            assertEquals(ACCEPTED, c.acceptedAt(), "the original acceptance time travels on, for the TTL rules");
            assertEquals("corr-1", sent.get(i).set().correlationId());
        }
        // a write still running at a deadline is asked again in the continuation: inferred twice at worst, stored once
        assertTrue(answerer.answered >= 50 && answerer.answered <= 52, "answered " + answerer.answered);
        assertEquals(50, store.completions(), "every question stored exactly once");
    }

    @Test
    void noPieceStartsThatThePessimisticEstimateCannotFitAfterAMisleadingWarmUp() {
        // the initial figure says 1 ms a window; the truth is 30 ms; a piece of 32 windows would take ~1 s
        TimedAnswerer answerer = new TimedAnswerer(30);
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT
                .withDeadlineMargin(Duration.ofMillis(150)).withInitialMillisPerToken(1.0 / 384));
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 8; i++) bodies.add(CODEC.encode(QuestionSet.single("p" + i, "p" + i + " 8", "ctx", 1, null)));

        // a first small batch measures the real speed
        processor.process(event(message("m-first", CODEC.encode(QuestionSet.single("first", "first 4", "c", 1, null)))), 5_000);
        long t0 = System.nanoTime();
        SQSBatchResponse response = processor.process(event(bodies.stream()
                .map(b -> message("m-" + b.hashCode(), b)).toArray(SQSEvent.SQSMessage[]::new)), 1_000);
        long took = (System.nanoTime() - t0) / 1_000_000;

        assertTrue(took < 1_000 - 50, "no piece ran into the margin: " + took + " ms");
        assertEquals(List.of(), failures(response));
        long done = store.records().values().stream().filter(r -> r.status() == QaStatus.DONE).count() - 1;
        assertEquals(8, done + continuations.continuedIds().size(), "each answered or handed on");
    }

    @Test
    void memoryHoldsOnePiecesWindowsNotTheBatchs() {
        // 32 messages of 50 questions of 20 windows: 32,000 windows in the batch
        TimedAnswerer answerer = new TimedAnswerer(0);
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT);
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (int m = 0; m < 32; m++) {
            List<Question> qs = new ArrayList<>();
            for (int i = 0; i < 50; i++) qs.add(new Question("m" + m + "q" + i, "m" + m + "q" + i + " 20"));
            messages.add(message("msg-" + m, CODEC.encode(new QuestionSet("context " + m, qs, AnswerOptions.DEFAULT, null))));
        }

        SQSBatchResponse response = processor.process(event(messages.toArray(SQSEvent.SQSMessage[]::new)), 600_000);

        assertEquals(List.of(), failures(response));
        assertEquals(1_600, answerer.answered);
        assertTrue(answerer.maxPreparedWindows <= BatchPolicy.DEFAULT.chunkWindows() + 20,
                "windows held at once: " + answerer.maxPreparedWindows);
    }

    @Test
    void aQuestionThatFailsAloneEndsInferenceErrorOnItsFirstDeliveryAndItsNeighboursAreAnswered() {
        TimedAnswerer answerer = new TimedAnswerer(0);
        answerer.poison = "bad";
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT.withChunkWindows(1));

        SQSBatchResponse response = processor.process(event(
                message("m-a", CODEC.encode(QuestionSet.single("a", "a 1", "c", 1, null))),
                message("m-bad", CODEC.encode(QuestionSet.single("bad", "bad 1", "cc", 1, null))),
                message("m-b", CODEC.encode(QuestionSet.single("b", "b 1", "ccc", 1, null)))), 60_000);

        assertEquals(List.of(), failures(response), "nothing goes back: no receive is spent");
        assertEquals("INFERENCE_ERROR", store.find("bad").orElseThrow().error().code());
        assertEquals(QaStatus.DONE, store.find("a").orElseThrow().status());
        assertEquals(QaStatus.DONE, store.find("b").orElseThrow().status());
        assertEquals(List.of(), continuations.sent, "nothing postponed");
    }

    @Test
    void aPoisonQuestionInAPieceIsFoundAndFailedWhileTheOthersAreAnswered() {
        TimedAnswerer answerer = new TimedAnswerer(0);
        answerer.poison = "q3";
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT);
        List<Question> qs = new ArrayList<>();
        for (int i = 0; i < 6; i++) qs.add(new Question("q" + i, "q" + i + " 1"));

        SQSBatchResponse response = processor.process(event(message("m", CODEC.encode(
                new QuestionSet("c", qs, AnswerOptions.DEFAULT, null)))), 60_000);

        assertEquals(List.of(), failures(response));
        for (Question q : qs) {
            assertEquals(q.id().equals("q3") ? QaStatus.FAILED : QaStatus.DONE, store.find(q.id()).orElseThrow().status());
        }
    }

    @Test
    void aModelThatFailsAKnownGoodQuestionTooSendsTheBatchBack() {
        TimedAnswerer answerer = new TimedAnswerer(0);
        answerer.broken = true;
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT.withChunkWindows(1));

        SQSBatchResponse response = processor.process(event(
                message("m-a", CODEC.encode(QuestionSet.single("a", "a 1", "c", 1, null))),
                message("m-b", CODEC.encode(QuestionSet.single("b", "b 1", "cc", 1, null)))), 60_000);

        assertEquals(List.of("m-a", "m-b"), failures(response));
        assertTrue(store.records().isEmpty(), "nothing FAILED for a fault of the model");
        assertEquals(List.of(), continuations.sent);
    }

    @Test
    void anEngineThatCannotEvenTokenizeSendsTheBatchBackInsteadOfFailingItsQuestions() {
        // a sandbox replaced after a timeout closes its engine while the abandoned invocation still runs
        TimedAnswerer answerer = new TimedAnswerer(0);
        answerer.broken = true;
        answerer.closed = true;
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT);

        SQSBatchResponse response = processor.process(event(
                message("m-a", CODEC.encode(QuestionSet.single("a", "a 1", "c", 1, null))),
                message("m-b", CODEC.encode(QuestionSet.single("b", "b 1", "cc", 1, null)))), 60_000);

        assertEquals(List.of("m-a", "m-b"), failures(response));
        assertTrue(store.records().isEmpty(), "no INFERENCE_ERROR for a closed engine");
    }

    @Test
    void aContinuationSkipsWhatAnEarlierInvocationStoredAndKeepsTheOriginalTimeForTheTtlRules() {
        store.complete(new Completion("done-1", "done-1 1", 1, null), List.of(new Answer("x", 0, 1, 1.0)));
        completions.clear();
        TimedAnswerer answerer = new TimedAnswerer(0);
        BatchProcessor processor = processor(answerer, BatchPolicy.DEFAULT);
        String body = CODEC.encodeContinuation(new QuestionSet("c", List.of(new Question("done-1", "done-1 1"),
                new Question("open-1", "open-1 1")), AnswerOptions.DEFAULT, null), new Continuation(3, ACCEPTED));
        SQSEvent.SQSMessage m = message("m-c", body);
        m.getAttributes().put("SentTimestamp", Long.toString(ACCEPTED.plus(Duration.ofHours(30)).toEpochMilli()));

        SQSBatchResponse response = processor.process(event(m), 60_000);

        assertEquals(List.of(), failures(response));
        assertEquals(1, answerer.answered, "only the open question was inferred");
        assertEquals(ACCEPTED, completions.getLast().sentAt(), "the completion carries the original acceptance");
    }

    @Test
    void continuationFieldsAreCheckedAndAbsentOnAnOriginal() throws Exception {
        String original = CODEC.encode(QuestionSet.single("x", "x 1", "c", 1, null));
        assertNull(CODEC.decode(original, "s").continuation());
        String continued = CODEC.encodeContinuation(QuestionSet.single("x", "x 1", "c", 1, null),
                new Continuation(2, null));
        assertNotNull(CODEC.decode(continued, "s").continuation());
        String bad = continued.replace("\"continuation\":2", "\"continuation\":0");
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.batchqa.shared.message.InvalidMessageException.class,
                () -> CODEC.decode(bad, "s"));
        assertEquals("INVALID_CONTINUATION", e.code());
        assertEquals(List.of("x"), e.questions().stream().map(Question::id).toList(), "its question can be failed");
    }

    // ---------------------------------------------------------------- helpers

    private BatchProcessor processor(Answerer answerer, BatchPolicy policy) {
        return new BatchProcessor(answerer, store, CODEC, new BatchMetrics(new PrintStream(OutputStream.nullOutputStream()),
                "heavy-test"), Clock.systemUTC(), policy, continuations);
    }

    private static SQSEvent.SQSMessage message(String id, String body) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        Map<String, String> attributes = new HashMap<>();
        attributes.put("ApproximateReceiveCount", "1");
        attributes.put("SentTimestamp", Long.toString(ACCEPTED.toEpochMilli()));
        m.setAttributes(attributes);
        m.setEventSourceArn(RecordingContinuations.QUEUE_ARN);
        return m;
    }

    private static SQSEvent event(SQSEvent.SQSMessage... messages) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(messages));
        return event;
    }

    private static List<String> failures(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    /**
     * Cost = the number after the id in the question ("q1 3": 3 windows of 384 tokens), a fixed sleep per window;
     * counts the windows prepared and not yet answered, as the engine's memory would hold them.
     */
    private static final class TimedAnswerer implements Answerer {
        private final long millisPerWindow;
        private final AtomicLong preparedWindows = new AtomicLong();
        volatile long maxPreparedWindows;
        volatile int answered;
        volatile String poison;
        volatile boolean broken;
        volatile boolean closed;

        TimedAnswerer(long millisPerWindow) {
            this.millisPerWindow = millisPerWindow;
        }

        @Override
        public PreparedQuery prepare(QaQuery query) {
            if (closed) throw new IllegalStateException("QaEngine is closed");
            int windows = Integer.parseInt(query.question().split(" ")[1]);
            maxPreparedWindows = Math.max(maxPreparedWindows, preparedWindows.addAndGet(windows));
            return PreparedQuery.unsplit(query, windows);
        }

        @Override
        public synchronized List<QaResult> answerPrepared(List<PreparedQuery> prepared) {
            if (broken) throw new IllegalStateException("the model is broken");
            for (PreparedQuery p : prepared) {
                if (p.query().question().split(" ")[0].equals(poison)) throw new IllegalArgumentException("poison");
            }
            int windows = prepared.stream().mapToInt(PreparedQuery::windows).sum();
            try {
                Thread.sleep(windows * millisPerWindow);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            preparedWindows.addAndGet(-windows);
            List<QaResult> results = new ArrayList<>();
            for (PreparedQuery p : prepared) {
                String id = p.query().question().split(" ")[0];
                results.add(new QaResult(List.of(new Span(id, 0, id.length(), 1.0)), -1, 1, p.windows()));
                if (!id.startsWith("What")) answered++;
            }
            return results;
        }

        @Override
        public List<QaResult> answerAll(List<QaQuery> queries) {
            if (broken) throw new IllegalStateException("the model is broken");
            List<QaResult> results = new ArrayList<>();
            for (QaQuery q : queries) results.add(new QaResult(List.of(), -1, 1, 1));
            return results;
        }

        @Override
        public QaResult answer(QaQuery query) {
            return answerAll(List.of(query)).getFirst();
        }
    }
}
