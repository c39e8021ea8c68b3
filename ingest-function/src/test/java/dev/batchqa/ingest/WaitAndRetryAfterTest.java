package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@code GET /qa/{id}?wait=N} and the Retry-After of 202 and of PENDING records. */
class WaitAndRetryAfterTest {
    private static final String ID = "0b0f5c1e-8d4a-4e9b-a1c3-5d6e7f809102";

    /** A store whose record turns DONE at the n-th read (0 = never), counting reads; time is fake. */
    private static final class Finishing extends InMemoryRequestStore {
        final int doneAtRead;
        int reads;

        Finishing(int doneAtRead) {
            this.doneAtRead = doneAtRead;
            createPending(QaRecord.pending(ID, "q?", 1, "c-1", Instant.parse("2026-11-26T10:15:30Z")));
        }

        @Override
        public Optional<QaRecord> find(String id) {
            if (++reads == doneAtRead) complete(new RequestStore.Completion(ID, "q?", 1, "c-1"), List.of());
            return super.find(id);
        }
    }

    private final AtomicLong now = new AtomicLong();
    private final List<Duration> sleeps = new ArrayList<>();

    private GetQuestion getQuestion(RequestStore store) {
        return new GetQuestion(store, now::get, d -> {
            sleeps.add(d);
            now.addAndGet(d.toNanos());
        });
    }

    @Test
    void withoutWaitAPendingRecordIsReadOnce() {
        Finishing store = new Finishing(0);
        assertEquals("PENDING", getQuestion(store).get(ID).status());
        assertEquals(1, store.reads);
        assertEquals(List.of(), sleeps);
    }

    @Test
    void theWaitEndsAtTheFirstReadThatIsNotPending() {
        Finishing store = new Finishing(4);
        RecordView view = getQuestion(store).get(ID, Duration.ofSeconds(15));
        assertEquals("DONE", view.status());
        assertEquals(4, store.reads);
        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1)), sleeps);
    }

    @Test
    void theWaitNeverExceedsN() {
        Finishing store = new Finishing(0);
        RecordView view = getQuestion(store).get(ID, Duration.ofSeconds(15));
        assertEquals("PENDING", view.status());
        assertEquals(Duration.ofSeconds(15), Duration.ofNanos(now.get()), "slept exactly the wait, not more");
        // 250 ms + 500 ms + 14 x 1 s + a last 250 ms: 17 sleeps, 18 reads for the longest wait
        assertEquals(18, store.reads);
        assertEquals(Duration.ofMillis(250), sleeps.getLast());
    }

    @Test
    void aFailedRecordEndsTheWaitToo() {
        InMemoryRequestStore store = new InMemoryRequestStore();
        store.createPending(QaRecord.pending(ID, "q?", 1, "c-1", Instant.now()));
        store.fail(new RequestStore.Completion(ID, "q?", 1, "c-1"), new dev.batchqa.shared.model.ErrorInfo("EXPIRED", "x"));
        assertEquals("FAILED", getQuestion(store).get(ID, Duration.ofSeconds(15)).status());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void anUnknownIdIs404AtOnceEvenWithAWait() {
        ApiException e = assertThrows(ApiException.class,
                () -> getQuestion(new InMemoryRequestStore()).get(ID, Duration.ofSeconds(15)));
        assertEquals(404, e.status());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void waitIsParsedStrictly() {
        assertEquals(Duration.ZERO, GetQuestion.waitOf(get(null, null), null));
        assertEquals(Duration.ZERO, GetQuestion.waitOf(get(Map.of("other", "1"), null), null));
        assertEquals(Duration.ofSeconds(15), GetQuestion.waitOf(get(Map.of("wait", "15"), null), null));
        assertEquals(Duration.ZERO, GetQuestion.waitOf(get(Map.of("wait", "0"), null), null));
        // the local runner gives only the raw query string
        assertEquals(Duration.ofSeconds(7), GetQuestion.waitOf(get(null, "x=1&wait=7"), null));
        for (String bad : List.of("16", "-1", "+3", "05", "1.5", "5s", "", " 5", "5,7", "99999999999", "%zz")) {
            ApiException e = assertThrows(ApiException.class,
                    () -> GetQuestion.waitOf(get(Map.of("wait", bad), null), null), bad);
            assertEquals(400, e.status());
            assertEquals("INVALID_WAIT", e.code());
            assertEquals("wait", e.field());
        }
        // a repeated parameter in the raw string is refused like API Gateway's joined "5,7"
        assertThrows(ApiException.class, () -> GetQuestion.waitOf(get(null, "wait=5&wait=7"), null));
        assertThrows(ApiException.class, () -> GetQuestion.waitOf(get(null, "wait"), null));
    }

    @Test
    void theWaitEndsTwoSecondsBeforeTheLambdaDoes() {
        APIGatewayV2HTTPEvent event = get(Map.of("wait", "15"), null);
        assertEquals(Duration.ofSeconds(15), GetQuestion.waitOf(event, Duration.ofSeconds(20)));
        assertEquals(Duration.ofMillis(8_500), GetQuestion.waitOf(event, Duration.ofMillis(10_500)));
        assertEquals(Duration.ZERO, GetQuestion.waitOf(event, Duration.ofMillis(1_500)));
        assertEquals(Duration.ofSeconds(3), GetQuestion.waitOf(get(Map.of("wait", "3"), null), Duration.ofSeconds(20)));
    }

    @Test
    void retryAfterFollowsTheQuestionsWaitingAhead() {
        assertEquals(2, RetryAfter.seconds(-1));
        assertEquals(1, RetryAfter.seconds(0));
        assertEquals(1, RetryAfter.seconds(9));
        assertEquals(2, RetryAfter.seconds(10));
        assertEquals(11, RetryAfter.seconds(100));
        assertEquals(60, RetryAfter.seconds(590));
        assertEquals(801, RetryAfter.seconds(8_000), "841 bulk messages of ~8,000 questions: 13 minutes, not 60 s");
        assertEquals(900, RetryAfter.seconds(1_000_000));
    }

    @Test
    void eachLaneCountsItsOwnQueueAndABulkMessageCountsItsQuestions() {
        java.util.concurrent.atomic.AtomicLong interactive = new java.util.concurrent.atomic.AtomicLong(3);
        java.util.concurrent.atomic.AtomicLong bulk = new java.util.concurrent.atomic.AtomicLong(841);
        BacklogGate gate = BacklogGate.lanes(interactive::get, bulk::get, 1_000_000);

        assertTrue(gate.admits(), "3 + 841 messages are under the limit");
        assertEquals(3, gate.cachedQuestionsAhead(dev.batchqa.shared.aws.Lanes.Lane.INTERACTIVE));
        assertEquals(8_410, gate.cachedQuestionsAhead(dev.batchqa.shared.aws.Lanes.Lane.BULK));
        assertEquals(1, RetryAfter.seconds(gate.cachedQuestionsAhead(dev.batchqa.shared.aws.Lanes.Lane.INTERACTIVE)),
                "an interactive question does not wait behind the bulk lane");
    }

    @Test
    void acceptedAndPendingCarryRetryAfterDoneDoesNot() {
        InMemoryRequestStore store = new InMemoryRequestStore();
        AtomicLong depth = new AtomicLong(250);
        BacklogGate gate = new BacklogGate(depth::get, 1_000, Duration.ofSeconds(5), System::nanoTime);
        IngestApi api = new IngestApi(store, new InMemoryIdempotencyStore(), new InMemoryRequestQueue(), gate,
                IngestMetrics.none(), new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS),
                Clock.systemUTC());
        APIGatewayV2HTTPResponse accepted = api.handle(post("{\"context\": \"c\", \"question\": \"q?\"}"));
        assertEquals(202, accepted.getStatusCode());
        assertEquals("26", accepted.getHeaders().get("Retry-After"), "1 + 250 / 10");
        String id = accepted.getHeaders().get("Location").substring("/qa/".length());

        APIGatewayV2HTTPResponse pending = api.handle(get("/qa/" + id, Map.of("wait", "0"), null), Duration.ofSeconds(20));
        assertEquals(200, pending.getStatusCode());
        assertEquals("26", pending.getHeaders().get("Retry-After"));

        store.complete(new RequestStore.Completion(id, "q?", 1, "c-1"), List.of());
        APIGatewayV2HTTPResponse done = api.handle(get("/qa/" + id, null, null));
        assertTrue(done.getBody().contains("\"status\":\"DONE\""));
        assertFalse(done.getHeaders().containsKey("Retry-After"));

        APIGatewayV2HTTPResponse bad = api.handle(get("/qa/" + id, Map.of("wait", "16"), null));
        assertEquals(400, bad.getStatusCode());
        assertTrue(bad.getBody().contains("\"code\":\"INVALID_WAIT\""), bad.getBody());
    }

    @Test
    void aRealWaitReturnsTheAnswerAsSoonAsItIsStored() throws Exception {
        InMemoryRequestStore store = new InMemoryRequestStore();
        store.createPending(QaRecord.pending(ID, "q?", 1, "c-1", Instant.now()));
        IngestApi api = new IngestApi(store, new InMemoryIdempotencyStore(), new InMemoryRequestQueue(),
                new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC());
        Thread answerer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                return;
            }
            store.complete(new RequestStore.Completion(ID, "q?", 1, "c-1"), List.of());
        });
        long started = System.nanoTime();
        APIGatewayV2HTTPResponse response = api.handle(get("/qa/" + ID, Map.of("wait", "10"), null));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        answerer.join();
        assertTrue(response.getBody().contains("\"status\":\"DONE\""), response.getBody());
        assertNull(response.getHeaders().get("Retry-After"));
        // polls at 250, 750 and 1750 ms: the answer stored at 600 ms is seen at 750 ms, long before 10 s
        assertTrue(tookMs >= 600 && tookMs < 5_000, "took " + tookMs + " ms");
    }

    private static APIGatewayV2HTTPEvent get(Map<String, String> parameters, String rawQuery) {
        return get("/qa/" + ID, parameters, rawQuery);
    }

    private static APIGatewayV2HTTPEvent get(String path, Map<String, String> parameters, String rawQuery) {
        return APIGatewayV2HTTPEvent.builder()
                .withRawPath(path)
                .withQueryStringParameters(parameters)
                .withRawQueryString(rawQuery)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").build())
                        .build())
                .build();
    }

    private static APIGatewayV2HTTPEvent post(String body) {
        return APIGatewayV2HTTPEvent.builder()
                .withRawPath("/qa")
                .withHeaders(Map.of("content-type", "application/json"))
                .withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").build())
                        .build())
                .build();
    }
}
