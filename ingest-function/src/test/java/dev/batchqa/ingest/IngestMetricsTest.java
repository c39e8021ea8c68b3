package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Every request leaves one EMF line whose counts say how it ended, failures handled in the code included. */
class IngestMetricsTest {
    private final InMemoryRequestStore store = new InMemoryRequestStore();
    private final InMemoryRequestQueue queue = new InMemoryRequestQueue();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long waiting;
    private final IngestApi api = new IngestApi(store, new InMemoryIdempotencyStore(), queue,
            new BacklogGate(() -> waiting, 10, Duration.ZERO, System::nanoTime),
            new IngestMetrics(new PrintStream(out, true, StandardCharsets.UTF_8), "qa-ingest"),
            new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC());

    @Test
    void aHandledQueueFailureCountsAsA5xx() throws Exception {
        queue.setUnavailable(true);
        assertEquals(503, api.handle(single()).getStatusCode());
        assertEquals(counts(0, 0, 1, 0, 0), last());
    }

    @Test
    void anUnexpectedErrorCountsAsA5xx() throws Exception {
        store.failNextWrite(new IllegalStateException("ProvisionedThroughputExceeded"));
        assertEquals(500, api.handle(single()).getStatusCode());
        assertEquals(counts(0, 0, 1, 0, 0), last());
    }

    @Test
    void aBacklogRefusalIsA5xxAndCountedAsSuch() throws Exception {
        waiting = 10;
        assertEquals(503, api.handle(single()).getStatusCode());
        assertEquals(counts(0, 0, 1, 1, 0), last());
    }

    @Test
    void batchItemsThatFailOnTheServerAreCountedInAnOtherwiseSuccessfulBatch() throws Exception {
        queue.setUnavailable(true);
        APIGatewayV2HTTPEvent batch = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");
        assertEquals(200, api.handle(batch).getStatusCode());
        assertEquals(counts(1, 0, 0, 0, 2), last(), "2 valid items not queued; the 2 invalid ones are client errors");
    }

    @Test
    void successAndClientErrorsAreCountedByClass() throws Exception {
        assertEquals(202, api.handle(single()).getStatusCode());
        assertEquals(counts(1, 0, 0, 0, 0), last());
        APIGatewayV2HTTPEvent bad = single();
        bad.setBody("{}");
        assertEquals(400, api.handle(bad).getStatusCode());
        assertEquals(counts(0, 1, 0, 0, 0), last());
    }

    @Test
    void linesAreEmbeddedMetricFormatDeclaringEveryValue() throws Exception {
        api.handle(single());
        JsonNode line = Json.MAPPER.readTree(lines().get(0));
        JsonNode directive = line.get("_aws").get("CloudWatchMetrics").get(0);
        assertEquals("BatchQa", directive.get("Namespace").asText());
        assertEquals("[[\"FunctionName\"]]", directive.get("Dimensions").toString());
        assertEquals("qa-ingest", line.get("FunctionName").asText());
        List<String> declared = new ArrayList<>();
        directive.get("Metrics").forEach(m -> {
            declared.add(m.get("Name").asText());
            assertEquals("Count", m.get("Unit").asText());
        });
        assertEquals(IngestMetrics.NAMES, declared);
        declared.forEach(name -> assertEquals(true, line.get(name).isNumber(), name));
        assertEquals(true, line.get("_aws").get("Timestamp").isNumber());
    }

    private Map<String, Integer> counts(int http2xx, int http4xx, int http5xx, int backlogRefused, int batchItemErrors) {
        return new TreeMap<>(Map.of("Requests", 1, "Http2xx", http2xx, "Http4xx", http4xx, "Http5xx", http5xx,
                "BacklogRefused", backlogRefused, "BatchItemErrors", batchItemErrors));
    }

    private Map<String, Integer> last() throws Exception {
        List<String> lines = lines();
        assertEquals(1, lines.size(), "one line per request");
        JsonNode line = Json.MAPPER.readTree(lines.get(0));
        out.reset();
        Map<String, Integer> counts = new TreeMap<>();
        IngestMetrics.NAMES.forEach(name -> counts.put(name, line.get(name).asInt()));
        return counts;
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static APIGatewayV2HTTPEvent single() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json");
        event.getHeaders().remove("idempotency-key");
        return event;
    }
}
