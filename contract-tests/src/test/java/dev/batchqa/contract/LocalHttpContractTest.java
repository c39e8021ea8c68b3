package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract end to end, over HTTP against the local runner with the fixture model: responses through the HTTP
 * front (header mapping included) and records completed by the real inference handler (answers, scores, top-k,
 * FAILED records of poison messages) must match openapi.yaml.
 */
class LocalHttpContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Added by the HTTP server, not by the function: not part of the contract. */
    private static final Set<String> TRANSPORT = Set.of("date", "content-length", "transfer-encoding", "connection");
    private static final String CONTEXT = "The capital of France is Paris. Paris is a city on the Seine; its final score was 83.1 😀.";

    private final HttpClient http = HttpClient.newHttpClient();
    private int checked;

    @Test
    void responsesOverHttpConform() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("QA_MODEL_DIR", System.getProperty("qa.fixture.dir"));
        env.put("QA_HTTP_PORT", "0");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        env.put("QA_TABLE_NAME", "qa-http-" + suffix);
        try (LocalPipeline pipeline = LocalPipeline.start(LocalConfig.builder(env)
                .batchingWindow(Duration.ofMillis(50)).queueName("qa-http-" + suffix).build())) {
            URI api = pipeline.apiUrl();
            List<String> ids = new java.util.ArrayList<>();
            for (String q : List.of("What is the capital?", "Which final score?", "Who won the race?")) {
                JsonNode body = JSON.readTree(call(api, "POST", "/qa",
                        JSON.createObjectNode().put("context", CONTEXT).put("question", q).put("topK", 3).toString(), 202));
                ids.add(body.get("id").asText());
            }
            String batch = "{\"items\":[{\"context\":\"The cat sat on the mat.\",\"question\":\"Where sat the cat?\"},{\"context\":\"x\"}]}";
            JSON.readTree(call(api, "POST", "/qa/batch", batch, 200)).get("items").forEach(i -> {
                if (i.has("id")) ids.add(i.get("id").asText());
            });
            // a poison message straight to SQS: its record ends FAILED, read through the API
            pipeline.sqs().sendMessage(r -> r.queueUrl(pipeline.queueUrl())
                    .messageBody("{\"id\":\"poison-" + suffix + "\",\"question\":\"Which?\"}"));
            ids.add("poison-" + suffix);

            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            int done = 0;
            int failed = 0;
            for (String id : ids) {
                JsonNode record;
                do {
                    record = JSON.readTree(call(api, "GET", "/qa/" + id, null, 200)); // PENDING ones are checked too
                    if (record.get("status").asText().equals("PENDING")) Thread.sleep(100);
                } while (record.get("status").asText().equals("PENDING") && Instant.now().isBefore(deadline));
                if (record.get("status").asText().equals("DONE")) done++;
                if (record.get("status").asText().equals("FAILED")) failed++;
            }
            assertEquals(4, done);
            assertEquals(1, failed);
            call(api, "GET", "/qa/unknown-" + suffix, null, 404);
            call(api, "GET", "/qa/bad%20id", null, 400);
            call(api, "PUT", "/qa/" + ids.getFirst(), null, 405);
            call(api, "DELETE", "/qa/" + ids.getFirst(), null, 204);
            call(api, "DELETE", "/qa/" + ids.getFirst(), null, 204);
            call(api, "GET", "/qa/" + ids.getFirst(), null, 404);
            call(api, "POST", "/qa", "{\"context\":\"c\",\"question\":\"q\",\"topk\":1}", 400);
            System.out.println("contract: " + checked + " HTTP responses of the local runner checked against openapi.yaml");
            assertTrue(checked >= 13, "checked " + checked); // 4 POSTs, one GET or more for each of 5 ids, 4 errors
        }
    }

    private String call(URI api, String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> headers = new HashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!TRANSPORT.contains(name.toLowerCase(Locale.ROOT))) headers.put(name, String.join(",", values));
        });
        String rawPath = URI.create(api + path).getRawPath();
        assertEquals(expected, response.statusCode(), method + " " + path + " " + response.body());
        assertEquals(List.of(), Contract.get().checkResponse(method, rawPath, response.statusCode(), headers, response.body()),
                method + " " + path + " -> " + response.body());
        checked++;
        return response.body();
    }
}
