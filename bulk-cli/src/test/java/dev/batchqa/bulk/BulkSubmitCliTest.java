package dev.batchqa.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** The command line end to end: a file, ElasticMQ, a stand-in worker that answers into a fake table, --out. */
class BulkSubmitCliTest {
    static ElasticMq mq;

    @BeforeAll
    static void start() {
        mq = new ElasticMq();
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void sendsTheFileWaitsForTheAnswersAndWritesThemInInputOrder() throws Exception {
        String queue = mq.newQueue();
        FakeTable table = new FakeTable("answers");
        Path input = dir.resolve("questions.jsonl");
        Files.writeString(input, """
                {"id": "q1", "question": "Which score?", "context": "The score 83.1 was reported."}
                {"id": "q2", "question": "", "context": "The score 83.1 was reported."}
                {"question": "Which capital?", "context": "The capital paris is nice.", "topK": 2}
                {"id": "q3", "question": "Which town?", "context": "The capital paris is nice."}
                """);
        Path answers = dir.resolve("answers.jsonl");
        AtomicBoolean running = new AtomicBoolean(true);
        Thread worker = Thread.ofPlatform().daemon().start(() -> { // answers "paris"/"83.1" as the model would
            while (running.get()) {
                for (Message m : mq.sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    try {
                        JsonNode body = Json.MAPPER.readTree(m.body());
                        String q = body.get("question").asText();
                        table.done(body.get("id").asText(), q,
                                q.contains("score") ? "83.1" : q.contains("capital") ? "paris" : null);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }
        });
        try {
            int status = run(Map.of("QA_QUEUE_URL", queue, "QA_TABLE_NAME", "answers"), table,
                    input.toString(), "--out", answers.toString(), "--timeout", "20s", "--poll-interval", "50ms",
                    "--progress", "lines");

            assertEquals(1, status, "one invalid line: " + err);
        } finally {
            running.set(false);
            worker.join();
        }
        String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("invalid: line 2: EMPTY_FIELD: 'question' must not be empty or blank"), log);
        assertTrue(log.contains("sent 3 / invalid 1 / failed 0"), log);
        assertTrue(log.contains("all answered"), log);
        List<String> lines = Files.readAllLines(answers);
        assertEquals(3, lines.size());
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertEquals("q1", first.get("id").asText());
        assertEquals("DONE", first.get("status").asText());
        assertEquals("Which score?", first.get("question").asText());
        assertEquals("83.1", first.get("answer").get("text").asText());
        assertEquals(1, first.get("answers").size());
        assertTrue(first.get("error").isNull());
        JsonNode second = Json.MAPPER.readTree(lines.get(1));
        assertTrue(second.get("id").asText().matches("[0-9a-f-]{36}"), "a generated id: " + second);
        assertEquals("paris", second.get("answer").get("text").asText());
        JsonNode third = Json.MAPPER.readTree(lines.get(2));
        assertEquals("q3", third.get("id").asText());
        assertTrue(third.get("answer").isNull());
        assertEquals(0, third.get("answers").size());
    }

    @Test
    void limitSendsOnlyTheFirstItemsOfTheFile() throws Exception {
        String queue = mq.newQueue();
        Path input = cleanSquadFile();

        int status = run(Map.of(), new FakeTable("t"), "--queue-url", queue, "--limit", "2", "--progress=none", input.toString());

        assertEquals(0, status, err.toString());
        assertTrue(err.toString().contains("sent 2 / invalid 0 / failed 0"), err.toString());
        assertEquals(2, mq.drain(queue, 2).size());
    }

    @Test
    void aCleanFileWithoutWaitExitsZero() throws Exception {
        String queue = mq.newQueue();
        Path input = cleanSquadFile();

        int status = run(Map.of(), new FakeTable("t"), "--queue-url", queue, "--top-k", "3", "--progress=none", input.toString());

        assertEquals(0, status, err.toString());
        assertTrue(err.toString().contains("sent 4 / invalid 0 / failed 0"), err.toString());
        List<Message> received = mq.drain(queue, 4);
        assertEquals(4, received.size());
        assertEquals(3, Json.MAPPER.readTree(received.get(0).body()).get("topK").asInt());
    }

    /** The SQuAD v2.0 sample without its invalid items: four valid questions. */
    private Path cleanSquadFile() throws Exception {
        Path input = dir.resolve("dev.json");
        Files.writeString(input, InputFilesTest.SQUAD_V2.replace("{\"question\": \"Which town?\", \"answers\": []},", "")
                .replace("\"bad id!\"", "\"fine-id\""));
        return input;
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path input = dir.resolve("q.jsonl");
        Files.writeString(input, "{}\n");
        assertEquals(2, run(Map.of(), new FakeTable("t"), input.toString()));
        assertTrue(err.toString().contains("no queue"), err.toString());
        assertEquals(2, run(Map.of("QA_QUEUE_URL", "http://x"), new FakeTable("t"), "--bogus", "1", input.toString()));
        assertEquals(2, run(Map.of("QA_QUEUE_URL", "http://x"), new FakeTable("t"), dir.resolve("missing.jsonl").toString()));
        assertEquals(2, run(Map.of("QA_QUEUE_URL", "http://x"), new FakeTable("t"), "--timeout", "soon", input.toString()));
        assertEquals(0, run(Map.of(), new FakeTable("t"), "--help"));
        assertTrue(out.toString().startsWith("Usage: bulk-submit"), out.toString());
        assertTrue(out.toString().contains("Exit codes:"), out.toString());
        assertEquals(Duration.ofMinutes(10), BulkSubmit.duration("t", "10m"));
        assertEquals(Duration.ofSeconds(90), BulkSubmit.duration("t", "90"));
        assertEquals(Duration.ofHours(1), BulkSubmit.duration("t", "PT1H"));
    }

    @Test
    void aDryRunNeedsNoQueueAndSendsNothing() throws Exception {
        Path input = dir.resolve("q.jsonl");
        Files.writeString(input, "{\"question\": \"q\", \"context\": \"c\"}\n{\"question\": \"q\"}\n");
        assertEquals(1, run(Map.of(), new FakeTable("t"), "--dry-run", "--progress", "none", input.toString()));
        String log = err.toString();
        assertTrue(log.contains("invalid: line 2: MISSING_FIELD: 'context' is required"), log);
        assertTrue(log.contains("valid 1 / invalid 1"), log);
    }

    private int run(Map<String, String> env, DynamoDbClient dynamo, String... args) {
        return BulkSubmit.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new BulkSubmit.Clients() {
                    @Override
                    public SqsClient sqs() {
                        return new ProxySqs(mq.sqs, (request, sqs) -> sqs.sendMessageBatch(request));
                    }

                    @Override
                    public DynamoDbClient dynamo() {
                        return dynamo;
                    }
                });
    }
}
