package dev.batchqa.bench;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.EngineStats;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Throughput of the batched engine against the naive approach (one question per forward pass, padded to
 * maxSeqLength), side by side in one JVM: for every batch size B and sequence length L, B synthetic questions whose
 * input is exactly L tokens (one window each) are answered by both, in alternating order, iteration after iteration.
 */
public final class EngineBenchmark {


    public static void main(String[] argv) {
        System.exit(new CommandLine(new Options()).execute(argv));
    }

    @Command(name = "EngineBenchmark", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Throughput of the batched engine against the naive approach (one question per pass, padded to maxSeqLength), side by side in one JVM.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:done", "1:the run failed (model, data or I/O error; stack trace on stderr)", "2:invalid command line"})
    static final class Options implements Callable<Integer> {
        @Mixin ModelOptions model;
        @Option(names = "--batch-sizes", split = ",", defaultValue = "1,8,32", description = "default ${DEFAULT-VALUE}") List<Integer> batchSizes;
        @Option(names = "--seq-lengths", split = ",", defaultValue = "128,256,384", description = "default ${DEFAULT-VALUE}") List<Integer> seqLengths;
        @Option(names = "--iterations", defaultValue = "10", description = "timed iterations per cell and mode (default ${DEFAULT-VALUE})") int iterations;
        @Option(names = "--warmup", defaultValue = "1", description = "untimed iterations (default ${DEFAULT-VALUE})") int warmup;
        @Option(names = "--cell-seconds", paramLabel = "S", description = "stop a cell early after S seconds once 2 iterations are done (default: none)") Double cellSeconds;
        @Option(names = "--tuned-max-tokens-per-pass", paramLabel = "N", description = "also run a third engine, the defaults with maxTokensPerPass N") Integer tunedMaxTokensPerPass;

        @Override
        public Integer call() throws Exception {
            run(this);
            return 0;
        }
    }

    static void run(Options o) throws Exception {
        Path modelDir = o.model.model;
        List<Integer> batchSizes = o.batchSizes;
        List<Integer> seqLengths = o.seqLengths;
        int iterations = o.iterations;
        int warmup = o.warmup;
        double cellSeconds = o.cellSeconds != null ? o.cellSeconds
                : Double.POSITIVE_INFINITY;

        EngineOptions.Builder common = o.model.engineOptions();
        EngineOptions.Builder naiveConfig = common.withPadToMaxLength(true).withMaxWindowsPerPass(1);
        EngineOptions.Builder engineConfig = common;
        Integer tunedTokens = o.tunedMaxTokensPerPass;
        EngineOptions.Builder tunedConfig = common.withMaxTokensPerPass(tunedTokens == null ? 8192 : tunedTokens);
        try (QaEngine naive = QaEngine.load(naiveConfig);
                QaEngine engine = QaEngine.load(engineConfig);
                QaEngine tuned = tunedTokens == null ? null : QaEngine.load(tunedConfig);
                SyntheticQuestions synthetic = SyntheticQuestions.create(
                        modelDir.resolve(engine.options().tokenizerFile()))) {
            int maxSeq = engine.options().maxSeqLength();
            printEnvironment(modelDir, engine, iterations, warmup);
            if (tuned != null) {
                System.out.printf(Locale.ROOT, "TUNED = defaults with maxTokensPerPass %d (last columns)%n", tunedTokens);
            }
            System.out.printf(Locale.ROOT, "%n%4s %4s | %9s %9s %7s | %9s %9s %9s %9s | %11s %11s | %s%n",
                    "B", "L", "naive q/s", "engine q/s", "ratio", "naive p50", "naive p99", "engine p50",
                    "engine p99", "naive pass", "engine pass", "iterations"
                            + (tuned == null ? "" : " | tuned q/s  ratio tuned p50 tuned pass"));
            System.out.printf(Locale.ROOT, "%4s %4s | %9s %9s %7s | %9s %9s %9s %9s | %11s %11s |%n",
                    "", "", "", "", "eng/nai", "ms/batch", "ms/batch", "ms/batch", "ms/batch", "per batch", "per batch");
            for (int seq : seqLengths) {
                if (seq > maxSeq) {
                    System.out.printf(Locale.ROOT, "skip L=%d: above max_seq_length %d%n", seq, maxSeq);
                    continue;
                }
                for (int batch : batchSizes) {
                    List<QaQuery> queries = synthetic.questions(batch, seq, 31L * seq + batch);
                    runCell(tuned == null ? List.of(naive, engine) : List.of(naive, engine, tuned), queries, seq,
                            warmup, iterations, cellSeconds);
                }
            }
            System.out.printf(Locale.ROOT, "%nload average at the end: %.2f%n",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static void runCell(List<QaEngine> engines, List<QaQuery> queries, int seq, int warmup,
            int iterations, double cellSeconds) {
        int n = engines.size();
        for (int w = 0; w < warmup; w++) {
            for (QaEngine e : engines) {
                check(e.answerAll(queries), seq);
            }
        }
        List<List<Double>> millis = new ArrayList<>();
        List<EngineStats> before = new ArrayList<>();
        for (QaEngine e : engines) {
            millis.add(new ArrayList<>());
            before.add(e.stats());
        }
        long cellStart = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            // rotate the order so that drift (other load, heat) hits all modes alike
            for (int k = 0; k < n; k++) {
                int m = (i + k) % n;
                long t0 = System.nanoTime();
                List<QaResult> results = engines.get(m).answerAll(queries);
                millis.get(m).add((System.nanoTime() - t0) / 1e6);
                check(results, seq);
            }
            if (i + 1 >= 2 && (System.nanoTime() - cellStart) / 1e9 > cellSeconds) {
                break;
            }
        }
        List<LatencyStats> stats = new ArrayList<>();
        List<EngineStats> counts = new ArrayList<>();
        for (int m = 0; m < n; m++) {
            stats.add(LatencyStats.of(millis.get(m), queries.size()));
            counts.add(engines.get(m).stats().minus(before.get(m)));
        }
        LatencyStats ns = stats.get(0);
        LatencyStats es = stats.get(1);
        EngineStats nc = counts.get(0);
        EngineStats ec = counts.get(1);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%4d %4d | %9.2f %9.2f %6.2fx | %9.0f %9.0f %9.0f %9.0f | %4.1f x %4d %4.1f x %4d | %d",
                queries.size(), seq, ns.questionsPerSecond(), es.questionsPerSecond(),
                es.questionsPerSecond() / ns.questionsPerSecond(), ns.percentile(50), ns.percentile(99),
                es.percentile(50), es.percentile(99),
                (double) nc.forwardPasses() / ns.samples(), nc.paddedTokens() / Math.max(1, nc.windows()),
                (double) ec.forwardPasses() / es.samples(), ec.paddedTokens() / Math.max(1, ec.windows()),
                ns.samples()));
        if (n > 2) {
            LatencyStats ts = stats.get(2);
            EngineStats tc = counts.get(2);
            line.append(String.format(Locale.ROOT, " | %9.2f %6.2fx %9.0f %4.1f x %4d", ts.questionsPerSecond(),
                    ts.questionsPerSecond() / ns.questionsPerSecond(), ts.percentile(50),
                    (double) tc.forwardPasses() / ts.samples(), tc.paddedTokens() / Math.max(1, tc.windows())));
        }
        System.out.println(line);
    }

    /** Every synthetic question must be exactly one window (else the cell measures something else). */
    private static void check(List<QaResult> results, int seq) {
        for (QaResult r : results) {
            if (r.windows() != 1) {
                throw new IllegalStateException("synthetic question of " + seq + " tokens took " + r.windows()
                        + " windows");
            }
        }
    }

    private static void printEnvironment(Path modelDir, QaEngine engine, int iterations, int warmup)
            throws IOException {
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "machine: %d cores (%s), %.1f GB RAM, load average %.2f at start%n",
                rt.availableProcessors(), cpuModel(), totalRamGb(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "java %s, DJL %s, PyTorch (libtorch) %s, inference-function %s%n",
                System.getProperty("java.version"), Engine.getDjlVersion(), Engine.getEngine("PyTorch").getVersion(),
                artifactVersion());
        Path config = modelDir.resolve("config.json");
        String arch = Files.isRegularFile(config)
                ? new ObjectMapper().readTree(config.toFile()).path("architecture").asText("?") : "?";
        System.out.printf(Locale.ROOT, "model: %s (%s, %s), max_seq_length %d, threads %d, TorchScript graph "
                        + "optimizer %s%n", modelDir, arch, engine.options().modelFile(),
                engine.options().maxSeqLength(), engine.options().threads(),
                System.getProperty("ai.djl.pytorch.graph_optimizer", "on (DJL default)"));
        System.out.printf(Locale.ROOT, "NAIVE = one question per forward pass padded to %d (padToMaxLength, "
                        + "maxWindowsPerPass 1); ENGINE = defaults (length-grouped passes, <= %d windows and <= %d "
                        + "tokens per pass)%n", engine.options().maxSeqLength(), engine.options().maxWindowsPerPass(),
                engine.options().maxTokensPerPass());
        System.out.printf(Locale.ROOT, "each cell: %d warm-up + up to %d timed iterations per mode, modes alternating; "
                + "latency = one answerAll of the B questions; p99 is nearest-rank (= max below 100 samples)%n",
                warmup, iterations);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static double totalRamGb() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize() / 1e9;
        }
        return Double.NaN;
    }

    private static String artifactVersion() {
        try (InputStream in = QaEngine.class.getResourceAsStream(
                "/META-INF/maven/dev.batchqa/qa-engine/pom.properties")) {
            if (in == null) {
                return "(classes dir)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return "?";
        }
    }
}
