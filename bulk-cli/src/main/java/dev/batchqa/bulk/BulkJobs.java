package dev.batchqa.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.eval.SquadMetrics;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * {@code scripts/bulk-submit}'s job mode: a JSONL or SQuAD file as one bulk job of the HTTP API ({@code POST /jobs};
 * over 9 MB through a pre-signed upload), a progress line while it runs (done/total, rate, ETA), and its results file.
 * The job id is printed first: a killed run loses nothing, {@code --collect JOB} waits for the job and fetches its
 * results. {@code --cancel JOB}, {@code --retry-failed JOB} (a new job of the unanswered lines), and
 * {@code --score RESULTS --squad FILE} (EM/F1 of a results file against SQuAD, by custom_id).
 *
 * <pre>
 * scripts/bulk-submit --job dev-v2.0.json.gz --out results.jsonl
 * scripts/bulk-submit --score results.jsonl --squad dev-v2.0.json.gz
 * </pre>
 *
 * Signs nothing: for the local runner and deployments with {@code ApiAuthMode=NONE} (SigV4 is not done here yet).
 */
@Command(name = "bulk-submit (job mode)", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Bulk jobs through the HTTP API: submit, follow, collect, cancel, retry, score.")
public final class BulkJobs implements Callable<Integer> {
    /** Larger bodies go through POST /jobs/uploads (API Gateway takes at most 10 MB). */
    static final int MAX_INLINE_BYTES = 9 * 1024 * 1024;

    @Option(names = "--job", paramLabel = "FILE", description = "Submit FILE (JSONL or SQuAD JSON, .gz too) as a job.")
    Path job;
    @Option(names = "--collect", paramLabel = "JOB", description = "Follow an existing job and fetch its results.")
    String collect;
    @Option(names = "--cancel", paramLabel = "JOB", description = "Cancel a job (answered lines stay).")
    String cancel;
    @Option(names = "--retry-failed", paramLabel = "JOB", description = "A new job of JOB's unanswered lines; follow it.")
    String retry;
    @Option(names = "--score", paramLabel = "RESULTS", description = "Score a results file against --squad (EM/F1).")
    Path score;
    @Option(names = "--squad", paramLabel = "FILE", description = "The SQuAD file --score compares with.")
    Path squad;
    @Option(names = "--api", paramLabel = "URL", description = "The HTTP API (default: $QA_API_URL, else http://127.0.0.1:3000).")
    String api;
    @Option(names = "--auth", paramLabel = "MODE", defaultValue = "auto", description = "How to authenticate to the "
            + "API: iam (SigV4 with the AWS default credentials chain, for ApiAuthMode=IAM), token (Bearer "
            + "$QA_API_TOKEN, for JWT), none; auto (default): none for a loopback URL, token when QA_API_TOKEN is set, "
            + "else iam.")
    String authMode;
    @Option(names = "--out", paramLabel = "FILE", description = "Where the results go (default: <job id>.results.jsonl).")
    Path out;
    @Option(names = "--completion-window", paramLabel = "DURATION", description = "e.g. 24h (the default), 90m.")
    String window;
    @Option(names = "--limit", paramLabel = "N", description = "Only the first N questions (questions, also of SQuAD paragraphs).")
    Integer limit;
    @Option(names = "--top-k", paramLabel = "K", description = "Answers per question for lines that name no topK.")
    Integer topK;
    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between progress lines (default 5).")
    int progressSeconds;
    @Option(names = "--no-wait", description = "Submit and print the job id; do not follow it.")
    boolean noWait;

    private final PrintStream err;
    private final Map<String, String> env;
    // redirects by hand: the results' 303 leads to a pre-signed URL, which must not get the API's Authorization
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private ApiAuth auth;

    private final PrintStream stdout;

    BulkJobs(PrintStream stdout, PrintStream err, Map<String, String> env) {
        this.stdout = stdout;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs one command; the exit status as {@link BulkSubmit}'s (0 all answered, 1 incomplete, 2 usage). */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new BulkJobs(out, err, env));
        cl.setOut(new java.io.PrintWriter(out, true)).setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        try {
            return execute();
        } catch (IOException | java.io.UncheckedIOException | IllegalArgumentException e) {
            err.println("bulk-submit: " + e.getMessage());
            return BulkSubmit.INCOMPLETE;
        }
    }

    private int execute() throws IOException, InterruptedException {
        int modes = (job != null ? 1 : 0) + (collect != null ? 1 : 0) + (cancel != null ? 1 : 0) + (retry != null ? 1 : 0)
                + (score != null ? 1 : 0);
        if (modes != 1) {
            err.println("bulk-submit: give exactly one of --job, --collect, --cancel, --retry-failed, --score");
            return BulkSubmit.USAGE;
        }
        if (score != null) return score();
        URI base = URI.create(api != null ? api : env.getOrDefault("QA_API_URL", "http://127.0.0.1:3000"));
        auth = ApiAuth.choose(authMode, base, env);
        if (cancel != null) {
            JsonNode job = send(base, "POST", "/jobs/" + cancel + "/cancel", null, null, 202);
            err.println("job " + cancel + " " + job.get("status").asText());
            return BulkSubmit.OK;
        }
        String id;
        if (retry != null) {
            JsonNode job = send(base, "POST", "/jobs/" + retry + "/retry", null, null, 202);
            id = job.get("id").asText();
            err.println("job " + id + " retries the " + job.get("counts").get("total").asInt(-1)
                    + " unanswered lines of " + retry);
        } else if (job != null) {
            id = submit(base);
        } else {
            id = collect;
        }
        // first, so that a run killed from here on can be resumed with --collect
        stdout.println(id);
        stdout.flush();
        if (noWait) return BulkSubmit.OK;
        return follow(base, id);
    }

    private String submit(URI base) throws IOException, InterruptedException {
        long started = System.nanoTime();
        byte[] lines = lines(job);
        String query = window == null ? "" : "?completionWindow=" + URLEncoder.encode(window, StandardCharsets.UTF_8);
        JsonNode accepted;
        if (lines.length <= MAX_INLINE_BYTES) {
            accepted = send(base, "POST", "/jobs" + query, lines, "application/x-ndjson", 202);
        } else {
            JsonNode upload = send(base, "POST", "/jobs/uploads", new byte[0], "application/json", 201);
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload.get("uploadUrl").asText()))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(lines)).build(), HttpResponse.BodyHandlers.ofString());
            if (put.statusCode() / 100 != 2) throw new IOException("upload refused: HTTP " + put.statusCode());
            ObjectNode body = Json.MAPPER.createObjectNode().put("input", upload.get("input").asText());
            if (window != null) body.put("completionWindow", window);
            accepted = send(base, "POST", "/jobs", Json.MAPPER.writeValueAsBytes(body), "application/json", 202);
        }
        err.printf(Locale.ROOT, "job %s submitted (%,d bytes, %.1f s)%n", accepted.get("id").asText(), lines.length,
                (System.nanoTime() - started) / 1e9);
        return accepted.get("id").asText();
    }

    /** The input as job lines: JSONL with custom_id as it is; other JSONL and SQuAD converted (id -> custom_id). */
    byte[] lines(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputFiles.Format format = InputFiles.detect(file);
        if (format == InputFiles.Format.JSONL && firstLineHasCustomId(file)) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    InputFiles.decompressed(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
                int n = 0;
                for (String line; (line = r.readLine()) != null && (limit == null || n < limit); n++) {
                    out.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            return out.toByteArray();
        }
        int n = 0;
        int unreadable = 0;
        try (ItemSource items = InputFiles.open(file, format, topK, false)) {
            while (items.hasNext() && (limit == null || n < limit)) {
                InputItem item = items.next();
                if (item.message() == null) {
                    unreadable++;
                    continue;
                }
                for (Question q : item.message().questions()) {
                    if (limit != null && n >= limit) break;
                    ObjectNode line = Json.MAPPER.createObjectNode();
                    line.put("custom_id", q.id() != null ? q.id() : "line-" + (n + 1));
                    line.put("context", item.message().context());
                    line.put("question", q.text());
                    AnswerOptions o = item.message().options();
                    if (o.topK() != AnswerOptions.DEFAULT.topK()) line.put("topK", o.topK());
                    if (o.maxAnswerLength() != null) line.put("maxAnswerLength", o.maxAnswerLength());
                    if (!o.allowNoAnswer()) line.put("allowNoAnswer", false);
                    out.writeBytes(Json.MAPPER.writeValueAsBytes(line));
                    out.write('\n');
                    n++;
                }
            }
        }
        if (unreadable > 0) err.println("bulk-submit: " + unreadable + " unreadable items left out of the job");
        return out.toByteArray();
    }

    private static boolean firstLineHasCustomId(Path file) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                InputFiles.decompressed(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String first = r.readLine();
            return first != null && first.contains("\"custom_id\"");
        }
    }

    /** Polls the job, a progress line every --progress-interval, then writes its results. */
    private int follow(URI base, String id) throws IOException, InterruptedException {
        long started = System.nanoTime();
        int firstEnded = -1;
        JsonNode job;
        long lastLine = 0;
        while (true) {
            job = send(base, "GET", "/jobs/" + id, null, null, 200);
            JsonNode c = job.get("counts");
            int total = c.get("total").asInt();
            int ended = total - c.get("pending").asInt();
            // the rate counts what ends while this command watches: a job followed from its start counts from 0 (its
            // first poll may still be validating, or already over for a small job); a collected one from where it was
            if (firstEnded < 0) firstEnded = ended;
            String status = job.get("status").asText();
            boolean over = status.equals("completed") || status.equals("failed") || status.equals("cancelled")
                    || status.equals("expired");
            long now = System.nanoTime();
            if (over || now - lastLine >= Duration.ofSeconds(progressSeconds).toNanos()) {
                err.println(progressLine(status, c, ended - Math.max(0, firstEnded), (now - started) / 1e9));
                lastLine = now;
            }
            if (over) break;
            Thread.sleep(Math.min(1000, progressSeconds * 1000L));
        }
        String status = job.get("status").asText();
        if (status.equals("failed")) {
            err.println("job " + id + " failed validation (" + job.get("errorCount").asInt() + " line errors):");
            for (JsonNode e : job.get("errors")) {
                err.println("  line " + e.get("line").asInt() + ": " + e.get("code").asText() + " " + e.get("message").asText());
            }
            return BulkSubmit.INCOMPLETE;
        }
        URI resultsUri = resolve(base, "/jobs/" + id + "/results");
        HttpResponse<byte[]> results = http.send(auth.apply(HttpRequest.newBuilder(resultsUri), "GET", resultsUri,
                null, null), HttpResponse.BodyHandlers.ofByteArray());
        for (int hops = 0; results.statusCode() / 100 == 3 && hops < 3; hops++) {
            // the results object: a pre-signed URL (or the local runner's), fetched without the API's credentials
            URI location = resultsUri.resolve(results.headers().firstValue("Location")
                    .orElseThrow(() -> new IOException("results: a redirect without a Location")));
            results = http.send(HttpRequest.newBuilder(location).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        if (results.statusCode() != 200) throw new IOException("results: HTTP " + results.statusCode());
        Path target = out != null ? out : Path.of(id + ".results.jsonl");
        Files.write(target, results.body());
        int lines = 0;
        for (byte b : results.body()) if (b == '\n') lines++;
        JsonNode c = job.get("counts");
        int total = c.get("total").asInt();
        err.printf(Locale.ROOT, "job %s %s in %.1f s: %,d lines, %,d done, %,d failed, %,d cancelled, %,d expired; "
                        + "%,d result lines in %s, lost = %d%n", id, status, (System.nanoTime() - started) / 1e9, total,
                c.get("done").asInt(), c.get("failed").asInt(), c.get("cancelled").asInt(), c.get("expired").asInt(),
                lines, target, total - lines);
        return total == lines && c.get("done").asInt() == total ? BulkSubmit.OK : BulkSubmit.INCOMPLETE;
    }

    /** {@code in_progress [#########...........] 4,210/11,873  52.1 lines/s  ETA 2m27s  (3 failed)}. */
    static String progressLine(String status, JsonNode counts, int endedSinceStart, double seconds) {
        int total = counts.get("total").asInt();
        int ended = total - counts.get("pending").asInt();
        int width = 30;
        int filled = total == 0 ? 0 : (int) Math.round(width * (double) ended / total);
        double rate = seconds > 0 ? endedSinceStart / seconds : 0;
        String eta = rate > 0 && ended < total ? duration((total - ended) / rate) : "-";
        int failed = counts.get("failed").asInt() + counts.get("cancelled").asInt() + counts.get("expired").asInt();
        return String.format(Locale.ROOT, "%-11s [%s%s] %,d/%,d  %.1f lines/s  ETA %s%s", status, "#".repeat(filled),
                ".".repeat(width - filled), ended, total, rate, eta, failed > 0 ? "  (" + failed + " not answered)" : "");
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
    }

    /** EM and F1 of a results file against a SQuAD file, as the official v2.0 script computes them, by custom_id. */
    private int score() throws IOException {
        if (squad == null) {
            err.println("bulk-submit: --score needs --squad FILE");
            return BulkSubmit.USAGE;
        }
        Map<String, List<String>> golds = golds(squad);
        Map<String, String> predictions = new HashMap<>();
        for (String line : Files.readAllLines(score, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode r = Json.MAPPER.readTree(line);
            JsonNode answer = r.get("answer");
            predictions.put(r.get("custom_id").asText(), "DONE".equals(r.path("status").asText()) && answer != null
                    && !answer.isNull() ? answer.get("text").asText() : "");
        }
        double em = 0;
        double f1 = 0;
        int scored = 0;
        int missing = 0;
        for (var gold : golds.entrySet()) {
            String prediction = predictions.get(gold.getKey());
            if (prediction == null) {
                missing++;
                continue;
            }
            List<String> answers = SquadMetrics.goldAnswers(gold.getValue());
            em += SquadMetrics.maxExactMatch(prediction, answers);
            f1 += SquadMetrics.maxF1(prediction, answers);
            scored++;
        }
        err.printf(Locale.ROOT, "EM %.2f  F1 %.2f  over %,d questions (%,d of the SQuAD file have no result line)%n",
                scored == 0 ? 0 : 100 * em / scored, scored == 0 ? 0 : 100 * f1 / scored, scored, missing);
        return missing == 0 ? BulkSubmit.OK : BulkSubmit.INCOMPLETE;
    }

    /** Question id -> gold answer texts (empty for an unanswerable question). */
    static Map<String, List<String>> golds(Path file) throws IOException {
        JsonNode root;
        try (var in = InputFiles.decompressed(Files.newInputStream(file))) {
            root = Json.MAPPER.readTree(in);
        }
        Map<String, List<String>> golds = new LinkedHashMap<>();
        for (JsonNode article : root.path("data")) {
            for (JsonNode paragraph : article.path("paragraphs")) {
                for (JsonNode qa : paragraph.path("qas")) {
                    List<String> answers = new ArrayList<>();
                    for (JsonNode a : qa.path("answers")) answers.add(a.path("text").asText());
                    golds.put(qa.path("id").asText(), answers);
                }
            }
        }
        return golds;
    }

    /** {@code path} under the API's URL, which may carry a stage ({@code https://host/prod}). */
    static URI resolve(URI base, String path) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }

    private JsonNode send(URI base, String method, String path, byte[] body, String type, int expected)
            throws IOException, InterruptedException {
        URI uri = resolve(base, path);
        HttpRequest request = auth.apply(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)), method, uri,
                type, body);
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(method + " " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return Json.MAPPER.readTree(response.body());
    }
}
