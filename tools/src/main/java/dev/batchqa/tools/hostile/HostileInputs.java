package dev.batchqa.tools.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code scripts/hostile-inputs}: the whole pipeline on loopback with its default settings, fed every hostile input
 * of {@link HostileCorpus} at once and, right after, ordinary questions; then the bounds: every hostile question
 * ends DONE or FAILED within {@code --hostile-bound}, every ordinary one DONE (with its right answer, on the fixture
 * model) within {@code --normal-bound} of its submission.
 */
@Command(name = "hostile-inputs", mixinStandardHelpOptions = true,
        description = "Sends the hostile-input battery through the local pipeline and checks the time bounds.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every bound held", "1:a bound was missed", "2:usage error"})
public final class HostileInputs implements Callable<Integer> {

    @Option(names = "--model", description = "Model directory (default: the runner's choice, as scripts/run-local)")
    Path model;

    @Option(names = "--hostile-bound", description = "Seconds within which each hostile question must end (default ${DEFAULT-VALUE})")
    int hostileBoundSeconds = 300;

    @Option(names = "--normal-bound", description = "Seconds within which each ordinary question must be DONE (default ${DEFAULT-VALUE})")
    int normalBoundSeconds = 60;

    @Option(names = "--normal", description = "Ordinary questions sent after the hostile ones (default ${DEFAULT-VALUE})")
    int normalCount = 10;

    private final PrintStream out;
    private final Map<String, String> environment;
    private Report report;
    private long timedOut;

    public HostileInputs(PrintStream out, Map<String, String> environment) {
        this.out = out;
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new HostileInputs(System.out, System.getenv())).execute(args));
    }

    /** One question of the run: what was sent, what became of it, and when. */
    public record Row(HostileCorpus.Case input, int chars, int windows, String id, String status, String code,
            double seconds, String answer, int longestAnswerChars) {}

    /** The run's rows and whether every bound held. */
    public record Report(List<Row> hostile, List<Row> normal, boolean passed) {}

    public Report report() {
        return report;
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = new HashMap<>(environment);
        env.put("QA_HTTP_PORT", "0");
        if (model != null) env.put("QA_MODEL_DIR", model.toString());
        LocalConfig config = LocalConfig.fromEnvironment(env);
        List<HostileCorpus.Case> hostile = HostileCorpus.hostile(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS);
        List<HostileCorpus.Case> normal = HostileCorpus.normal(normalCount);
        int[] windows = windows(config.modelLocation(), hostile);
        boolean fixture = config.modelLocation().replace('\\', '/').endsWith("fixtures/tiny-qa");

        try (LocalPipeline pipeline = LocalPipeline.start(config)) {
            HttpClient http = HttpClient.newHttpClient();
            URI api = pipeline.apiUrl();
            List<Sent> sent = new ArrayList<>();
            for (HostileCorpus.Case c : hostile) sent.add(submit(http, api, c));
            List<Sent> sentNormal = new ArrayList<>();
            for (HostileCorpus.Case c : normal) sentNormal.add(submit(http, api, c));

            List<Sent> all = new ArrayList<>(sent);
            all.addAll(sentNormal);
            long giveUp = System.nanoTime() + Duration.ofSeconds(hostileBoundSeconds + 30L).toNanos();
            while (all.stream().anyMatch(s -> s.finalRecord == null && s.id != null) && System.nanoTime() < giveUp) {
                for (Sent s : all) {
                    if (s.finalRecord != null || s.id == null) continue;
                    HttpResponse<String> got = http.send(HttpRequest.newBuilder(api.resolve("/qa/" + s.id)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    JsonNode record = Json.MAPPER.readTree(got.body());
                    if (got.statusCode() == 200 && !"PENDING".equals(record.path("status").asText())) {
                        s.finalRecord = record;
                        s.finishedNanos = System.nanoTime();
                    }
                }
                Thread.sleep(250);
            }
            List<Row> hostileRows = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) hostileRows.add(row(sent.get(i), windows[i]));
            List<Row> normalRows = new ArrayList<>();
            for (Sent s : sentNormal) normalRows.add(row(s, 1));

            timedOut = pipeline.invocationsAndTimeouts()[1];
            boolean passed = timedOut == 0; // no invocation may run past its timeout: the loop plans by cost
            for (Row r : hostileRows) {
                passed &= ("DONE".equals(r.status) || "FAILED".equals(r.status)) && r.seconds <= hostileBoundSeconds;
            }
            for (int i = 0; i < normalRows.size(); i++) {
                Row r = normalRows.get(i);
                passed &= "DONE".equals(r.status) && r.seconds <= normalBoundSeconds
                        && (!fixture || HostileCorpus.normalAnswer(i).equals(r.answer));
            }
            report = new Report(hostileRows, normalRows, passed);
            print(report, config.modelLocation());
            return passed ? 0 : 1;
        }
    }

    private final class Sent {
        final HostileCorpus.Case input;
        final long submittedNanos;
        String id;
        String refusal;
        JsonNode finalRecord;
        long finishedNanos;

        Sent(HostileCorpus.Case input, long submittedNanos) {
            this.input = input;
            this.submittedNanos = submittedNanos;
        }
    }

    private Sent submit(HttpClient http, URI api, HostileCorpus.Case c) throws Exception {
        Sent s = new Sent(c, System.nanoTime());
        String body = Json.MAPPER.writeValueAsString(Map.of("context", c.context(), "question", c.question(), "topK", c.topK()));
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(api.resolve("/qa"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = Json.MAPPER.readTree(posted.body());
        if (posted.statusCode() == 202) {
            s.id = answer.get("id").asText();
        } else {
            // refused at ingest: that is an outcome too, and it is immediate
            s.refusal = posted.statusCode() + " " + answer.path("error").path("code").asText();
            s.finishedNanos = s.submittedNanos;
        }
        return s;
    }

    private Row row(Sent s, int windows) {
        HostileCorpus.Case c = s.input;
        int chars = c.context().length();
        if (s.refusal != null) return new Row(c, chars, windows, null, "REFUSED " + s.refusal, "", 0, "", 0);
        if (s.finalRecord == null) return new Row(c, chars, windows, s.id, "PENDING", "", Double.NaN, "", 0);
        double seconds = (s.finishedNanos - s.submittedNanos) / 1e9;
        JsonNode r = s.finalRecord;
        int longest = 0;
        for (JsonNode a : r.path("answers")) longest = Math.max(longest, a.path("text").asText().length());
        return new Row(c, chars, windows, s.id, r.path("status").asText(), r.path("error").path("code").asText(""),
                seconds, r.path("answer").path("text").asText(""), longest);
    }

    /** Windows each case needs, counted with the same tokenizer and settings as the pipeline's engine. */
    private int[] windows(String modelLocation, List<HostileCorpus.Case> cases) throws Exception {
        try (QaEngine engine = QaEngine.load(EngineOptions.builder(modelLocation))) {
            int[] counts = new int[cases.size()];
            for (int i = 0; i < cases.size(); i++) {
                HostileCorpus.Case c = cases.get(i);
                counts[i] = engine.prepare(new QaQuery(c.question(), c.context(), c.topK())).windows();
            }
            return counts;
        }
    }

    private void print(Report report, String modelLocation) throws Exception {
        out.printf(Locale.ROOT, "hostile-input battery, model %s%n%n", modelLocation);
        out.printf(Locale.ROOT, "| %-48s | %6s | %7s | %-8s | %-20s | %7s | %s |%n",
                "input class", "chars", "windows", "status", "reason", "seconds", "longest answer");
        out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(50), "-".repeat(8), "-".repeat(9),
                "-".repeat(10), "-".repeat(22), "-".repeat(9), "-".repeat(16));
        for (Row r : report.hostile()) printRow(r);
        double normalMax = report.normal().stream().mapToDouble(Row::seconds).max().orElse(0);
        long normalDone = report.normal().stream().filter(r -> "DONE".equals(r.status)).count();
        out.printf(Locale.ROOT, "| %-48s | %6s | %7d | %-8s | %-20s | %7.1f | %s |%n",
                report.normal().size() + " normal questions (max)", "~50", 1, normalDone + " DONE", "", normalMax, "");
        double hostileMax = report.hostile().stream().mapToDouble(Row::seconds).max().orElse(0);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("hostile", report.hostile().size());
        json.put("hostileEnded", report.hostile().stream().filter(r -> !"PENDING".equals(r.status)).count());
        json.put("hostileMaxSeconds", Math.round(hostileMax * 10) / 10.0);
        json.put("normal", report.normal().size());
        json.put("normalDone", normalDone);
        json.put("normalMaxSeconds", Math.round(normalMax * 10) / 10.0);
        json.put("timedOut", timedOut);
        json.put("hostileBoundSeconds", hostileBoundSeconds);
        json.put("normalBoundSeconds", normalBoundSeconds);
        json.put("passed", report.passed());
        out.println();
        out.println(report.passed() ? "PASS" : "FAIL");
        out.println(Json.MAPPER.writeValueAsString(json));
    }

    private void printRow(Row r) {
        out.printf(Locale.ROOT, "| %-48s | %6d | %7d | %-8s | %-20s | %7.1f | %s |%n", r.input().inputClass(), r.chars(),
                r.windows(), r.status(), r.code(), r.seconds(), r.longestAnswerChars() + " chars");
    }
}
