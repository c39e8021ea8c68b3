package dev.batchqa.tools.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.bulk.AnswerCollector;
import dev.batchqa.bulk.BulkSubmitter;
import dev.batchqa.local.CountingRequestStore;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.tools.Stats;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code scripts/load-test}: the whole pipeline in this JVM (embedded ElasticMQ + dynalite, the fixture model by
 * default), N questions submitted at once — half through {@code POST /qa} by a bounded number of concurrent HTTP
 * clients on loopback, half through {@link BulkSubmitter} straight to SQS — then, bounded by a timeout, a wait until
 * all N are DONE or FAILED, and the checks: none lost, none answered twice, every answer the expected one.
 *
 * <p>Exit status 0 when every check passes, 1 when one fails (or the timeout passes), 2 on a usage error
 * (picocli {@code exitCodeList}, shown by {@code --help}).
 */
public final class LoadTest {

    /**
     * @param questions    how many questions in total
     * @param httpShare    the fraction sent through POST /qa (the rest through the bulk path)
     * @param httpClients  concurrent HTTP clients (each sends one request at a time)
     * @param bulkSenders  concurrent SendMessageBatch requests of the bulk path
     * @param model        model directory (default: the fixture); answers are checked only for the fixture
     * @param pollers      concurrent SQS pollers of the inference side
     * @param batchSize    SQS batch size of the inference side
     * @param batchingWindow the poller's batching window
     * @param timeout      how long to wait for all answers after the submission ends
     * @param spotChecks   answers read back through GET /qa/{id} as a client would
     */
    public record Options(int questions, double httpShare, int httpClients, int bulkSenders, Path model, int pollers,
            int batchSize, Duration batchingWindow, Duration timeout, int spotChecks) {

        public static Options defaults() {
            return new Options(10_000, 0.5, 16, 4, null, 4, 32, Duration.ofMillis(50), Duration.ofMinutes(10), 200);
        }

        public Options withQuestions(int n) {
            return new Options(n, httpShare, httpClients, bulkSenders, model, pollers, batchSize, batchingWindow, timeout, spotChecks);
        }

        public Options withHttpClients(int n) {
            return new Options(questions, httpShare, n, bulkSenders, model, pollers, batchSize, batchingWindow, timeout, spotChecks);
        }

        public Options withPollers(int n) {
            return new Options(questions, httpShare, httpClients, bulkSenders, model, n, batchSize, batchingWindow, timeout, spotChecks);
        }

        public Options withModel(Path dir) {
            return new Options(questions, httpShare, httpClients, bulkSenders, dir, pollers, batchSize, batchingWindow, timeout, spotChecks);
        }

        public Options withSpotChecks(int n) {
            return new Options(questions, httpShare, httpClients, bulkSenders, model, pollers, batchSize, batchingWindow, timeout, n);
        }

        public Options withTimeout(Duration d) {
            return new Options(questions, httpShare, httpClients, bulkSenders, model, pollers, batchSize, batchingWindow, d, spotChecks);
        }
    }

    /** What a run measured and found. {@code problems} is empty when every check passed. */
    public record Result(int questions, int viaHttp, int viaBulk, Duration startup, Duration submit, Duration drain,
            Duration total, double endToEndPerSecond, double httpPerSecond, long httpP50Micros, long httpP99Micros,
            long httpMaxMicros, double bulkPerSecond, long bulkRequests, long bulkRetried, long done, long failed,
            long answeredCorrectly, long duplicatesRefused, long pendingCreated, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private LoadTest() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).execute(args));
    }

    /** The command line of {@code scripts/load-test}; the defaults are {@link Options#defaults()}. */
    @Command(name = "load-test", mixinStandardHelpOptions = true, sortOptions = false,
            description = "The whole pipeline in this JVM, N questions through POST /qa and the bulk path at once,"
                    + " then the checks: none lost, none answered twice, every answer the expected one.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:every check passed", "1:a check failed, or the timeout passed", "2:invalid command line"})
    static final class Cli implements Callable<Integer> {
        @Option(names = "--questions", defaultValue = "10000", description = "questions in total (default ${DEFAULT-VALUE})")
        int questions;
        @Option(names = "--http-share", defaultValue = "0.5", description = "fraction sent through POST /qa, 0..1 (default ${DEFAULT-VALUE})")
        double httpShare;
        @Option(names = "--http-clients", defaultValue = "16", description = "concurrent HTTP clients (default ${DEFAULT-VALUE})")
        int httpClients;
        @Option(names = "--bulk-senders", defaultValue = "4", description = "concurrent bulk senders (default ${DEFAULT-VALUE})")
        int bulkSenders;
        @Option(names = "--pollers", defaultValue = "4", description = "inference pollers (default ${DEFAULT-VALUE})")
        int pollers;
        @Option(names = "--batch-size", defaultValue = "32", description = "SQS batch size (default ${DEFAULT-VALUE})")
        int batchSize;
        @Option(names = "--batching-window-ms", defaultValue = "50", description = "batching window (default ${DEFAULT-VALUE})")
        long batchingWindowMs;
        @Option(names = "--timeout", defaultValue = "10m", converter = DurationConverter.class,
                description = "wait for all answers at most this long: 90s, 10m, 1h, PT5M (default ${DEFAULT-VALUE})")
        Duration timeout;
        @Option(names = "--spot-checks", defaultValue = "200", description = "answers read back by GET (default ${DEFAULT-VALUE})")
        int spotChecks;
        @Option(names = "--model", paramLabel = "DIR", description = "model directory (default: the fixture; answers checked only for it)")
        Path model;
        @Spec
        CommandSpec spec;

        Options options() {
            for (var positive : List.of(Map.entry("--questions", questions), Map.entry("--http-clients", httpClients),
                    Map.entry("--bulk-senders", bulkSenders), Map.entry("--pollers", pollers),
                    Map.entry("--batch-size", batchSize))) {
                if (positive.getValue() < 1) {
                    throw new ParameterException(spec.commandLine(), positive.getKey() + " must be at least 1");
                }
            }
            if (httpShare < 0 || httpShare > 1) {
                throw new ParameterException(spec.commandLine(), "--http-share must be 0..1");
            }
            return new Options(questions, httpShare, httpClients, bulkSenders, model, pollers, batchSize,
                    Duration.ofMillis(batchingWindowMs), timeout, spotChecks);
        }

        @Override
        public Integer call() throws Exception {
            Result result = run(options(), System.out);
            System.out.flush();
            return result.ok() ? 0 : 1;
        }
    }

    /** 90s, 10m, 1h, 250ms, PT5M, or plain seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String raw) {
            String s = raw.trim().toLowerCase(Locale.ROOT);
            if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            if (s.endsWith("s")) return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            if (s.endsWith("m")) return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            if (s.endsWith("h")) return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
            if (s.startsWith("pt")) return Duration.parse(raw.trim().toUpperCase(Locale.ROOT));
            return Duration.ofSeconds(Long.parseLong(s));
        }
    }

    /** Runs one load test and prints its figures; never throws for a failed check, it reports it. */
    public static Result run(Options o, PrintStream out) throws IOException, InterruptedException {
        if (o.questions() < 1) throw new IllegalArgumentException("questions must be at least 1");
        Path model = o.model() != null ? o.model() : fixtureModel();
        boolean fixture = o.model() == null;
        String tag = UUID.randomUUID().toString().substring(0, 8);
        LocalConfig config = LocalConfig.builder(environment(o, tag)).withModel(model.toString()).pollers(o.pollers())
                .batchSize(o.batchSize()).batchingWindow(o.batchingWindow()).queueName("qa-load-" + tag).build();

        List<FixtureQuestions.Question> questions = FixtureQuestions.generate(o.questions());
        int viaHttp = (int) Math.round(o.questions() * o.httpShare());
        List<FixtureQuestions.Question> httpQuestions = questions.subList(0, viaHttp);
        List<FixtureQuestions.Question> bulkQuestions = questions.subList(viaHttp, questions.size());
        out.printf(Locale.ROOT, "load test: %,d questions (%,d over HTTP with %d clients, %,d bulk with %d senders), "
                        + "model %s, %d pollers, batches of %d%n",
                o.questions(), viaHttp, o.httpClients(), bulkQuestions.size(), o.bulkSenders(), model, o.pollers(),
                o.batchSize());

        long t0 = System.nanoTime();
        try (LocalPipeline pipeline = LocalPipeline.start(config)) {
            Duration startup = since(t0);
            out.printf(Locale.ROOT, "pipeline up in %.1f s: HTTP %s, SQS %s, DynamoDB %s%n", seconds(startup),
                    pipeline.apiUrl(), pipeline.sqsEndpoint(), pipeline.dynamoEndpoint());
            List<String> problems = new ArrayList<>();

            // --- submit: both paths at once ---
            Map<String, FixtureQuestions.Question> byId = new ConcurrentHashMap<>();
            long[] latencies = new long[viaHttp];
            AtomicReferenceArray<String> httpIds = new AtomicReferenceArray<>(viaHttp);
            Map<String, AtomicInteger> httpErrors = new ConcurrentHashMap<>();
            MessageCodec codec = new MessageCodec(QaValidator.fromSettings(config.settings()));
            BulkSubmitter bulk = new BulkSubmitter(pipeline.sqs(), pipeline.queueUrl(), codec,
                    BulkSubmitter.Options.defaults().withSenders(o.bulkSenders()));
            List<QuestionSet> bulkMessages = new ArrayList<>();
            for (FixtureQuestions.Question q : bulkQuestions) {
                String id = "load-" + tag + "-" + q.index();
                byId.put(id, q);
                bulkMessages.add(QuestionSet.single(id, q.question(), q.context(), 1, null));
            }

            long submitStart = System.nanoTime();
            long[] httpEnd = new long[1];
            BulkSubmitter.Report bulkReport;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            ExecutorService clients = Executors.newFixedThreadPool(Math.max(1, o.httpClients()));
            ExecutorService bulkThread = Executors.newSingleThreadExecutor();
            try {
                Future<BulkSubmitter.Report> bulkFuture = bulkThread.submit(() -> bulk.submit(bulkMessages.iterator()));
                AtomicInteger next = new AtomicInteger();
                URI post = pipeline.apiUrl().resolve("/qa");
                List<Future<?>> workers = new ArrayList<>();
                for (int c = 0; c < o.httpClients(); c++) {
                    workers.add(clients.submit(() -> {
                        for (int i; (i = next.getAndIncrement()) < viaHttp; ) {
                            FixtureQuestions.Question q = httpQuestions.get(i);
                            long start = System.nanoTime();
                            String outcome = postQuestion(http, post, q, httpIds, i);
                            latencies[i] = System.nanoTime() - start;
                            if (outcome != null) httpErrors.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> w : workers) get(w);
                httpEnd[0] = System.nanoTime();
                bulkReport = get(bulkFuture);
            } finally {
                clients.shutdownNow();
                bulkThread.shutdownNow();
            }
            long submitEnd = System.nanoTime();
            CountingRequestStore.Stats atSubmitEnd = pipeline.storeStats();
            for (int i = 0; i < viaHttp; i++) {
                String id = httpIds.get(i);
                if (id != null) byId.put(id, httpQuestions.get(i));
            }
            httpErrors.forEach((what, n) -> problems.add("HTTP submit: " + n.get() + " × " + what));
            if (!bulkReport.allSent()) {
                problems.add("bulk submit: " + bulkReport.invalid().size() + " invalid, " + bulkReport.failed().size()
                        + " failed" + (bulkReport.abortedBecause() == null ? "" : ", stopped: " + bulkReport.abortedBecause()));
            }
            long[] sorted = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
            double httpSeconds = (httpEnd[0] - submitStart) / 1e9;
            out.printf(Locale.ROOT, "submitted in %.1f s: HTTP %,d in %.1f s (%,.0f req/s; latency p50 %.1f ms, p99 %.1f ms, "
                            + "max %.1f ms), bulk %,d in %.1f s (%,.0f msg/s, %,d SendMessageBatch requests, %,d retried); "
                            + "%,d already answered%n",
                    (submitEnd - submitStart) / 1e9, viaHttp, httpSeconds, viaHttp / Math.max(1e-9, httpSeconds),
                    Stats.percentile(sorted, 50) / 1e6, Stats.percentile(sorted, 99) / 1e6, Stats.percentile(sorted, 100) / 1e6,
                    bulkReport.sent(), seconds(bulkReport.elapsed()), bulkReport.messagesPerSecond(),
                    bulkReport.requests(), bulkReport.retriedEntries(), atSubmitEnd.done() + atSubmitEnd.failed());

            // --- drain: the store's own counters (in-process, cheap), bounded by the timeout ---
            int expected = byId.size();
            long deadline = System.nanoTime() + o.timeout().toNanos();
            long lastReport = System.nanoTime();
            CountingRequestStore.Stats stats = pipeline.storeStats();
            while (stats.done() + stats.failed() < expected && System.nanoTime() < deadline) {
                Thread.sleep(20);
                stats = pipeline.storeStats();
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    lastReport = System.nanoTime();
                    out.printf(Locale.ROOT, "  draining: %,d/%,d completed after %.0f s%n", stats.done() + stats.failed(),
                            expected, (System.nanoTime() - submitStart) / 1e9);
                }
            }
            long drainEnd = System.nanoTime();
            boolean timedOut = stats.done() + stats.failed() < expected;
            if (timedOut) problems.add("timeout: only " + (stats.done() + stats.failed()) + " of " + expected
                    + " completed within " + o.timeout());

            // --- verify: every id read back from the table (BatchGetItem, consistent) ---
            AnswerCollector collector = new AnswerCollector(pipeline.dynamo(), pipeline.config().tableName());
            AnswerCollector.Outcome outcome = collector.await(byId.keySet(), timedOut ? Duration.ZERO : Duration.ofSeconds(30),
                    Duration.ofMillis(200), null);
            long done = 0;
            long failed = 0;
            long correct = 0;
            List<String> wrong = new ArrayList<>();
            List<String> lost = new ArrayList<>();
            for (AnswerCollector.Result r : outcome.results().values()) {
                FixtureQuestions.Question q = byId.get(r.id());
                switch (r.status()) {
                    case "DONE" -> done++;
                    case "FAILED" -> failed++;
                    default -> lost.add(r.id() + " " + r.status());
                }
                if (!r.complete()) continue;
                Answer a = r.answer();
                String got = a == null ? null : a.text();
                boolean right = r.status().equals("DONE") && java.util.Objects.equals(q.expected(), got)
                        && (a == null || q.context().substring(a.start(), a.end()).equals(a.text()));
                if (right) {
                    correct++;
                } else if (fixture) {
                    wrong.add(r.id() + ": expected " + q.expected() + ", got " + r.status() + " " + got
                            + (r.error() == null ? "" : " " + r.error()));
                }
            }
            if (!lost.isEmpty()) problems.add(lost.size() + " lost (not DONE/FAILED): " + first(lost));
            if (!wrong.isEmpty()) problems.add(wrong.size() + " wrong answers: " + first(wrong));

            // --- spot checks through the client's path, GET /qa/{id} ---
            List<String> sample = new ArrayList<>(byId.keySet());
            Collections.shuffle(sample, new Random(42));
            sample = sample.subList(0, Math.min(o.spotChecks(), sample.size()));
            int spotWrong = 0;
            for (String id : sample) {
                JsonNode got = getRecord(http, pipeline.apiUrl().resolve("/qa/" + id));
                FixtureQuestions.Question q = byId.get(id);
                String text = got == null || got.path("answer").isNull() ? null : got.path("answer").path("text").asText();
                if (got == null || !"DONE".equals(got.path("status").asText())
                        || (fixture && !java.util.Objects.equals(q.expected(), text))
                        || !q.question().equals(got.path("question").asText())) {
                    spotWrong++;
                }
            }
            if (spotWrong > 0) problems.add(spotWrong + " of " + sample.size() + " GET /qa/{id} spot checks disagree");

            // --- exactly once: the store's effective completions must be exactly N ---
            stats = pipeline.storeStats();
            if (stats.done() + stats.failed() != expected) {
                problems.add("completions: done " + stats.done() + " + failed " + stats.failed() + " != " + expected
                        + (stats.done() + stats.failed() > expected ? " (answered twice)" : ""));
            }
            if (byId.size() != o.questions()) problems.add((o.questions() - byId.size()) + " questions were not submitted");
            if (stats.created() != viaHttp) problems.add("PENDING records " + stats.created() + " != HTTP submissions " + viaHttp);

            Duration total = Duration.ofNanos(drainEnd - submitStart);
            Result result = new Result(o.questions(), viaHttp, bulkQuestions.size(), startup,
                    Duration.ofNanos(submitEnd - submitStart), Duration.ofNanos(Math.max(0, drainEnd - submitEnd)), total,
                    stats.done() + stats.failed() == 0 ? 0 : (stats.done() + stats.failed()) / seconds(total),
                    viaHttp / Math.max(1e-9, httpSeconds), Stats.percentile(sorted, 50) / 1000, Stats.percentile(sorted, 99) / 1000,
                    Stats.percentile(sorted, 100) / 1000, bulkReport.messagesPerSecond(), bulkReport.requests(),
                    bulkReport.retriedEntries(), done, failed, correct, stats.duplicatesRefused(), stats.created(),
                    List.copyOf(problems));
            print(out, result, o, fixture, sample.size(), spotWrong);
            return result;
        }
    }

    private static void print(PrintStream out, Result r, Options o, boolean fixture, int spotChecks, int spotWrong) {
        out.printf(Locale.ROOT, """
                        ---- results ----
                        questions            %,d (HTTP %,d, bulk %,d)
                        total time           %.2f s (first submit to last completion)
                        end-to-end           %,.0f questions/s
                        submit               %.2f s
                          HTTP POST /qa      %,.0f req/s with %d clients; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms
                          bulk (SQS batch)   %,.0f msg/s, %,d requests, %,d entries retried
                        time to drain        %.2f s (end of submission to last completion)
                        completed            DONE %,d, FAILED %,d, lost %,d
                        answers              %s
                        exactly once         effective completions %,d for %,d questions; duplicate completions refused %,d
                        spot checks          %d GET /qa/{id}, %d disagree
                        pipeline start       %.1f s
                        """,
                r.questions(), r.viaHttp(), r.viaBulk(), seconds(r.total()), r.endToEndPerSecond(), seconds(r.submit()),
                r.httpPerSecond(), o.httpClients(), r.httpP50Micros() / 1000.0, r.httpP99Micros() / 1000.0,
                r.httpMaxMicros() / 1000.0, r.bulkPerSecond(), r.bulkRequests(), r.bulkRetried(), seconds(r.drain()),
                r.done(), r.failed(), r.questions() - r.done() - r.failed(),
                fixture ? String.format(Locale.ROOT, "%,d of %,d as expected (fixture pointer rule)", r.answeredCorrectly(),
                        r.questions()) : "not checked (not the fixture model)",
                r.done() + r.failed(), r.questions(), r.duplicatesRefused(), spotChecks, spotWrong,
                seconds(r.startup()));
        if (r.ok()) {
            out.println("PASS");
        } else {
            r.problems().forEach(p -> out.println("FAIL: " + p));
        }
    }

    /** Null when accepted; otherwise what went wrong, to be counted. */
    private static String postQuestion(HttpClient http, URI post, FixtureQuestions.Question q,
            AtomicReferenceArray<String> ids, int index) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("context", q.context());
        body.put("question", q.question());
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(post)
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) return "status " + response.statusCode() + " " + response.body();
            ids.set(index, Json.MAPPER.readTree(response.body()).get("id").asText());
            return null;
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static JsonNode getRecord(HttpClient http, URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Json.MAPPER.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Map<String, String> environment(Options o, String tag) {
        Map<String, String> env = new HashMap<>();
        // QA_* settings from the caller's environment (model, limits, ...), never its queue
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("QA_") && !k.equals("QA_QUEUE_URL")) env.put(k, v);
        });
        env.put("AWS_REGION", "us-east-1");
        env.put("QA_HTTP_PORT", "0");
        env.put("QA_TABLE_NAME", "qa-load-" + tag);
        return env;
    }

    /** model/fixtures/tiny-qa: from -Dqa.fixture.dir, or found from the working directory upwards. */
    static Path fixtureModel() throws IOException {
        String property = System.getProperty("qa.fixture.dir");
        if (property != null) return Path.of(property).toAbsolutePath().normalize();
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("model/fixtures/tiny-qa");
            if (Files.isRegularFile(candidate.resolve("config.json"))) return candidate;
        }
        throw new IOException("model/fixtures/tiny-qa not found from " + Path.of("").toAbsolutePath() + "; use --model");
    }

    /** The options of a command line; null when it asks for help. */
    static Options parse(String[] args) {
        Cli cli = new Cli();
        CommandLine cl = new CommandLine(cli);
        cl.parseArgs(args);
        return cl.isUsageHelpRequested() || cl.isVersionHelpRequested() ? null : cli.options();
    }

    private static String first(List<String> items) {
        return String.join("; ", items.subList(0, Math.min(5, items.size()))) + (items.size() > 5 ? "; ..." : "");
    }

    private static <T> T get(Future<T> future) throws InterruptedException {
        try {
            return future.get(1, TimeUnit.HOURS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a submitter failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("a submitter did not finish", e);
        }
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
