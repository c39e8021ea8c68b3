package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two attempts with one Idempotency-Key, interleaved step by step: attempt "A" (the first) runs on its own
 * thread and is held at a named step (latches) while attempt "B" (the client's retry) runs to the end on the
 * test's thread; then A goes on. Whatever the order, there is one record, every attempt that answers 202
 * names it, and no answer is a 500.
 */
class IdempotencyRacesTest {
    private static final String A = "attempt-A";

    private final Steps steps = new Steps();
    private final SteppingStore store = new SteppingStore(steps);
    private final SteppingQueue queue = new SteppingQueue(steps);
    private final IngestHandler handler = new IngestHandler(new IngestApi(store, new InMemoryIdempotencyStore(), queue,
            new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC()));

    @Test
    void aRetryThatStoresTheRecordFirstLeavesTheFirstAttemptA202NotAnIdCollision() throws Exception {
        Step held = steps.hold(A, "createPending");
        CompletableFuture<APIGatewayV2HTTPResponse> first = attemptA();
        held.awaitArrival(); // A has claimed the key for its id, nothing more

        APIGatewayV2HTTPResponse retry = handler.handleRequest(event(), null); // stores, queues, marks queued
        held.release();
        APIGatewayV2HTTPResponse firstResponse = first.get(10, TimeUnit.SECONDS);

        assertEquals(202, retry.getStatusCode(), retry.getBody());
        assertEquals(202, firstResponse.getStatusCode(), firstResponse.getBody());
        String id = id(firstResponse);
        assertEquals(id, id(retry));
        assertEquals(Set.of(id), store.records().keySet());
        assertTrue(store.find(id).orElseThrow().queued());
        assertEquals(List.of(id), queue.sentIds(), "A found the record queued by the retry and queued nothing more");
    }

    @Test
    void aFirstAttemptWhoseSendFailsWhileTheRetrySucceedsLeavesTheQuestionQueuedAndTheKeyBound() throws Exception {
        Step held = steps.hold(A, "send");
        steps.fail(A, "send", new IllegalStateException("SQS unreachable"));
        CompletableFuture<APIGatewayV2HTTPResponse> first = attemptA();
        held.awaitArrival(); // A stored the record and is about to send

        APIGatewayV2HTTPResponse retry = handler.handleRequest(event(), null);
        held.release();
        APIGatewayV2HTTPResponse firstResponse = first.get(10, TimeUnit.SECONDS);

        assertEquals(202, retry.getStatusCode(), retry.getBody());
        assertEquals(503, firstResponse.getStatusCode(), firstResponse.getBody());
        assertEquals("QUEUE_UNAVAILABLE", error(firstResponse));
        String id = id(retry);
        QaRecord record = store.find(id).orElseThrow();
        assertEquals(QaStatus.PENDING, record.status(), "A's failure must not mark the queued question FAILED");
        assertTrue(record.queued());

        APIGatewayV2HTTPResponse third = handler.handleRequest(event(), null);

        assertEquals(202, third.getStatusCode());
        assertEquals(id, id(third), "the key still names the one question");
        assertEquals(Set.of(id), store.records().keySet(), "no second question");
        assertEquals(List.of(id), queue.sentIds());
    }

    @Test
    void twoAttemptsThatBothFindTheRecordUnqueuedBothQueueItOneRecordTwoMessages() throws Exception {
        // the interleaving that costs a duplicate message: harmless, the inference side completes a record once
        Step held = steps.hold(A, "send");
        CompletableFuture<APIGatewayV2HTTPResponse> first = attemptA();
        held.awaitArrival();

        APIGatewayV2HTTPResponse retry = handler.handleRequest(event(), null);
        held.release();
        APIGatewayV2HTTPResponse firstResponse = first.get(10, TimeUnit.SECONDS);

        assertEquals(202, retry.getStatusCode());
        assertEquals(202, firstResponse.getStatusCode());
        String id = id(firstResponse);
        assertEquals(id, id(retry));
        assertEquals(Set.of(id), store.records().keySet());
        assertEquals(List.of(id, id), queue.sentIds());
    }

    @Test
    void aFailureToNoteTheQuestionQueuedAfterItWasSentIsStillA202() throws Exception {
        steps.fail(Thread.currentThread().getName(), "markQueued", new IllegalStateException("DynamoDB throttled"));

        APIGatewayV2HTTPResponse response = handler.handleRequest(event(), null);

        assertEquals(202, response.getStatusCode(), response.getBody());
        String id = id(response);
        assertEquals(List.of(id), queue.sentIds(), "sent once: the question is queued");
        assertFalse(store.find(id).orElseThrow().queued());

        APIGatewayV2HTTPResponse replay = handler.handleRequest(event(), null);

        assertEquals(202, replay.getStatusCode());
        assertEquals(id, id(replay));
        assertEquals(List.of(id, id), queue.sentIds(), "a replay cannot tell and queues it again (harmless)");
        assertTrue(store.find(id).orElseThrow().queued());
        handler.handleRequest(event(), null);
        assertEquals(2, queue.sentIds().size(), "and then no more");
    }

    @Test
    void aFirstAttemptThatCannotStoreTheRecordLeavesTheKeyToTheRetry() throws Exception {
        steps.fail(Thread.currentThread().getName(), "createPending", new IllegalStateException("DynamoDB unreachable"));

        APIGatewayV2HTTPResponse first = handler.handleRequest(event(), null);
        APIGatewayV2HTTPResponse retry = handler.handleRequest(event(), null);

        assertEquals(500, first.getStatusCode());
        assertEquals("INTERNAL_ERROR", error(first));
        assertEquals(202, retry.getStatusCode(), retry.getBody());
        String id = id(retry);
        assertEquals(Set.of(id), store.records().keySet());
        assertEquals(List.of(id), queue.sentIds());
    }

    private CompletableFuture<APIGatewayV2HTTPResponse> attemptA() {
        CompletableFuture<APIGatewayV2HTTPResponse> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(handler.handleRequest(event(), null));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, A);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent event() {
        return EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json");
    }

    private static String id(APIGatewayV2HTTPResponse response) throws Exception {
        return Json.MAPPER.readTree(response.getBody()).get("id").asText();
    }

    private static String error(APIGatewayV2HTTPResponse response) throws Exception {
        return Json.MAPPER.readTree(response.getBody()).get("error").get("code").asText();
    }

    /** One thread held before one step: the test waits for it to get there, then lets it go on. */
    static final class Step {
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        void pass() {
            arrived.countDown();
            await(released);
        }

        void awaitArrival() {
            await(arrived);
        }

        void release() {
            released.countDown();
        }

        private static void await(CountDownLatch latch) {
            try {
                if (!latch.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("step not reached in 10 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Which thread stops, or fails, before which step (each once). */
    static final class Steps {
        private final Map<String, Step> holds = new ConcurrentHashMap<>();
        private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();

        Step hold(String thread, String step) {
            return holds.computeIfAbsent(thread + ":" + step, k -> new Step());
        }

        void fail(String thread, String step, RuntimeException e) {
            failures.put(thread + ":" + step, e);
        }

        void before(String step) {
            String key = Thread.currentThread().getName() + ":" + step;
            Step hold = holds.remove(key);
            if (hold != null) hold.pass();
            RuntimeException failure = failures.remove(key);
            if (failure != null) throw failure;
        }
    }

    /** The in-memory store, with {@link Steps} before each write and read the ingest path makes. */
    static final class SteppingStore extends InMemoryRequestStore {
        private final Steps steps;

        SteppingStore(Steps steps) {
            this.steps = steps;
        }

        @Override
        public boolean createPending(QaRecord record) {
            steps.before("createPending");
            return super.createPending(record);
        }

        @Override
        public Optional<QaRecord> find(String id) {
            steps.before("find");
            return super.find(id);
        }

        @Override
        public void markQueued(String id) {
            steps.before("markQueued");
            super.markQueued(id);
        }
    }

    /** A queue that keeps what was sent, with {@link Steps} before each send. */
    static final class SteppingQueue implements RequestQueue {
        private final Steps steps;
        private final List<QuestionSet> sent = new CopyOnWriteArrayList<>();

        SteppingQueue(Steps steps) {
            this.steps = steps;
        }

        List<String> sentIds() {
            return sent.stream().map(m -> m.first().id()).toList();
        }

        @Override
        public void send(QuestionSet message) {
            steps.before("send");
            sent.add(message);
        }

        @Override
        public Set<String> sendAll(List<QuestionSet> messages) {
            messages.forEach(this::send);
            return Set.of();
        }
    }
}
