package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.Limits;
import dev.batchqa.shared.QaValidator;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Priming exercises the read and parse paths and writes nothing. */
class SnapStartPrimingTest {
    @Test
    void primingRequestsReadAndParseButStoreAndQueueNothing() {
        InMemoryRequestStore store = new InMemoryRequestStore();
        InMemoryRequestQueue queue = new InMemoryRequestQueue();
        IngestApi api = new IngestApi(store, queue, new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS),
                Clock.systemUTC());
        new SnapStartPriming(api).beforeCheckpoint(null);

        assertTrue(store.records().isEmpty());
        assertTrue(queue.sent().isEmpty());
        assertEquals(404, api.handle(SnapStartPriming.event("GET", "/qa/3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102", null)).getStatusCode());
    }
}
