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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The try-it page in a real headless Chromium against the local runner with the fixture model: the README's BERT
 * question is answered, the answer is highlighted in the context exactly at the API's offsets, the status changes
 * and the stats panel are shown, and a screenshot lands in {@code contract-tests/target/try-it.png}; then a bulk job
 * submitted from the page ends in its jobs table with a full progress bar and a results link, and a job with a bad
 * line shows that line's error ({@code contract-tests/target/try-it-jobs.png}).
 *
 * <p>Needs Debian's {@code chromium} and npm {@code playwright-core}. Where chromium is missing the test is skipped
 * with a message, unless {@code BATCHQA_REQUIRE_TOOLS=1} (set by .ci/run), where it fails.
 */
class TryItPageBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));

    @Test
    void answersTheBertQuestionWithTheAnswerHighlighted() throws Exception {
        Path root = Contract.repoRoot();
        boolean required = "1".equals(System.getenv("BATCHQA_REQUIRE_TOOLS"));
        if (!Files.isExecutable(CHROMIUM)) {
            String message = "no Chromium at " + CHROMIUM + ": apt-get install -y chromium (or set CHROMIUM_PATH)";
            if (required) throw new AssertionError(message + "; BATCHQA_REQUIRE_TOOLS=1 requires the browser test");
            Assumptions.abort("try-it browser test skipped: " + message);
        }
        assertTrue(Files.exists(root.resolve("node_modules/playwright-core/package.json")),
                "npm playwright-core missing: run npm ci at the repository root");

        Map<String, String> env = new HashMap<>();
        // the fixture as a SQuAD 1.1 model declares itself (it never abstains): an unanswerable question still gets
        // its best span, with a no-answer score above it, which the page must show as "no answer"
        env.put("QA_MODEL_DIR", neverAbstaining(Path.of(System.getProperty("qa.fixture.dir"))).toString());
        env.put("QA_HTTP_PORT", "0");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        env.put("QA_TABLE_NAME", "qa-try-" + suffix);
        Path target = Path.of("target").toAbsolutePath();
        Path screenshot = target.resolve("try-it.png");
        Files.deleteIfExists(screenshot);
        try (LocalPipeline pipeline = LocalPipeline.start(LocalConfig.builder(env)
                .batchingWindow(Duration.ofMillis(50)).queueName("qa-try-" + suffix).build())) {
            URI api = pipeline.apiUrl();
            Process node = new ProcessBuilder("node", root.resolve("contract-tests/src/test/js/try-it.mjs").toString(),
                    api + "/", screenshot.toString(), Files.createTempDirectory(target, "chromium-profile").toString(),
                    CHROMIUM.toString())
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output;
            try (var in = node.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(node.waitFor(2, TimeUnit.MINUTES));
            System.out.println(output);
            assertEquals(0, node.exitValue(), "browser script failed:\n" + output);
            String line = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
            JsonNode result = JSON.readTree(line.substring("RESULT ".length()));

            assertEquals(List.of(), List.copyOf(JSON.convertValue(result.get("consoleErrors"), List.class)));
            assertEquals("submit", result.get("focusedAfterTab").asText(), "Tab from top-k reaches the Ask button");
            JsonNode bert = result.get("cards").get(0);
            assertEquals("What is BERTs best score on Squadv2 ?", bert.get("question").asText());
            assertEquals("DONE", bert.get("status").asText());
            assertTrue(bert.get("history").toString().contains("SENDING") && bert.get("history").toString().contains("DONE"),
                    bert.get("history").toString());

            // what the page highlights is what the API answers, at the API's UTF-16 offsets
            HttpResponse<String> get = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(api.resolve("/qa/" + bert.get("id").asText())).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode record = JSON.readTree(get.body());
            JsonNode answer = record.get("answer");
            assertTrue(answer != null && !answer.isNull(), "the fixture model answers the BERT question: " + get.body());
            assertEquals(answer.get("text").asText(), bert.get("marked").asText());
            assertEquals(answer.get("start").asInt(), bert.get("markStart").asInt());
            assertEquals(answer.get("text").asText(), bert.get("best").asText());
            assertEquals(record.get("answers").size(), bert.get("rows").size(), "one row per top-k answer");
            System.out.println("try-it: highlighted '" + bert.get("marked").asText() + "' at " + answer.get("start")
                    + ".." + answer.get("end") + "; screenshot " + screenshot);

            // a question the fixture cannot answer (no cue word in the context): its best span scores below "no
            // answer", so the page says "no answer" first, the span only as a labelled guess, nothing marked
            JsonNode sky = result.get("cards").get(1);
            assertEquals("DONE", sky.get("status").asText());
            assertTrue(sky.get("marked").isNull(), sky.toString());
            JsonNode skyRecord = JSON.readTree(HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(api.resolve("/qa/" + sky.get("id").asText())).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertTrue(skyRecord.get("noAnswerScore").asDouble() > skyRecord.get("answer").get("score").asDouble(),
                    "the API answers a span below its no-answer score: " + skyRecord);
            assertTrue(sky.get("noAnswer").asText().startsWith("No answer: the no-answer score"), sky.toString());
            assertEquals(skyRecord.get("answer").get("text").asText(), sky.get("secondary").asText());
            assertTrue(sky.get("best").isNull(), "not shown as an answer: " + sky);
            assertTrue(bert.get("noAnswer").isNull(), "the BERT answer beats no-answer: " + bert);

            // the context is not repeated on every card: collapsed, the answer shown in a snippet
            for (JsonNode c : result.get("cards")) {
                assertEquals(false, c.get("contextOpen").asBoolean(), c.toString());
                assertTrue(c.get("visibleText").asInt() < result.get("contextLength").asInt(), c.toString());
            }
            assertEquals(answer.get("text").asText(), bert.get("snippetMark").asText());
            // the newest card on top, each request's questions in order
            assertEquals(List.of("Who introduced BERT?", "What is BERTs best score on Squadv2 ?", "Which color is the sky?"),
                    List.copyOf(JSON.convertValue(result.get("order"), List.class)));

            // the sample fills the form; over-long input is counted live and refused before any request
            JsonNode sample = result.get("sample");
            assertTrue(sample.get("context").asText().contains("SQuAD v2.0 Test F1 to 83.1"), sample.toString());
            assertTrue(sample.get("questions").asText().startsWith("What is BERTs best score on Squadv2 ?\n"), sample.toString());
            assertEquals(String.format(java.util.Locale.US, "%,d / 40,000 characters", sample.get("context").asText().length()),
                    sample.get("contextCount").asText());
            JsonNode over = result.get("over");
            assertEquals("40,001 / 40,000 characters — 1 too many", over.get("contextCount").asText());
            assertTrue(over.get("contextOver").asBoolean());
            assertEquals("The context has 40,001 characters; the limit is 40,000.", over.get("contextError").asText());
            assertEquals(false, over.get("atLimitOver").asBoolean(), "40,000 is allowed");
            assertEquals("2 questions, the longest 1,001 / 1,000 characters — too long", over.get("questionsCount").asText());
            assertEquals("Question 2 has 1,001 characters; the limit is 1,000.", over.get("questionError").asText());
            assertEquals(0, over.get("cards").asInt());
            assertEquals(0, over.get("posts").asInt(), "nothing sent");

            assertEquals("3", result.at("/stats/done").asText());
            assertEquals("0", result.at("/stats/failed").asText());
            assertTrue(Files.size(screenshot) > 10_000, "screenshot written");

            // the jobs table: the page's job, ended, its bar full, a link to its results; the bad one's line error
            JsonNode job = result.get("job");
            assertEquals("completed", job.get("status").asText(), job.toString());
            assertEquals(3, job.get("progressMax").asInt());
            assertEquals(3, job.get("progressValue").asInt());
            assertEquals(" 3/3", job.get("counts").asText());
            assertEquals("/jobs/" + job.get("id").asText() + "/results", job.get("resultsHref").asText());
            assertEquals("failed (line 4: MISSING_FIELD)", result.get("failedJob").asText());
            Path jobsShot = target.resolve("try-it-jobs.png");
            assertTrue(Files.size(jobsShot) > 5_000, "jobs screenshot written: " + jobsShot);
            Path cardsShot = target.resolve("try-it-cards.png");
            assertTrue(Files.size(cardsShot) > 5_000, "cards screenshot written: " + cardsShot);
        }
    }

    /** A copy of {@code fixture} whose config.json says it was trained without unanswerable questions. */
    private static Path neverAbstaining(Path fixture) throws java.io.IOException {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "tiny-qa-squad1-");
        try (var files = Files.list(fixture)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode config =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("trained_with_unanswerable", false);
        config.remove("null_score_threshold");
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        return dir;
    }
}
