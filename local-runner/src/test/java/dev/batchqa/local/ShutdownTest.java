package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.message.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SIGTERM stops a worker promptly, even in the middle of a batch that would hold it for a minute. */
class ShutdownTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private LocalPipeline api;
    private Process worker;

    @AfterEach
    void stop() {
        if (worker != null) worker.destroyForcibly();
        if (api != null) api.close();
    }

    @Test
    void sigtermStopsAWorkerBusyWithABatchWithinSeconds() throws Exception {
        Map<String, String> env = PipelineContract.baseEnvironment();
        api = LocalPipeline.start(PipelineContract.config(env).role(LocalConfig.Role.API).build());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String body = Json.MAPPER.writeValueAsString(Map.of(
                    "context", "Item " + i + " has the final result " + (100 + i) + " today.", "question", "Which result?"));
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(api.apiUrl().resolve("/qa"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, posted.statusCode(), posted.body());
            ids.add(Json.MAPPER.readTree(posted.body()).get("id").asText());
        }

        Path log = Path.of("target", "shutdown-worker.log");
        Files.createDirectories(log.getParent());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.batchqa.local.Main",
                // the invocation holds its batch for a minute after answering: a shutdown must not wait for it
                "--role", "worker", "--ack-delay-ms", "60000").redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().putAll(Map.of("QA_QUEUE_URL", api.queueUrl(),
                "AWS_ENDPOINT_URL_SQS", api.sqsEndpoint().toString(),
                "AWS_ENDPOINT_URL_DYNAMODB", api.dynamoEndpoint().toString(),
                "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local", "AWS_REGION", api.config().region()));
        worker = builder.start();

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        boolean answered = false;
        while (!answered && System.nanoTime() < deadline) {
            for (String id : ids) {
                HttpResponse<String> got = http.send(HttpRequest.newBuilder(api.apiUrl().resolve("/qa/" + id)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (got.body().contains("\"DONE\"")) answered = true;
            }
            Thread.sleep(50);
        }
        assertTrue(answered, "the worker answered within 60 s; see " + log);

        long sent = System.nanoTime();
        worker.destroy(); // SIGTERM
        boolean exited = worker.waitFor(15, TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - sent) / 1_000_000;

        assertTrue(exited, "the worker did not stop within 15 s of SIGTERM; see " + log);
        assertTrue(tookMillis < 12_000, "stopped in " + tookMillis + " ms");
    }
}
