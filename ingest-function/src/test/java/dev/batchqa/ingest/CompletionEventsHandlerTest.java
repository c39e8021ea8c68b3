package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.events.CompletionEvent;
import dev.batchqa.shared.message.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stream handler on a recorded DynamoDB stream event (NEW_IMAGE): DONE, FAILED (a bulk INSERT), CANCELLED. */
class CompletionEventsHandlerTest {
    private final List<CompletionEvent> published = new ArrayList<>();

    @Test
    void aRecordedStreamEventBecomesOneEventPerFinishedQuestionWithoutUserText() throws IOException {
        CompletionEventsHandler handler = new CompletionEventsHandler(events -> {
            published.addAll(events);
            return events.stream().map(e -> true).toList();
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        handler.handleRequest(recordedStream(), out, null);

        assertEquals("{\"batchItemFailures\":[]}", out.toString());
        assertEquals(List.of(
                new CompletionEvent("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102", "DONE", "2026-11-26T10:15:30.123Z",
                        "2026-11-26T10:15:30.654Z", null),
                new CompletionEvent("bulk-0007", "FAILED", "2026-11-26T10:15:31.002Z", "2026-11-26T10:15:32.410Z",
                        "TOO_MANY_WINDOWS"),
                new CompletionEvent("224eb8a7-1385-4f9d-a8b3-944ac00c6877", "CANCELLED", "2026-11-26T10:15:35Z",
                        "2026-11-26T10:15:40.500Z", null)), published);
        assertEquals("{\"id\":\"bulk-0007\",\"status\":\"FAILED\",\"createdAt\":\"2026-11-26T10:15:31.002Z\","
                + "\"completedAt\":\"2026-11-26T10:15:32.410Z\",\"errorCode\":\"TOO_MANY_WINDOWS\"}",
                published.get(1).toJson());
        for (CompletionEvent e : published) {
            String json = e.toJson();
            for (String userText : List.of("BERT", "83.1", "hidden test set", "model windows", "Fv3Q1hNjDoEEJbA=")) {
                assertFalse(json.contains(userText), json);
            }
        }
    }

    @Test
    void eventsTheBusRefusesAreReportedByTheirSequenceNumbersAndTombstonesPublishNothing() throws IOException {
        JsonNode event = Json.MAPPER.readTree(recorded());
        // a tombstone image, as a filter mistake would let through: no event, no failure
        ObjectNode tombstone = ((ObjectNode) event.get("Records").get(0)).deepCopy();
        ((ObjectNode) tombstone.get("dynamodb")).set("NewImage", Json.MAPPER.readTree(
                "{\"id\":{\"S\":\"gone-1\"},\"status\":{\"S\":\"DELETED\"},\"expiresAt\":{\"N\":\"1796984135\"}}"));
        ((ObjectNode) tombstone.get("dynamodb")).put("SequenceNumber", "111400000000012345678904");
        ((com.fasterxml.jackson.databind.node.ArrayNode) event.get("Records")).add(tombstone);
        CompletionEventsHandler handler = new CompletionEventsHandler(events -> {
            published.addAll(events);
            return events.stream().map(e -> !e.status().equals("FAILED")).toList();
        });

        assertEquals(List.of("111200000000012345678902"), handler.process(event));
        assertEquals(3, published.size());

        CompletionEventsHandler down = new CompletionEventsHandler(events -> {
            throw new IllegalStateException("EventBridge unreachable");
        });
        assertEquals(List.of("111100000000012345678901", "111200000000012345678902", "111300000000012345678903"),
                down.process(event));
    }

    @Test
    void everyFinishedImageGoesThroughTheJobHookAndAHookFailureRetriesItsRecord() throws IOException {
        JsonNode event = Json.MAPPER.readTree(recorded());
        // a job's line: its id names the job and the line
        ObjectNode line = ((ObjectNode) event.get("Records").get(1)).deepCopy();
        String jobLine = "job_0123456789abcdef0123456789abcdef_7";
        ((ObjectNode) line.get("dynamodb").get("NewImage")).set("id", Json.MAPPER.readTree("{\"S\":\"" + jobLine + "\"}"));
        ((ObjectNode) line.get("dynamodb")).put("SequenceNumber", "111500000000012345678905");
        ((com.fasterxml.jackson.databind.node.ArrayNode) event.get("Records")).add(line);
        List<String> seen = new ArrayList<>();
        CompletionEventsHandler handler = new CompletionEventsHandler(events -> events.stream().map(e -> true).toList(),
                record -> seen.add(record.id() + " " + record.status() + " "
                        + (record.error() == null ? "-" : record.error().code())));

        assertEquals(List.of(), handler.process(event));
        assertEquals(jobLine + " FAILED TOO_MANY_WINDOWS", seen.getLast());
        assertEquals(4, seen.size(), "every finished record is offered (the hook tells job lines apart)");

        CompletionEventsHandler failing = new CompletionEventsHandler(events -> events.stream().map(e -> true).toList(),
                record -> {
                    if (record.id().equals(jobLine)) throw new IllegalStateException("job table unreachable");
                });
        assertEquals(List.of("111500000000012345678905"), failing.process(event), "retried, as a refused publish");
    }

    @Test
    void putEventsIsCalledWithAtMostTenEntries() {
        List<Integer> calls = new ArrayList<>();
        CompletionEventsHandler handler = new CompletionEventsHandler(events -> {
            calls.add(events.size());
            return events.stream().map(e -> true).toList();
        });
        ObjectNode event = Json.MAPPER.createObjectNode();
        var records = event.putArray("Records");
        for (int i = 0; i < 23; i++) {
            ObjectNode dynamodb = records.addObject().putObject("dynamodb");
            dynamodb.put("SequenceNumber", Integer.toString(1000 + i));
            ObjectNode image = dynamodb.putObject("NewImage");
            image.putObject("id").put("S", "q-" + i);
            image.putObject("status").put("S", "DONE");
        }
        assertEquals(List.of(), handler.process(event));
        assertEquals(List.of(10, 10, 3), calls);
    }

    private static byte[] recorded() throws IOException {
        try (InputStream in = CompletionEventsHandlerTest.class.getResourceAsStream("/events/dynamodb-stream/completions.json")) {
            return in.readAllBytes();
        }
    }

    private static InputStream recordedStream() throws IOException {
        return new ByteArrayInputStream(recorded());
    }
}
