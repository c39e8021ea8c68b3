package dev.batchqa.tools.heavy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.inference.BatchPolicy;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import dev.batchqa.tools.hostile.HostileCorpus;
import dev.batchqa.shared.message.Json;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scripts/heavy-inputs}: heavy but legitimate work through the local pipeline with the function timeout cut
 * ({@code --timeout}, 15 s by default: a model several times slower than the stand-in under the deployed 120 s).
 * Multi-question requests about long contexts in three scripts, a backlog of single long-context questions, then
 * ordinary questions behind them. Bounds: every heavy question ends DONE within {@code --heavy-bound}, every
 * ordinary one within {@code --normal-bound} of its submission, and no invocation runs past its timeout.
 */
@Command(name = "heavy-inputs", mixinStandardHelpOptions = true,
        description = "Sends heavy legitimate work through the local pipeline and checks that all of it finishes.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every bound held", "1:a bound was missed", "2:usage error"})
public final class HeavyInputs implements Callable<Integer> {

    @Option(names = "--model", description = "Model directory (default: the runner's choice, as scripts/run-local)")
    Path model;

    @Option(names = "--data", description = "SQuAD v1.1 .json(.gz): the English case asks an article's own questions"
            + " (default: generated English prose)")
    Path data;

    @Option(names = "--timeout", description = "The inference function's timeout in seconds (default ${DEFAULT-VALUE})")
    int timeoutSeconds = 15;

    @Option(names = "--questions", description = "Questions of the English request (default ${DEFAULT-VALUE})")
    int questions = 50;

    @Option(names = "--script-questions", description = "Questions of the CJK and the Hangul request (default ${DEFAULT-VALUE})")
    int scriptQuestions = 20;

    @Option(names = "--backlog", description = "Single long-context questions queued at once (default ${DEFAULT-VALUE})")
    int backlog = 20;

    @Option(names = "--normal", description = "Ordinary questions sent after the heavy ones (default ${DEFAULT-VALUE})")
    int normalCount = 10;

    @Option(names = "--heavy-bound", description = "Seconds within which each heavy question must be DONE (default ${DEFAULT-VALUE})")
    int heavyBoundSeconds = 1_200;

    @Option(names = "--normal-bound", description = "Seconds within which each ordinary question must be DONE (default ${DEFAULT-VALUE})")
    int normalBoundSeconds = 30;

    private final PrintStream out;
    private final Map<String, String> environment;

    public HeavyInputs(PrintStream out, Map<String, String> environment) {
        this.out = out;
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new HeavyInputs(System.out, System.getenv())).execute(args));
    }

    /** One request of the run and what became of its questions. */
    record Row(String name, int questions, int windows, int invocations, double seconds, Map<String, Integer> outcomes) {
        boolean allDone() {
            return outcomes.getOrDefault("DONE", 0) == questions;
        }
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = new HashMap<>(environment);
        env.put("QA_HTTP_PORT", "0");
        env.put("QA_FUNCTION_TIMEOUT_SECONDS", Integer.toString(timeoutSeconds));
        if (model != null) env.put("QA_MODEL_DIR", model.toString());
        // BatchPolicy.DEFAULT's 500 windows, not the 22 a 15 s timeout gives: the battery checks that long
        // questions are answered across invocations, not refused
        LocalConfig config = LocalConfig.builder(env).maxWindowsPerQuestion(BatchPolicy.DEFAULT.maxWindowsPerQuestion())
                .build();
        List<HeavyCorpus.Request> heavy = new ArrayList<>();
        heavy.add(data == null ? HeavyCorpus.english(questions) : HeavyCorpus.squadArticle(data, questions));
        heavy.add(HeavyCorpus.cjk(scriptQuestions));
        heavy.add(HeavyCorpus.hangul(scriptQuestions));
        for (int i = 0; i < backlog; i++) heavy.add(HeavyCorpus.longSingle(i));
        List<HostileCorpus.Case> normal = HostileCorpus.normal(normalCount);
        int[] windows = windows(config.modelLocation(), heavy);

        long started = System.nanoTime();
        try (LocalPipeline pipeline = LocalPipeline.start(config)) {
            HttpClient http = HttpClient.newHttpClient();
            URI api = pipeline.apiUrl();
            List<Sent> sent = new ArrayList<>();
            for (HeavyCorpus.Request r : heavy) sent.add(submit(http, api, r.name(), r.body()));
            List<Sent> sentNormal = new ArrayList<>();
            for (HostileCorpus.Case c : normal) {
                sentNormal.add(submit(http, api, "normal", Map.of("context", c.context(), "question", c.question())));
            }
            List<Sent> all = new ArrayList<>(sent);
            all.addAll(sentNormal);
            long giveUp = System.nanoTime() + Duration.ofSeconds(heavyBoundSeconds + 30L).toNanos();
            while (all.stream().anyMatch(s -> !s.ended()) && System.nanoTime() < giveUp) {
                for (Sent s : all) poll(http, api, s);
                Thread.sleep(500);
            }
            long[] invocations = pipeline.invocationsAndTimeouts();
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                Sent s = sent.get(i);
                int handedOn = s.ids.stream().mapToInt(id -> pipeline.continuations().count(id)).max().orElse(0);
                rows.add(new Row(s.name, s.ids.size(), windows[i], 1 + handedOn, s.seconds(), s.outcomes()));
            }
            List<Row> normalRows = new ArrayList<>();
            for (Sent s : sentNormal) normalRows.add(new Row("normal", 1, 1, 1, s.seconds(), s.outcomes()));
            boolean passed = invocations[1] == 0;
            for (Row r : rows) passed &= r.allDone() && r.seconds <= heavyBoundSeconds;
            for (Row r : normalRows) passed &= r.allDone() && r.seconds <= normalBoundSeconds;
            print(config.modelLocation(), rows, normalRows, invocations, pipeline.continuations().questionsHandedOn(),
                    (System.nanoTime() - started) / 1e9, passed);
            return passed ? 0 : 1;
        }
    }

    private static final class Sent {
        final String name;
        final long submittedNanos;
        final List<String> ids = new ArrayList<>();
        final Map<String, String> status = new LinkedHashMap<>();
        String refusal;
        long lastEndedNanos;

        Sent(String name, long submittedNanos) {
            this.name = name;
            this.submittedNanos = submittedNanos;
        }

        boolean ended() {
            return refusal != null || status.values().stream().noneMatch("PENDING"::equals);
        }

        double seconds() {
            return ended() ? (lastEndedNanos - submittedNanos) / 1e9 : Double.NaN;
        }

        Map<String, Integer> outcomes() {
            Map<String, Integer> counts = new LinkedHashMap<>();
            if (refusal != null) counts.put("REFUSED " + refusal, 1);
            for (String s : status.values()) counts.merge(s, 1, Integer::sum);
            return counts;
        }
    }

    private static Sent submit(HttpClient http, URI api, String name, Map<String, Object> body) throws Exception {
        Sent s = new Sent(name, System.nanoTime());
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(api.resolve("/qa"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body), StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = Json.MAPPER.readTree(posted.body());
        if (posted.statusCode() != 202) {
            s.refusal = posted.statusCode() + " " + answer.path("error").path("code").asText();
            s.lastEndedNanos = s.submittedNanos;
            return s;
        }
        if (answer.has("questions")) {
            for (JsonNode q : answer.get("questions")) s.ids.add(q.get("id").asText());
        } else {
            s.ids.add(answer.get("id").asText());
        }
        for (String id : s.ids) s.status.put(id, "PENDING");
        return s;
    }

    private static void poll(HttpClient http, URI api, Sent s) throws Exception {
        for (var e : s.status.entrySet()) {
            if (!"PENDING".equals(e.getValue())) continue;
            HttpResponse<String> got = http.send(HttpRequest.newBuilder(api.resolve("/qa/" + e.getKey())).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode record = Json.MAPPER.readTree(got.body());
            String status = record.path("status").asText();
            if (got.statusCode() == 200 && !"PENDING".equals(status)) {
                String code = record.path("error").path("code").asText("");
                e.setValue(code.isEmpty() ? status : status + " " + code);
                s.lastEndedNanos = System.nanoTime();
            }
        }
    }

    /** Windows each request needs in all, counted with the same tokenizer and settings as the pipeline's engine. */
    private static int[] windows(String modelLocation, List<HeavyCorpus.Request> requests) throws Exception {
        try (QaEngine engine = QaEngine.load(EngineOptions.builder(modelLocation))) {
            int[] counts = new int[requests.size()];
            for (int i = 0; i < requests.size(); i++) {
                HeavyCorpus.Request r = requests.get(i);
                for (String q : r.questions()) counts[i] += engine.prepare(new QaQuery(q, r.context(), 1)).windows();
            }
            return counts;
        }
    }

    private void print(String modelLocation, List<Row> rows, List<Row> normal, long[] invocations, int handedOn,
            double seconds, boolean passed) throws Exception {
        out.printf(Locale.ROOT, "heavy-input battery, model %s, function timeout %d s%n%n", modelLocation, timeoutSeconds);
        out.printf(Locale.ROOT, "| %-34s | %9s | %7s | %11s | %8s | %s |%n",
                "case", "questions", "windows", "invocations", "seconds", "outcome");
        out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(36), "-".repeat(11), "-".repeat(9),
                "-".repeat(13), "-".repeat(10), "-".repeat(20));
        List<Row> singles = rows.stream().filter(r -> r.name.startsWith("backlog")).toList();
        for (Row r : rows) {
            if (!r.name.startsWith("backlog")) printRow(r);
        }
        if (!singles.isEmpty()) printRow(summary(singles.size() + " single long-context questions (backlog)", singles));
        printRow(summary(normal.size() + " ordinary questions behind them", normal));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("timeoutSeconds", timeoutSeconds);
        json.put("heavyQuestions", rows.stream().mapToInt(Row::questions).sum());
        json.put("heavyDone", rows.stream().mapToInt(r -> r.outcomes.getOrDefault("DONE", 0)).sum());
        json.put("heavyMaxSeconds", round(rows.stream().mapToDouble(Row::seconds).max().orElse(0)));
        json.put("normal", normal.size());
        json.put("normalDone", normal.stream().mapToInt(r -> r.outcomes.getOrDefault("DONE", 0)).sum());
        json.put("normalMaxSeconds", round(normal.stream().mapToDouble(Row::seconds).max().orElse(0)));
        json.put("invocations", invocations[0]);
        json.put("timedOut", invocations[1]);
        json.put("questionsHandedOn", handedOn);
        json.put("runSeconds", round(seconds));
        json.put("heavyBoundSeconds", heavyBoundSeconds);
        json.put("normalBoundSeconds", normalBoundSeconds);
        json.put("passed", passed);
        out.println();
        out.println(passed ? "PASS" : "FAIL");
        out.println(Json.MAPPER.writeValueAsString(json));
    }

    private static Row summary(String name, List<Row> rows) {
        Map<String, Integer> outcomes = new LinkedHashMap<>();
        for (Row r : rows) r.outcomes.forEach((k, v) -> outcomes.merge(k, v, Integer::sum));
        return new Row(name, rows.stream().mapToInt(Row::questions).sum(), rows.stream().mapToInt(Row::windows).sum(),
                rows.stream().mapToInt(Row::invocations).max().orElse(0),
                rows.stream().mapToDouble(Row::seconds).max().orElse(Double.NaN), outcomes);
    }

    private void printRow(Row r) {
        out.printf(Locale.ROOT, "| %-34s | %9d | %7d | %11s | %8.1f | %s |%n", r.name, r.questions, r.windows,
                r.name.contains("ordinary") ? "-" : (r.name.contains("backlog") ? "max " : "") + r.invocations,
                r.seconds, r.outcomes);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
