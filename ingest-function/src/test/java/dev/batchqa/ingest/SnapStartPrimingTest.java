package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Priming exercises the read and parse paths and writes nothing, not even metrics. */
class SnapStartPrimingTest {
    @Test
    void primingRequestsReadAndParseButStoreQueueAndCountNothing() {
        InMemoryRequestStore store = new InMemoryRequestStore();
        InMemoryRequestQueue queue = new InMemoryRequestQueue();
        ByteArrayOutputStream metrics = new ByteArrayOutputStream();
        IngestApi api = new IngestApi(store, new InMemoryIdempotencyStore(), queue, BacklogGate.off(),
                new IngestMetrics(new PrintStream(metrics, true, StandardCharsets.UTF_8), "ingest"),
                new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC());
        new SnapStartPriming(api).beforeCheckpoint(null);

        assertTrue(store.records().isEmpty());
        assertTrue(queue.sent().isEmpty());
        assertEquals(0, metrics.size(), "priming requests are not traffic");
        assertEquals(404, api.handle(SnapStartPriming.event("GET", "/qa/3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102", null)).getStatusCode());
        assertTrue(metrics.toString(StandardCharsets.UTF_8).contains("\"Http4xx\":1"), "real requests are");
    }
}
