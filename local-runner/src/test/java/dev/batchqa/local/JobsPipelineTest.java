package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.batchqa.ingest.BacklogGate;
import dev.batchqa.ingest.IngestApi;
import dev.batchqa.ingest.IngestMetrics;
import dev.batchqa.ingest.JobRoutes;
import dev.batchqa.ingest.jobs.JobLines;
import dev.batchqa.shared.store.DynamoDbIdempotencyStore;
import dev.batchqa.ingest.jobs.JobProgress;
import dev.batchqa.ingest.jobs.JobWorker;
import dev.batchqa.ingest.jobs.LineOutcome;
import dev.batchqa.shared.aws.SqsRequestQueue;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.bulk.BulkJobs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Bulk jobs through the whole local pipeline (ElasticMQ, dynalite, S3Proxy, the fixture model), over HTTP. The
 * later tests stop the inference side and play it themselves through the pipeline's store (as BatchProcessor
 * writes), so that a job is caught half answered when it is cancelled or expires, and so that one line's completion
 * arrives many times at once, as concurrent deliveries of one message and retried stream batches bring it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobsPipelineTest {
    private static final String CONTEXT = "The quokka Zanzibar-7 lives on Rottnest Island and eats leaves at night.";
    private static final String CONTEXT_2 = "Ada Lovelace wrote the first published algorithm in 1843.";

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    private LocalPipeline pipeline;
    private URI api;
    private BlockingQueue<String> events;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> env = PipelineContract.baseEnvironment();
        env.put("QA_JOB_TABLE_NAME", "qa-jobs-" + env.get("QA_TABLE_NAME"));
        pipeline = LocalPipeline.start(PipelineContract.config(env).build());
        api = pipeline.apiUrl();
        events = pipeline.events().subscribe();
    }

    @AfterAll
    void stop() {
        if (pipeline != null) pipeline.close();
    }

    @Test
    @Order(1)
    void aJobIsAnsweredWithCountsThatMoveAndResultsInInputOrder() throws Exception {
        StringBuilder lines = new StringBuilder();
        String[] questions = {"Where does the quokka live?", "What does the quokka eat?", "When does it eat?"};
        int n = 12;
        for (int i = 1; i <= n; i++) {
            lines.append(line("c-" + i, i % 2 == 0 ? CONTEXT_2 : CONTEXT, questions[i % 3])).append('\n');
        }
        HttpResponse<String> submitted = post("/jobs?completionWindow=1h&metadata="
                + URLEncoder.encode("{\"project\":\"it\"}", StandardCharsets.UTF_8), lines.toString(),
                "application/x-ndjson");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String id = Json.MAPPER.readTree(submitted.body()).get("id").asText();
        assertTrue(JobLines.isJobId(id), id);
        assertEquals("/jobs/" + id, submitted.headers().firstValue("Location").orElse(null));

        // counts move while the job runs, and never exceed the total
        List<Integer> seen = new ArrayList<>();
        JsonNode job = awaitJob(id, j -> {
            seen.add(j.get("counts").get("done").asInt());
            assertTrue(j.get("counts").get("done").asInt() <= n, j.toString());
            return j.get("status").asText().equals("completed");
        });
        JsonNode counts = job.get("counts");
        assertEquals(n, counts.get("total").asInt());
        assertEquals(n, counts.get("done").asInt(), "every line counted exactly once: " + counts);
        assertEquals(0, counts.get("failed").asInt() + counts.get("pending").asInt(), counts.toString());
        assertEquals("it", job.get("metadata").get("project").asText());
        assertNotNull(job.get("completedAt").asText(null));
        assertEquals("/jobs/" + id + "/results", job.get("results").asText());

        List<JsonNode> results = results(id);
        assertEquals(n, results.size());
        for (int i = 0; i < n; i++) {
            JsonNode r = results.get(i);
            assertEquals("c-" + (i + 1), r.get("custom_id").asText(), "ordered by input line");
            assertEquals(i + 1, r.get("line").asInt());
            assertEquals(JobLines.questionId(id, i + 1), r.get("id").asText());
            assertEquals("DONE", r.get("status").asText());
            JsonNode answer = r.get("answer");
            String context = (i + 1) % 2 == 0 ? CONTEXT_2 : CONTEXT;
            if (!answer.isNull()) {
                assertEquals(context.substring(answer.get("start").asInt(), answer.get("end").asInt()),
                        answer.get("text").asText(), "an answer is cut from its own line's context");
            }
            assertTrue(r.has("noAnswerScore") && r.has("error") && r.has("answers"), r.toString());
        }
        JsonNode event = jobEvent(id);
        assertEquals("JobCompleted", event.get("detail-type").asText());
        assertEquals(n, event.get("detail").get("counts").get("done").asInt());
    }

    @Test
    @Order(2)
    void theCliSubmitsASquadFileAsAJobFollowsItAndScoresItsResults(@TempDir Path dir) throws Exception {
        Path squad = dir.resolve("squad.json");
        Files.writeString(squad, "{\"version\": \"v2.0\", \"data\": [{\"title\": \"Quokka\", \"paragraphs\": [{\"context\": "
                + Json.MAPPER.writeValueAsString(CONTEXT) + ", \"qas\": ["
                + "{\"id\": \"sq-1\", \"question\": \"Where does the quokka live?\", \"is_impossible\": false, "
                + "\"answers\": [{\"text\": \"Rottnest Island\", \"answer_start\": 37}]},"
                + "{\"id\": \"sq-2\", \"question\": \"What does it eat?\", \"is_impossible\": false, "
                + "\"answers\": [{\"text\": \"leaves\", \"answer_start\": 58}]},"
                + "{\"id\": \"sq-3\", \"question\": \"Who owns the island?\", \"is_impossible\": true, \"answers\": []}"
                + "]}]}]}");
        Path results = dir.resolve("results.jsonl");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BulkJobs.run(new String[] {"--job", squad.toString(), "--api", api.toString(), "--out",
                results.toString(), "--progress-interval", "1", "--limit", "2"}, Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String log = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, log);
        String id = out.toString(StandardCharsets.UTF_8).trim();
        assertTrue(JobLines.isJobId(id), "the job id on stdout first: " + id);
        assertTrue(log.contains("lines/s") && log.contains("ETA") && log.contains("/2"), log);
        assertTrue(log.contains("lost = 0"), log);
        List<String> lines = Files.readAllLines(results);
        assertEquals(2, lines.size(), "--limit counts questions, not paragraphs");
        assertEquals("sq-1", Json.MAPPER.readTree(lines.get(0)).get("custom_id").asText());

        ByteArrayOutputStream scoreErr = new ByteArrayOutputStream();
        int scored = BulkJobs.run(new String[] {"--score", results.toString(), "--squad", squad.toString()}, Map.of(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(scoreErr, true, StandardCharsets.UTF_8));
        String score = scoreErr.toString(StandardCharsets.UTF_8);
        assertTrue(score.matches("(?s)EM [0-9.]+  F1 [0-9.]+  over 2 questions \\(1 of the SQuAD file have no result line\\).*"),
                score);
        assertEquals(1, scored, "a question without a result line makes the score incomplete");
    }

    @Test
    @Order(2)
    void aBadThirdLineFailsTheJobWithItsLineNumberAndNothingIsQueued() throws Exception {
        String body = line("a", CONTEXT, "Where?") + "\n" + line("b", CONTEXT, "What?") + "\n"
                + "{\"custom_id\": \"c\", \"context\": \"" + CONTEXT + "\"}\n"
                + "not json\n" + line("a", CONTEXT, "Again?") + "\n";
        HttpResponse<String> submitted = post("/jobs", body, "application/x-ndjson");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String id = Json.MAPPER.readTree(submitted.body()).get("id").asText();
        JsonNode job = awaitJob(id, j -> j.get("status").asText().equals("failed"));
        assertEquals(3, job.get("errorCount").asInt(), job.toString());
        JsonNode errors = job.get("errors");
        assertEquals(3, errors.get(0).get("line").asInt());
        assertEquals("MISSING_FIELD", errors.get(0).get("code").asText());
        assertTrue(errors.get(0).get("message").asText().contains("question"), errors.toString());
        assertEquals(4, errors.get(1).get("line").asInt());
        assertEquals("MALFORMED_JSON", errors.get(1).get("code").asText());
        assertEquals(5, errors.get(2).get("line").asInt());
        assertEquals("DUPLICATE_CUSTOM_ID", errors.get(2).get("code").asText());
        assertTrue(errors.get(2).get("message").asText().contains("line 1"), errors.toString());
        assertEquals(5, job.get("counts").get("total").asInt());
        assertTrue(job.get("results").isNull());
        // nothing of it was stored or queued
        assertTrue(pipeline.store().findAll(List.of(JobLines.questionId(id, 1), JobLines.questionId(id, 2))).isEmpty());
        assertEquals(409, get("/jobs/" + id + "/results").statusCode());
        assertEquals("JobFailed", jobEvent(id).get("detail-type").asText());
    }

    @Test
    @Order(3)
    void malformedRequestsAreRefusedWithTheProblemNamed() throws Exception {
        assertError(post("/jobs", "", "application/x-ndjson"), 400, "EMPTY_BODY");
        assertError(post("/jobs", line("a", CONTEXT, "Q?"), "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertError(post("/jobs?completionWindow=5y", line("a", CONTEXT, "Q?"), "application/x-ndjson"), 400,
                "INVALID_COMPLETION_WINDOW");
        assertError(post("/jobs?metadata=%5B1%5D", line("a", CONTEXT, "Q?"), "application/x-ndjson"), 400,
                "INVALID_METADATA");
        assertError(post("/jobs?colour=red", line("a", CONTEXT, "Q?"), "application/x-ndjson"), 400,
                "UNKNOWN_PARAMETER");
        assertError(post("/jobs", "\n".repeat(JobLines.MAX_LINES + 1), "application/x-ndjson"), 413, "TOO_MANY_LINES");
        assertError(post("/jobs", "{\"input\": \"s3://someone-elses-bucket/x.jsonl\"}", "application/json"), 400,
                "INVALID_INPUT");
        assertError(post("/jobs", "{\"input\": \"s3://" + pipeline.jobFiles().bucket() + "/uploads/x.jsonl\"}",
                "application/json"), 404, "INPUT_NOT_FOUND");
        assertError(get("/jobs/job_00000000000000000000000000000000"), 404, "NOT_FOUND");
        assertError(get("/jobs?limit=0"), 400, "INVALID_LIMIT");
        assertError(get("/jobs?cursor=bm9wZQ"), 400, "INVALID_CURSOR");
    }

    @Test
    @Order(4)
    void anUploadedInputRunsAsAJob() throws Exception {
        HttpResponse<String> created = post("/jobs/uploads", "", "application/json");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode upload = Json.MAPPER.readTree(created.body());
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload.get("uploadUrl").asText()))
                .PUT(HttpRequest.BodyPublishers.ofString(line("u-1", CONTEXT, "Where does the quokka live?") + "\n"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        HttpResponse<String> submitted = post("/jobs", "{\"input\": \"" + upload.get("input").asText()
                + "\", \"metadata\": {\"via\": \"upload\"}}", "application/json");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String id = Json.MAPPER.readTree(submitted.body()).get("id").asText();
        awaitJob(id, j -> j.get("status").asText().equals("completed"));
        assertEquals("u-1", results(id).getFirst().get("custom_id").asText());

        // the list: newest first, with a cursor
        HttpResponse<String> first = get("/jobs?limit=1");
        JsonNode page = Json.MAPPER.readTree(first.body());
        assertEquals(id, page.get("jobs").get(0).get("id").asText());
        String cursor = page.get("nextCursor").asText();
        JsonNode next = Json.MAPPER.readTree(get("/jobs?limit=1&cursor=" + cursor).body());
        assertFalse(next.get("jobs").get(0).get("id").asText().equals(id));
    }

    @Test
    @Order(5)
    void cancelKeepsTheAnsweredLinesAndEndsTheRestThenRetryResubmitsThem() throws Exception {
        pipeline.stopPoller(); // from here on the test answers lines itself
        String id = submitJob(4, "k");
        awaitJob(id, j -> j.get("status").asText().equals("in_progress"));
        answer(id, 1);
        answer(id, 2);
        JsonNode running = awaitJob(id, j -> j.get("counts").get("done").asInt() == 2);
        assertEquals(2, running.get("counts").get("pending").asInt());

        HttpResponse<String> cancelled = post("/jobs/" + id + "/cancel", "", "application/json");
        assertEquals(202, cancelled.statusCode(), cancelled.body());
        JsonNode job = awaitJob(id, j -> j.get("status").asText().equals("cancelled"));
        assertEquals(2, job.get("counts").get("done").asInt(), job.toString());
        assertEquals(2, job.get("counts").get("cancelled").asInt(), job.toString());
        List<JsonNode> results = results(id);
        assertEquals(List.of("DONE", "DONE", "CANCELLED", "CANCELLED"),
                results.stream().map(r -> r.get("status").asText()).toList());
        assertEquals("Rottnest Island", results.get(0).get("answer").get("text").asText(), "the answer is kept");
        assertEquals(LineOutcome.CANCELLED_CODE, results.get(2).get("error").get("code").asText());
        assertEquals("JobCancelled", jobEvent(id).get("detail-type").asText());
        assertError(post("/jobs/" + id + "/cancel", "", "application/json"), 409, "JOB_NOT_CANCELLABLE");

        HttpResponse<String> retried = post("/jobs/" + id + "/retry", "", "application/json", "Idempotency-Key", "retry-k");
        assertEquals(202, retried.statusCode(), retried.body());
        JsonNode retry = Json.MAPPER.readTree(retried.body());
        assertEquals(id, retry.get("parentId").asText());
        String retryId = retry.get("id").asText();
        // the same key again: the same new job, not a second one
        HttpResponse<String> again = post("/jobs/" + id + "/retry", "", "application/json", "Idempotency-Key", "retry-k");
        assertEquals(202, again.statusCode(), again.body());
        assertEquals(retryId, Json.MAPPER.readTree(again.body()).get("id").asText());
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(null));
        assertEquals("/jobs/" + retryId, again.headers().firstValue("Location").orElse(null));
        assertTrue(retried.headers().firstValue("Idempotent-Replayed").isEmpty(), "the first retry is no replay");
        JsonNode retryJob = awaitJob(retryId, j -> j.get("status").asText().equals("in_progress"));
        assertEquals(2, retryJob.get("counts").get("total").asInt());
        assertEquals(202, post("/jobs/" + retryId + "/cancel", "", "application/json").statusCode());
        awaitJob(retryId, j -> j.get("status").asText().equals("cancelled"));
        assertEquals(List.of("k-3", "k-4"), results(retryId).stream().map(r -> r.get("custom_id").asText()).toList());
        // the key names the retry of the first job: asking it for another job's retry is the key's conflict
        assertError(post("/jobs/" + retryId + "/retry", "", "application/json", "Idempotency-Key", "retry-k"), 422,
                "IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    @Order(6)
    void expiryKeepsTheAnsweredLinesAndEndsTheRestExpired() throws Exception {
        String id = submitJob(3, "e");
        awaitJob(id, j -> j.get("status").asText().equals("in_progress"));
        answer(id, 2);
        awaitJob(id, j -> j.get("counts").get("done").asInt() == 1);
        laterWorker().sweep(1_000);
        JsonNode job = awaitJob(id, j -> j.get("status").asText().equals("expired"));
        assertEquals(1, job.get("counts").get("done").asInt(), job.toString());
        assertEquals(2, job.get("counts").get("expired").asInt(), job.toString());
        assertEquals(List.of("EXPIRED", "DONE", "EXPIRED"),
                results(id).stream().map(r -> r.get("status").asText()).toList());
        assertEquals("JobExpired", jobEvent(id).get("detail-type").asText());
    }

    @Test
    @Order(6)
    void aJobWhoseLastCountsWereLostEndsCompletedAtItsWindowNotExpired() throws Exception {
        String id = submitJob(2, "l");
        awaitJob(id, j -> j.get("status").asText().equals("in_progress"));
        // answered by a writer that died before counting: the question table has the answers, the job no counts
        RequestStore uncounted = new dev.batchqa.shared.store.DynamoDbRequestStore(pipeline.dynamo(),
                Settings.from(Map.of("QA_TABLE_NAME", pipeline.config().tableName())));
        for (int line = 1; line <= 2; line++) {
            // the question the line asked: a completion must match its PENDING record's question
            assertTrue(uncounted.complete(new RequestStore.Completion(JobLines.questionId(id, line),
                    "Where does it live?", 1, id),
                    List.of(), 0.9, null));
        }
        Thread.sleep(500);
        assertEquals(0, Json.MAPPER.readTree(get("/jobs/" + id).body()).get("counts").get("done").asInt());
        laterWorker().sweep(1_000);
        JsonNode job = awaitJob(id, j -> j.get("status").asText().equals("completed"));
        assertEquals(2, job.get("counts").get("done").asInt(), job.toString());
        assertEquals(0, job.get("counts").get("expired").asInt(), job.toString());
    }

    @Test
    @Order(7)
    void aLineSeenManyTimesAtOnceIsCountedOnce() throws Exception {
        String id = submitJob(5, "r");
        awaitJob(id, j -> j.get("status").asText().equals("in_progress"));
        // two deliveries of one message both answer line 4: the second completion is refused, and its count too
        answer(id, 4);
        String line4 = JobLines.questionId(id, 4);
        assertFalse(pipeline.store().complete(new RequestStore.Completion(line4, "Where does it live?", 1, id),
                List.of(), 0.5, null), "the second completion is refused");
        assertFalse(pipeline.store().fail(new RequestStore.Completion(line4, "Where does it live?", 1, id),
                new dev.batchqa.shared.model.ErrorInfo("PROCESSING_ERROR", "late failure")));
        JobProgress progress = new JobProgress(pipeline.jobStore());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                for (int line = 1; line <= 3; line++) {
                    String q = JobLines.questionId(id, line);
                    all.add(threads.submit(() -> progress.lineEnded(q, QaStatus.DONE, null)));
                }
            }
            for (Future<?> f : all) f.get(30, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        JsonNode counts = Json.MAPPER.readTree(get("/jobs/" + id).body()).get("counts");
        assertEquals(4, counts.get("done").asInt(), counts.toString());
        assertEquals(0, counts.get("failed").asInt(), counts.toString());
        assertEquals(1, counts.get("pending").asInt(), counts.toString());
        post("/jobs/" + id + "/cancel", "", "application/json");
        awaitJob(id, j -> j.get("status").asText().equals("cancelled"));
    }

    @Test
    @Order(8)
    void anotherPrincipalSeesNoneOfAJob() throws Exception {
        // the local front has no authorizer (every caller is "anonymous"): the API with the pipeline's real stores,
        // called with the IAM principals API Gateway would name
        Settings settings = Settings.from(Map.of("QA_TABLE_NAME", pipeline.config().tableName()));
        DynamoDbIdempotencyStore keys = new DynamoDbIdempotencyStore(pipeline.dynamo(), settings);
        IngestApi apiOf = new IngestApi(pipeline.store(), keys,
                new SqsRequestQueue(pipeline.sqs(), pipeline.queueUrl(), new MessageCodec(QaValidator.fromSettings(settings))),
                BacklogGate.off(), IngestMetrics.none(), QaValidator.fromSettings(settings), Clock.systemUTC(),
                new JobRoutes(pipeline.jobStore(), pipeline.jobFiles(), keys, jobId -> pipeline.jobWorker().advance(jobId), Clock.systemUTC()));
        String alice = "arn:aws:iam::123456789012:user/alice";
        String bob = "arn:aws:iam::123456789012:user/bob";
        var submitted = apiOf.handle(event(alice, "POST", "/jobs", line("o-1", CONTEXT, "Where?") + "\n",
                "application/x-ndjson", "Idempotency-Key", "same-key"));
        assertEquals(202, submitted.getStatusCode(), submitted.getBody());
        String id = Json.MAPPER.readTree(submitted.getBody()).get("id").asText();
        assertEquals(200, apiOf.handle(event(alice, "GET", "/jobs/" + id, null, null)).getStatusCode());
        for (String[] call : new String[][] {{"GET", "/jobs/" + id}, {"GET", "/jobs/" + id + "/results"},
                {"POST", "/jobs/" + id + "/cancel"}, {"POST", "/jobs/" + id + "/retry"}}) {
            var response = apiOf.handle(event(bob, call[0], call[1], null, "application/json"));
            assertEquals(404, response.getStatusCode(), call[1] + ": " + response.getBody());
            assertEquals("NOT_FOUND", Json.MAPPER.readTree(response.getBody()).get("error").get("code").asText());
        }
        JsonNode bobs = Json.MAPPER.readTree(apiOf.handle(event(bob, "GET", "/jobs", null, null)).getBody());
        assertTrue(bobs.get("jobs").isEmpty(), bobs.toString());
        JsonNode alices = Json.MAPPER.readTree(apiOf.handle(event(alice, "GET", "/jobs", null, null)).getBody());
        assertEquals(id, alices.get("jobs").get(0).get("id").asText());
        // the key is Alice's: Bob's request with the same key is a new job, Alice's retry the same one
        var bobsJob = apiOf.handle(event(bob, "POST", "/jobs", line("o-1", CONTEXT, "Where?") + "\n",
                "application/x-ndjson", "Idempotency-Key", "same-key"));
        assertFalse(Json.MAPPER.readTree(bobsJob.getBody()).get("id").asText().equals(id));
        var replay = apiOf.handle(event(alice, "POST", "/jobs", line("o-1", CONTEXT, "Where?") + "\n",
                "application/x-ndjson", "Idempotency-Key", "same-key"));
        assertEquals(id, Json.MAPPER.readTree(replay.getBody()).get("id").asText());
        assertEquals("true", replay.getHeaders().get("Idempotent-Replayed"));
        // and Bob cannot submit Alice's upload
        JsonNode upload = Json.MAPPER.readTree(apiOf.handle(event(alice, "POST", "/jobs/uploads", null,
                "application/json")).getBody());
        var stolen = apiOf.handle(event(bob, "POST", "/jobs", "{\"input\": \"" + upload.get("input").asText() + "\"}",
                "application/json"));
        assertEquals(404, stolen.getStatusCode(), stolen.getBody());
    }

    private static APIGatewayV2HTTPEvent event(String principal, String method, String path, String body, String type,
            String... headerPairs) {
        Map<String, String> headers = new java.util.HashMap<>();
        if (type != null) headers.put("content-type", type);
        for (int i = 0; i < headerPairs.length; i += 2) headers.put(headerPairs[i].toLowerCase(), headerPairs[i + 1]);
        return APIGatewayV2HTTPEvent.builder().withRawPath(path).withRawQueryString("").withHeaders(headers)
                .withBody(body).withIsBase64Encoded(false)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(java.util.UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                                .withIam(APIGatewayV2HTTPEvent.RequestContext.IAM.builder().withUserArn(principal).build())
                                .build())
                        .build())
                .build();
    }

    // --- helpers

    /** The job worker as it will be once a window of 1 h has passed. */
    private JobWorker laterWorker() {
        Settings settings = Settings.from(Map.of());
        return new JobWorker(pipeline.jobStore(), pipeline.jobFiles(), pipeline.store(),
                new JobProgress(pipeline.jobStore()),
                new SqsRequestQueue(pipeline.sqs(), pipeline.queueUrl(), new MessageCodec(QaValidator.fromSettings(settings))),
                QaValidator.fromSettings(settings), pipeline.events()::publish,
                Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC));
    }

    private String submitJob(int lines, String prefix) throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 1; i <= lines; i++) body.append(line(prefix + "-" + i, CONTEXT, "Where does it live?")).append('\n');
        HttpResponse<String> submitted = post("/jobs?completionWindow=1h", body.toString(), "application/x-ndjson");
        assertEquals(202, submitted.statusCode(), submitted.body());
        return Json.MAPPER.readTree(submitted.body()).get("id").asText();
    }

    /** What the inference side does for a line: a DONE completion through the pipeline's store. */
    private void answer(String jobId, int line) {
        String id = JobLines.questionId(jobId, line);
        int start = CONTEXT.indexOf("Rottnest Island");
        assertTrue(pipeline.store().complete(new RequestStore.Completion(id, "Where does it live?", 1, jobId),
                List.of(new Answer("Rottnest Island", start, start + "Rottnest Island".length(), 0.9)), 0.05, null));
    }

    private static String line(String customId, String context, String question) throws Exception {
        return Json.MAPPER.writeValueAsString(Map.of("custom_id", customId, "context", context, "question", question));
    }

    private JsonNode awaitJob(String id, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get("/jobs/" + id);
            assertEquals(200, response.statusCode(), response.body());
            job = Json.MAPPER.readTree(response.body());
            if (done.test(job)) return job;
            Thread.sleep(200);
        }
        throw new AssertionError("job did not get there in time: " + job);
    }

    private List<JsonNode> results(String id) throws Exception {
        HttpResponse<String> response = get("/jobs/" + id + "/results");
        assertEquals(200, response.statusCode(), response.body());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : response.body().split("\n")) if (!line.isBlank()) lines.add(Json.MAPPER.readTree(line));
        return lines;
    }

    /** The next job event about {@code id} (question events are skipped); it must hold no user text. */
    private JsonNode jobEvent(String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String json = events.poll(1, TimeUnit.SECONDS);
            if (json == null) continue;
            JsonNode envelope = Json.MAPPER.readTree(json);
            if (!envelope.get("detail-type").asText().startsWith("Job")) continue;
            assertFalse(json.contains("quokka") || json.contains("Lovelace") || json.contains("project"),
                    "no user text: " + json);
            if (envelope.get("detail").get("id").asText().equals(id)) return envelope;
        }
        throw new AssertionError("no job event for " + id);
    }

    private void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(code, Json.MAPPER.readTree(response.body()).get("error").get("code").asText(), response.body());
    }

    private HttpResponse<String> post(String path, String body, String type, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).header("Content-Type", type);
        if (headers.length > 0) request.headers(headers);
        return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(api.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
