package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A subscriber of {@code GET /local/events} sees one event per finished question, DONE, FAILED and CANCELLED, in
 * the shape the deployed bus gets, and never the user's text.
 */
class CompletionEventsLocalTest {
    private static final String CONTEXT = "The quokka Zanzibar-7 lives on Rottnest Island and eats leaves.";
    private static final String QUESTION = "Where does the quokka Zanzibar-7 live?";
    private static final Set<String> DETAIL_FIELDS = Set.of("id", "status", "createdAt", "completedAt", "errorCode");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aSubscriberSeesDoneFailedAndCancelledEventsWithoutUserText() throws Exception {
        Map<String, String> env = PipelineContract.baseEnvironment();
        try (LocalPipeline pipeline = LocalPipeline.start(PipelineContract.config(env).build())) {
            URI api = pipeline.apiUrl();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(api.resolve("/local/events")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, stream.statusCode());
            assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElse(null));
            Thread reader = Thread.ofVirtual().start(() -> stream.body().forEach(lines::add));
            assertEquals(": subscribed", lines.poll(10, TimeUnit.SECONDS), "subscribed before anything is sent");

            String done = submit(api);
            JsonNode doneEvent = next(lines, done);
            assertEquals("DONE", doneEvent.get("status").asText());

            String poison = "poison-" + done.substring(0, 8);
            pipeline.sqs().sendMessage(r -> r.queueUrl(pipeline.queueUrl())
                    .messageBody("{\"id\":\"" + poison + "\",\"question\":\"" + QUESTION + "\"}"));
            JsonNode failedEvent = next(lines, poison);
            assertEquals("FAILED", failedEvent.get("status").asText());
            assertEquals("MISSING_FIELD", failedEvent.get("errorCode").asText());

            pipeline.stopPoller(); // so that the next question stays PENDING until it is deleted
            String cancelled = submit(api);
            assertEquals(204, delete(api, cancelled));
            JsonNode cancelledEvent = next(lines, cancelled);
            assertEquals("CANCELLED", cancelledEvent.get("status").asText());
            assertFalse(cancelledEvent.has("errorCode"));

            // deleting a DONE question leaves a tombstone and publishes nothing; a repeat publishes nothing either
            assertEquals(204, delete(api, done));
            assertEquals(204, delete(api, cancelled));
            String after = submit(api);
            assertEquals(204, delete(api, after));
            assertEquals(after, next(lines, null).get("id").asText(), "nothing came between");

            for (JsonNode event : List.of(doneEvent, failedEvent, cancelledEvent)) {
                assertTrue(Instant.parse(event.get("completedAt").asText()).isAfter(Instant.now().minusSeconds(120)));
                assertNotNull(Instant.parse(event.get("createdAt").asText()));
            }
            stream.body().close();
            reader.interrupt();
        }
    }

    /** The detail of the next event, which must be about {@code id} (any id when null); checks shape and text. */
    private static JsonNode next(BlockingQueue<String> lines, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String event = null;
        List<String> frame = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null || line.startsWith(":")) continue;
            if (!line.isEmpty()) {
                frame.add(line);
                continue;
            }
            if (frame.isEmpty()) continue;
            event = String.join("\n", frame);
            break;
        }
        assertNotNull(event, "no event for " + id);
        assertTrue(event.startsWith("event: QuestionCompleted\ndata: "), event);
        assertFalse(event.contains("quokka") || event.contains("Zanzibar") || event.contains("Rottnest"),
                "no user text: " + event);
        JsonNode envelope = Json.MAPPER.readTree(event.substring(event.indexOf("data: ") + 6));
        assertEquals("batch-qa", envelope.get("source").asText());
        assertEquals("QuestionCompleted", envelope.get("detail-type").asText());
        JsonNode detail = envelope.get("detail");
        Set<String> fields = new TreeSet<>();
        detail.fieldNames().forEachRemaining(fields::add);
        assertTrue(DETAIL_FIELDS.containsAll(fields), fields.toString());
        if (id != null) assertEquals(id, detail.get("id").asText(), event);
        return detail;
    }

    private String submit(URI api) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("context", CONTEXT);
        body.put("question", QUESTION);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(api.resolve("/qa"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
        return Json.MAPPER.readTree(response.body()).get("id").asText();
    }

    private int delete(URI api, String id) throws Exception {
        return http.send(HttpRequest.newBuilder(api.resolve("/qa/" + id)).DELETE().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
