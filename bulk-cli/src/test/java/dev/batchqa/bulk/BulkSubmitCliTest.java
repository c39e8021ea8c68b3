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
        try (Worker ignored = new Worker(queue, table, true)) { // answers "paris"/"83.1" as the model would
            int status = run(Map.of("QA_QUEUE_URL", queue, "QA_TABLE_NAME", "answers"), table,
                    input.toString(), "--out", answers.toString(), "--timeout", "20s", "--poll-interval", "50ms",
                    "--progress", "lines");

            assertEquals(1, status, "one invalid line: " + err);
        }
        String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("invalid: line 2: EMPTY_FIELD: 'question' must not be empty or blank"), log);
        assertTrue(log.contains("sent 3 questions in 3 messages / invalid 1 / failed 0 in"), log);
        assertTrue(log.contains("all answered"), log);
        List<String> lines = Files.readAllLines(answers);
        assertEquals(4, lines.size(), "one line per input question, the invalid one included");
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertEquals(List.of("where", "custom_id", "id", "status", "question", "answer", "answers", "noAnswerScore",
                "model", "error"), fieldNames(first));
        assertEquals("q1", first.get("id").asText());
        assertEquals("q1", first.get("custom_id").asText());
        assertEquals("line 1", first.get("where").asText());
        assertEquals("DONE", first.get("status").asText());
        assertEquals("Which score?", first.get("question").asText());
        assertEquals("83.1", first.get("answer").get("text").asText());
        assertEquals(1, first.get("answers").size());
        assertEquals(0.125, first.get("noAnswerScore").asDouble());
        assertEquals("fixture", first.get("model").get("name").asText());
        assertTrue(first.get("error").isNull());
        JsonNode invalid = Json.MAPPER.readTree(lines.get(1));
        assertEquals("INVALID", invalid.get("status").asText());
        assertEquals("q2", invalid.get("id").asText());
        assertEquals("line 2", invalid.get("where").asText());
        assertEquals("EMPTY_FIELD", invalid.get("error").get("code").asText());
        JsonNode second = Json.MAPPER.readTree(lines.get(2));
        assertTrue(second.get("id").asText().matches("[0-9a-f-]{36}"), "a generated id: " + second);
        assertTrue(second.get("custom_id").isNull());
        assertEquals("paris", second.get("answer").get("text").asText());
        JsonNode third = Json.MAPPER.readTree(lines.get(3));
        assertEquals("q3", third.get("id").asText());
        assertTrue(third.get("answer").isNull());
        assertEquals(0, third.get("answers").size());
        // the ids file was written before sending, next to --out
        RunFile.Run run = RunFile.read(Path.of(answers + ".ids.jsonl"));
        assertEquals(List.of("q1", "q2", second.get("id").asText(), "q3"),
                run.lines().stream().map(RunFile.Line::id).toList());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Answers the queue's messages (schema v1 and v2) into the table as the inference side does: a completion of an
     * id that already has a record is refused (the store's condition), so the old record stays.
     */
    private static final class Worker implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicBoolean answering;
        final Thread thread;

        Worker(String queue, FakeTable table, boolean answerNow) {
            answering = new AtomicBoolean(answerNow);
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    if (!answering.get()) {
                        sleep(20);
                        continue;
                    }
                    for (Message m : mq.sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10)
                            .waitTimeSeconds(1)).messages()) {
                        try {
                            JsonNode body = Json.MAPPER.readTree(m.body());
                            int topK = body.path("topK").asInt(1);
                            JsonNode questions = body.has("questions") ? body.get("questions")
                                    : Json.MAPPER.createArrayNode().add(body);
                            for (JsonNode q : questions) {
                                String id = q.get("id").asText();
                                String text = q.get("question").asText();
                                if (!table.items.containsKey(id)) {
                                    table.done(id, text, text.contains("score") ? "83.1" : text.contains("capital")
                                            ? "paris" : null, topK, java.time.Instant.now());
                                }
                            }
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aReusedIdIsReportedAsAConflictOnItsLineNeverAsTheOldAnswer() throws Exception {
        String queue = mq.newQueue();
        FakeTable table = new FakeTable("answers");
        java.time.Instant anHourAgo = java.time.Instant.now().minus(Duration.ofHours(1));
        table.done("q-other", "Which old question?", "old answer", 1, java.time.Instant.now());
        table.done("q-earlier", "Which score?", "stale 83.1", 1, anHourAgo);
        table.done("q-top1", "Which score?", "83.1", 1, java.time.Instant.now());
        Path input = dir.resolve("reused.jsonl");
        Files.writeString(input, """
                {"id": "q-other", "question": "Which score?", "context": "The score 83.1 was reported."}
                {"id": "q-earlier", "question": "Which score?", "context": "Another text: the score 91.0."}
                {"id": "q-top1", "question": "Which score?", "context": "The score 83.1 was reported.", "topK": 3}
                {"id": "q-new", "question": "Which score?", "context": "The score 83.1 was reported."}
                """);
        Path answers = dir.resolve("reused.out.jsonl");
        int status;
        try (Worker ignored = new Worker(queue, table, true)) {
            status = run(Map.of("QA_QUEUE_URL", queue, "QA_TABLE_NAME", "answers"), table, input.toString(),
                    "--out", answers.toString(), "--timeout", "20s", "--poll-interval", "50ms", "--progress", "lines");
        }
        assertEquals(1, status, "conflicts are not a clean run: " + err);
        List<JsonNode> lines = readLines(answers);
        assertEquals(List.of("CONFLICT", "CONFLICT", "CONFLICT", "DONE"),
                lines.stream().map(l -> l.get("status").asText()).toList(), lines.toString());
        for (JsonNode conflict : lines.subList(0, 3)) {
            assertEquals("ID_CONFLICT", conflict.get("error").get("code").asText());
            assertTrue(conflict.get("answer").isNull(), "never the old record's answer: " + conflict);
            assertEquals(0, conflict.get("answers").size());
            assertEquals("Which score?", conflict.get("question").asText(), "the line's own question");
        }
        assertTrue(lines.get(0).get("error").get("message").asText().contains("different question"), lines.get(0).toString());
        assertTrue(lines.get(1).get("error").get("message").asText().contains("before this run started"), lines.get(1).toString());
        assertTrue(lines.get(2).get("error").get("message").asText().contains("topK 1"), lines.get(2).toString());
        assertEquals("83.1", lines.get(3).get("answer").get("text").asText());
        assertTrue(err.toString().contains("3 id conflicts") || err.toString().contains("CONFLICT=3"), err.toString());
    }

    @Test
    void squadRerunsGetFreshIdsSoAnotherTopKNeverCollectsTheFirstRunsRecords() throws Exception {
        String queue = mq.newQueue();
        FakeTable table = new FakeTable("answers");
        Path input = cleanSquadFile();
        List<List<JsonNode>> runs = new java.util.ArrayList<>();
        try (Worker ignored = new Worker(queue, table, true)) {
            for (String topK : List.of("1", "3")) {
                Path answers = dir.resolve("squad-top" + topK + ".jsonl");
                int status = run(Map.of("QA_QUEUE_URL", queue, "QA_TABLE_NAME", "answers"), table, input.toString(),
                        "--top-k", topK, "--out", answers.toString(), "--timeout", "20s", "--poll-interval", "50ms",
                        "--progress", "none");
                assertEquals(0, status, err.toString());
                runs.add(readLines(answers));
            }
        }
        List<String> squadIds = List.of("56be4db0acb8001400a502ec", "5ad39d53604f3c001a3fe8d1",
                "56be4db0acb8001400a502ed", "fine-id");
        for (List<JsonNode> lines : runs) {
            assertEquals(squadIds, lines.stream().map(l -> l.get("custom_id").asText()).toList());
            assertTrue(lines.stream().allMatch(l -> l.get("status").asText().equals("DONE")), lines.toString());
        }
        for (int i = 0; i < 4; i++) {
            String first = runs.get(0).get(i).get("id").asText();
            String second = runs.get(1).get(i).get("id").asText();
            assertTrue(first.matches("[0-9a-f-]{36}") && second.matches("[0-9a-f-]{36}"), first + " " + second);
            assertTrue(!first.equals(second), "a fresh id per run: " + first);
            assertEquals(3, table.items.get(second).get("topK").n().equals("3") ? 3 : -1, "the re-run's record asks topK 3");
        }
    }

    @Test
    void aRunStoppedDuringTheWaitKeepsWhatArrivedAndResumeCollectsTheRest() throws Exception {
        String queue = mq.newQueue();
        FakeTable table = new FakeTable("answers");
        Path input = dir.resolve("two.jsonl");
        Files.writeString(input, """
                {"id": "r1", "question": "Which score?", "context": "The score 83.1 was reported."}
                {"id": "r2", "question": "Which capital?", "context": "The capital paris is nice."}
                """);
        Path answers = dir.resolve("two.out.jsonl");
        Path ids = dir.resolve("two.ids.jsonl");
        AtomicBoolean cliDone = new AtomicBoolean();
        int[] status = new int[1];
        Thread cli = Thread.ofPlatform().start(() -> {
            status[0] = run(Map.of("QA_QUEUE_URL", queue, "QA_TABLE_NAME", "answers"), table, input.toString(),
                    "--out", answers.toString(), "--ids", ids.toString(), "--timeout", "60s", "--poll-interval", "50ms",
                    "--progress", "none");
            cliDone.set(true);
        });
        // r1 is answered while the CLI waits; r2 is not (the worker is stopped first)
        List<Message> sent = mq.drain(queue, 2);
        assertEquals(2, sent.size());
        assertEquals(List.of("r1", "r2"), RunFile.read(ids).lines().stream().map(RunFile.Line::id).toList(),
                "the ids are on disk while the run waits");
        table.done("r1", "Which score?", "83.1");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!(Files.exists(answers) && Files.readString(answers).contains("\"r1\"")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.readString(answers).contains("83.1"), "r1's answer is in --out while the run still waits");
        assertTrue(!cliDone.get(), "still waiting for r2");
        cli.interrupt(); // stopped mid-wait
        cli.join(10_000);
        assertTrue(cliDone.get());
        assertTrue(status[0] != 0, err.toString());
        List<JsonNode> partial = readLines(answers);
        assertEquals("DONE", partial.stream().filter(l -> l.get("id").asText().equals("r1")).findFirst().orElseThrow()
                .get("status").asText());

        table.done("r2", "Which capital?", "paris");
        Path collected = dir.resolve("two.collected.jsonl");
        out.reset();
        err.reset();
        int resumed = run(Map.of("QA_TABLE_NAME", "answers"), table, "--resume", ids.toString(), "--out",
                collected.toString(), "--timeout", "10s", "--poll-interval", "50ms", "--progress", "none");
        assertEquals(0, resumed, err.toString());
        List<JsonNode> lines = readLines(collected);
        assertEquals(List.of("r1", "r2"), lines.stream().map(l -> l.get("id").asText()).toList());
        assertEquals(List.of("83.1", "paris"), lines.stream().map(l -> l.get("answer").get("text").asText()).toList());
    }

    @Test
    void limitCountsQuestionsAlsoPerParagraph() throws Exception {
        String queue = mq.newQueue();
        Path input = cleanSquadFile(); // paragraphs of 2, 1 and 1 questions

        int status = run(Map.of(), new FakeTable("t"), "--queue-url", queue, "--per-paragraph", "--limit", "3",
                "--progress=none", input.toString());

        assertEquals(0, status, err.toString());
        int questions = 0;
        for (Message m : mq.drain(queue, 3)) {
            JsonNode body = Json.MAPPER.readTree(m.body());
            questions += body.has("questions") ? body.get("questions").size() : 1;
        }
        assertEquals(3, questions, "--limit counts questions, not paragraphs");
        assertTrue(err.toString().contains("sent 3 questions in 2 messages"), err.toString());

        String cut = mq.newQueue();
        assertEquals(0, run(Map.of(), new FakeTable("t"), "--queue-url", cut, "--per-paragraph", "--limit", "1",
                "--progress=none", input.toString()), err.toString());
        List<Message> one = mq.drain(cut, 1);
        assertEquals(1, one.size());
        JsonNode body = Json.MAPPER.readTree(one.get(0).body()); // one question: sent as schema v1
        assertEquals("Which capital?", body.has("questions") ? body.get("questions").get(0).get("question").asText()
                : body.get("question").asText(), "the first paragraph, cut to its first question");
    }

    @Test
    void sendsToTheBulkLaneByDefaultAndToTheSingleQueueWithoutOne() throws Exception {
        String interactive = mq.newQueue();
        String bulk = mq.newQueue();
        Path input = cleanSquadFile();
        assertEquals(0, run(Map.of("QA_QUEUE_URL", interactive, "QA_BULK_QUEUE_URL", bulk), new FakeTable("t"),
                "--progress=none", input.toString()), err.toString());
        assertTrue(err.toString().contains("(the bulk lane)"), err.toString());
        assertEquals(4, mq.drain(bulk, 4).size());
        assertEquals(0, mq.drain(interactive, 0).size());

        assertEquals(0, run(Map.of("QA_QUEUE_URL", interactive), new FakeTable("t"), "--progress=none",
                input.toString()), err.toString());
        assertEquals(4, mq.drain(interactive, 4).size());
    }

    @Test
    void progressLinesShowDoneOfTotalRateAndEta() {
        assertEquals("2m27s", Progress.eta(147, 1.0));
        assertEquals("1h05m", Progress.eta(3900, 1.0));
        assertEquals("-", Progress.eta(10, 0));
        assertEquals("0s", Progress.eta(0, 0));
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        try (Progress ignored = new Progress(new PrintStream(lines, true, StandardCharsets.UTF_8), Progress.Mode.LINES,
                "answered", "answers", 100, done::get, null, Duration.ofMillis(100))) {
            for (int i = 0; i < 8; i++) {
                done.addAndGet(5);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
        String text = lines.toString(StandardCharsets.UTF_8);
        assertTrue(text.lines().anyMatch(l -> l.matches("answered \\d+/100 \\(\\d+%\\)  [\\d,]+ answers/s  ETA (\\d+s|-)")),
                text);
    }

    private static List<JsonNode> readLines(Path file) throws java.io.IOException {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(file)) lines.add(Json.MAPPER.readTree(line));
        return lines;
    }

    @Test
    void limitSendsOnlyTheFirstItemsOfTheFile() throws Exception {
        String queue = mq.newQueue();
        Path input = cleanSquadFile();

        int status = run(Map.of(), new FakeTable("t"), "--queue-url", queue, "--limit", "2", "--progress=none", input.toString());

        assertEquals(0, status, err.toString());
        assertTrue(err.toString().contains("sent 2 questions in 2 messages / invalid 0 / failed 0 in"), err.toString());
        assertEquals(2, mq.drain(queue, 2).size());
    }

    @Test
    void aCleanFileWithoutWaitExitsZero() throws Exception {
        String queue = mq.newQueue();
        Path input = cleanSquadFile();

        int status = run(Map.of(), new FakeTable("t"), "--queue-url", queue, "--top-k", "3", "--progress=none", input.toString());

        assertEquals(0, status, err.toString());
        assertTrue(err.toString().contains("sent 4 questions in 4 messages / invalid 0 / failed 0 in"), err.toString());
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
        assertTrue(log.contains("valid 1 questions in 1 messages / invalid 1"), log);
    }

    private int run(Map<String, String> env, DynamoDbClient dynamo, String... given) {
        List<String> all = new java.util.ArrayList<>(List.of(given));
        // the ids file goes to the test's directory, not the working directory (a run without --out names its own)
        if (!all.contains("--ids") && !all.contains("--out") && !all.contains("--resume") && !all.contains("--help")) {
            all.addAll(0, List.of("--ids", dir.resolve("run-" + java.util.UUID.randomUUID() + ".ids.jsonl").toString()));
        }
        String[] args = all.toArray(String[]::new);
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
