package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The whole path, end to end: HTTP POST -> ingest handler -> DynamoDB PENDING + SQS -> poller -> inference
 * handler -> DynamoDB DONE -> HTTP GET. Each subclass runs it against one set of real SQS/DynamoDB
 * implementations. The model is the committed fixture (model/fixtures/tiny-qa), whose pointer rule answers
 * with the word that follows a question word in the context.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PipelineContract {
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();
    private LocalPipeline pipeline;

    /** The environment of the pipeline under test; the model, port and table are set here. */
    abstract Map<String, String> environment();

    static Map<String, String> baseEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("QA_MODEL_DIR", Path.of(System.getProperty("qa.fixture.dir")).toString());
        env.put("QA_HTTP_PORT", "0");
        // unique names: the same LocalStack or endpoint may serve several runs (the queue is named as the table)
        env.put("QA_TABLE_NAME", "qa-it-" + UUID.randomUUID().toString().substring(0, 8));
        return env;
    }

    /** The pipeline of {@code env} as the tests run it: batches of 10, a 5 s visibility timeout, 2 receives. */
    static LocalConfig.Builder config(Map<String, String> env) {
        return LocalConfig.builder(env).batchSize(10).batchingWindow(Duration.ofMillis(100)).visibilityTimeoutSeconds(5)
                .maxReceiveCount(2).queueName(env.get("QA_TABLE_NAME"));
    }

    LocalPipeline pipeline() throws IOException {
        if (pipeline == null) pipeline = LocalPipeline.start(config(environment()).build());
        return pipeline;
    }

    @AfterAll
    void stop() {
        if (pipeline != null) pipeline.close();
    }

    @Test
    void postedQuestionIsAnsweredFromTheContext() throws Exception {
        String context = "Café überall 東京 😀. BERT reached a score 83.1 on the final test.";
        HttpResponse<String> posted = post(Map.of("context", context, "question", "Which score?"));
        assertEquals(202, posted.statusCode(), posted.body());
        String id = Json.MAPPER.readTree(posted.body()).get("id").asText();
        assertEquals("/qa/" + id, posted.headers().firstValue("Location").orElseThrow());

        JsonNode done = awaitCompletion(id);

        assertEquals("DONE", done.get("status").asText(), done.toString());
        JsonNode answer = done.get("answer");
        assertEquals("83.1", answer.get("text").asText());
        assertEquals(context.substring(answer.get("start").asInt(), answer.get("end").asInt()), answer.get("text").asText());
        assertEquals("Which score?", done.get("question").asText());
        assertTrue(answer.get("score").asDouble() > 0 && answer.get("score").asDouble() <= 1);
        assertTrue(done.hasNonNull("completedAt"));
    }

    @Test
    void questionWithoutAnAnswerIsDoneWithNullAnswer() throws Exception {
        HttpResponse<String> posted = post(Map.of("context", "Paris is a city.", "question", "What color?"));
        JsonNode done = awaitCompletion(Json.MAPPER.readTree(posted.body()).get("id").asText());
        assertEquals("DONE", done.get("status").asText());
        assertTrue(done.get("answer").isNull(), done.toString());
    }

    @Test
    void twoHundredQuestionsAllReachDone() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            String value = Integer.toString(100 + i * 37);
            HttpResponse<String> posted = post(Map.of(
                    "context", "Report " + i + " says the final result " + value + " was used.",
                    "question", "Which result?"));
            assertEquals(202, posted.statusCode(), posted.body());
            expected.put(Json.MAPPER.readTree(posted.body()).get("id").asText(), value);
        }
        List<String> wrong = new ArrayList<>();
        for (var entry : expected.entrySet()) {
            JsonNode done = awaitCompletion(entry.getKey());
            if (!done.get("status").asText().equals("DONE")
                    || !entry.getValue().equals(done.get("answer").get("text").asText())) {
                wrong.add(entry.getKey() + " -> " + done);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void messageWrittenStraightToSqsIsAnswered() throws Exception {
        LocalPipeline p = pipeline();
        String id = "bulk-" + UUID.randomUUID();
        String body = Json.MAPPER.writeValueAsString(Map.of("version", 1, "id", id,
                "question", "Which capital?", "context", "The capital paris is nice.", "topK", 2));
        p.sqs().sendMessage(r -> r.queueUrl(p.queueUrl()).messageBody(body));

        JsonNode done = awaitCompletion(id);

        assertEquals("DONE", done.get("status").asText());
        assertEquals("paris", done.get("answer").get("text").asText());
        assertEquals("Which capital?", done.get("question").asText());
    }

    /**
     * A bulk message that reuses the id of an HTTP question still waiting in the queue, for another question, is not
     * answered under that id: the record keeps waiting for its own message, which then answers it.
     */
    @Test
    void bulkMessageReusingAPendingIdForAnotherQuestionStoresNoAnswer() throws Exception {
        LocalPipeline p = pipeline();
        String id = UUID.randomUUID().toString();
        var store = new DynamoDbRequestStore(p.dynamo(), p.config().tableName(), Duration.ofHours(24), Clock.systemUTC());
        // as POST /qa stores it; its own message is sent below, after the impostor's was consumed
        assertTrue(store.createPending(QaRecord.pending(id, "Which score?", 1, null, Instant.now())));
        String impostor = Json.MAPPER.writeValueAsString(Map.of("version", 1, "id", id,
                "question", "Which capital?", "context", "The capital paris is nice."));
        p.sqs().sendMessage(r -> r.queueUrl(p.queueUrl()).messageBody(impostor));
        awaitQueueEmpty(p);

        assertEquals(QaStatus.PENDING, store.find(id).orElseThrow().status(), "the other question's answer is refused");

        String own = Json.MAPPER.writeValueAsString(Map.of("version", 1, "id", id,
                "question", "Which score?", "context", "BERT reached a score 83.1 on the final test."));
        p.sqs().sendMessage(r -> r.queueUrl(p.queueUrl()).messageBody(own));
        JsonNode done = awaitCompletion(id);
        assertEquals("DONE", done.get("status").asText(), done.toString());
        assertEquals("83.1", done.get("answer").get("text").asText());
        assertEquals("Which score?", done.get("question").asText());
    }

    /** Until the queue holds no message, waiting or in flight (SQS's approximate counts; exact on the emulators). */
    private static void awaitQueueEmpty(LocalPipeline p) throws InterruptedException {
        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Map<QueueAttributeName, String> a = p.sqs().getQueueAttributes(r -> r.queueUrl(p.queueUrl()).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            if ("0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    && "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))) {
                return;
            }
            Thread.sleep(50);
        }
        fail("the queue did not empty within " + ANSWER_TIMEOUT);
    }

    @Test
    void bulkMessageWithoutIdIsStoredUnderItsSqsMessageId() throws Exception {
        LocalPipeline p = pipeline();
        String body = Json.MAPPER.writeValueAsString(Map.of("question", "Which capital?", "context", "The capital paris is nice."));
        String messageId = p.sqs().sendMessage(r -> r.queueUrl(p.queueUrl()).messageBody(body)).messageId();

        JsonNode done = awaitCompletion(messageId);

        assertEquals("paris", done.get("answer").get("text").asText());
    }

    @Test
    void poisonMessageIsFailedAndDoesNotBlockItsBatch() throws Exception {
        LocalPipeline p = pipeline();
        String poisonId = "poison-" + UUID.randomUUID();
        String goodId = "good-" + UUID.randomUUID();
        p.sqs().sendMessageBatch(r -> r.queueUrl(p.queueUrl()).entries(
                e -> e.id("1").messageBody("{\"id\":\"" + poisonId + "\",\"question\":\"Why?\"}"),
                e -> e.id("2").messageBody("{\"id\":\"" + goodId + "\",\"question\":\"Which capital?\",\"context\":\"The capital paris is nice.\"}")));

        JsonNode poison = awaitCompletion(poisonId);
        JsonNode good = awaitCompletion(goodId);

        assertEquals("FAILED", poison.get("status").asText());
        assertEquals("MISSING_FIELD", poison.get("error").get("code").asText());
        assertEquals("DONE", good.get("status").asText());
    }

    @Test
    void unreadableMessageReachesTheDeadLetterQueueAndReadsFailed() throws Exception {
        LocalPipeline p = pipeline();
        String messageId = p.sqs().sendMessage(r -> r.queueUrl(p.queueUrl()).messageBody("{\"question\": \"Which")).messageId();

        // retried until maxReceiveCount (2 receives, 5 s visibility), then moved and recorded by the DLQ handler
        JsonNode failed = awaitCompletion(messageId);

        assertEquals("FAILED", failed.get("status").asText());
        assertEquals("RETRIES_EXHAUSTED", failed.get("error").get("code").asText());
    }

    @Test
    void unknownIdIs404AndMalformedIdIs400() throws Exception {
        URI base = pipeline().apiUrl();
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(base.resolve("/qa/" + UUID.randomUUID())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        assertEquals("NOT_FOUND", Json.MAPPER.readTree(unknown.body()).get("error").get("code").asText());
        HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(base.resolve("/qa/no%20such!id")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, malformed.statusCode());
    }

    HttpResponse<String> post(Map<String, Object> body) throws Exception {
        return http.send(HttpRequest.newBuilder(pipeline().apiUrl().resolve("/qa"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls GET /qa/{id} as a client would, until DONE or FAILED. */
    JsonNode awaitCompletion(String id) throws Exception {
        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(pipeline().apiUrl().resolve("/qa/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                last = Json.MAPPER.readTree(response.body());
                String status = last.get("status").asText();
                if (status.equals("DONE") || status.equals("FAILED")) return last;
            }
            Thread.sleep(50);
        }
        return fail("question " + id + " not completed within " + ANSWER_TIMEOUT + "; last seen " + last);
    }
}
