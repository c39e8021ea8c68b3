package dev.batchqa.bench;

import dev.batchqa.engine.CpuIsa;
import dev.batchqa.shared.eval.SquadMetrics;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.EngineStats;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The seed's way against the engine's default configuration, on the same SQuAD questions, interleaved in one JVM.
 *
 * <pre>
 * scripts/bench-throughput --model ../shared/models/minilm-squad1 --data ../shared/data/squad/dev-v1.1.json.gz --limit 600
 * </pre>
 *
 * <p>The seed's way is what the seed's handler did: one window per forward pass, unpadded (each window as long as its
 * tokens), all intra-op threads in one predictor, the fp32 {@code model.pt}. The engine is {@link QaEngine} with its
 * defaults (and the model's {@code config.json}). Both answer the questions chunk by chunk ({@code --batch} questions
 * per {@code answerAll}), the two modes alternating which goes first, so that a change in the machine's load hits both
 * alike: on a shared machine only the ratio of one run is worth reading, not the absolute rates of two runs.
 *
 * <p>{@code --also int8-pc-head.pt,bf16.pt} adds engines with the same defaults on other model files of the same
 * directory, {@code --also-tokens-per-pass 512,8192} engines with other pass caps, {@code --also-pad-to-multiple-of 1}
 * engines with other pass length rounding, interleaved with the two others. Windows use the engine's (HuggingFace)
 * stride: {@code doc_stride} context tokens shared by consecutive windows. The last line printed is one JSON object.
 *
 * <p>Each mode's line also gives the seed's CPU time per question over the mode's: on a machine shared with other
 * work the questions/s ratio mostly measures the scheduler (a pool of workers waits for its slowest, preempted one),
 * while CPU per question stays close to what the mode costs; on a quiet machine, as on Lambda, both are worth reading.
 */
@Command(name = "bench-throughput", mixinStandardHelpOptions = true,
        description = "Questions/s and SQuAD EM/F1 of the seed's way and of the engine's default configuration, "
                + "measured interleaved in one JVM; the last line is one JSON object.")
public final class ThroughputBench implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model directory (config.json, model.pt, tokenizer.json)")
    Path model;

    @Option(names = "--data", required = true, description = "SQuAD v1.1 json or json.gz")
    Path data;

    @Option(names = "--limit", description = "first N questions (default: all)")
    Integer limit;

    @Option(names = "--articles", defaultValue = "all", description = "all, first or second half of the articles "
            + "(ArticleSplit), before --limit: choose a variant on the first half, report it on the second")
    String articles;

    @Option(names = "--isa", defaultValue = "native", description = "the ISA profile's name, printed; "
            + "scripts/bench-throughput sets its variables before the JVM starts (they are read when libtorch loads)")
    String isa;

    @Option(names = "--no-peak", description = "skip the GEMM peak measurement (about 3 s)")
    boolean noPeak;

    @Option(names = "--batch", defaultValue = "32", description = "questions per answerAll call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--threads", description = "intra-op threads for both (default: available processors; per worker)")
    Integer threads;

    @Option(names = "--workers", description = "the engine's workers (default: available processors; the seed has 1)")
    Integer workers;

    @Option(names = "--engine-model-file", description = "model file of the engine (default: the model's config)")
    String engineModelFile;

    @Option(names = "--also", split = ",", description = "more model files to run with the engine's defaults")
    List<String> also = new ArrayList<>();

    @Option(names = "--also-tokens-per-pass", split = ",",
            description = "more engines: the defaults with these maxTokensPerPass values")
    List<Integer> alsoTokens = new ArrayList<>();

    @Option(names = "--also-workers", split = ",", description = "more engines: the defaults with these workers values")
    List<Integer> alsoWorkers = new ArrayList<>();

    @Option(names = "--also-pad-to-multiple-of", split = ",",
            description = "more engines: the defaults with these padToMultipleOf values (1: each pass as long as its "
                    + "longest window)")
    List<Integer> alsoPad = new ArrayList<>();

    /** One configuration under test and what it has measured so far. */
    private static final class Mode {
        final String name;
        final QaEngine engine;
        final String[] answers;
        long nanos;
        /** Process CPU time while this mode answered: the modes take turns, so each one's calls are its own. */
        long cpuNanos;

        Mode(String name, QaEngine engine, int questions) {
            this.name = name;
            this.engine = engine;
            this.answers = new String[questions];
        }
    }

    /**
     * The first line: the ISA profile with the caps it set and what the CPU reports, so that a pasted result says on
     * what it ran.
     */
    private void printProfile() {
        CpuIsa cpu = CpuIsa.current();
        var os = ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "isa profile %s: caps %s; the libraries will use %s; CPU %s, flags %s; "
                + "load average %.2f%n", isa, cpu.caps().isEmpty() ? "none" : cpu.caps(), cpu.level(), cpu.modelName(),
                cpu.vectorFlags(), os.getSystemLoadAverage());
    }

    public static void main(String[] argv) {
        System.exit(new CommandLine(new ThroughputBench()).execute(argv));
    }

    @Override
    public Integer call() throws Exception {
        printProfile();
        SquadDataset squad = SquadDataset.read(data);
        List<SquadDataset.Question> qs = switch (articles) {
            case "all" -> squad.questions();
            case "first" -> ArticleSplit.of(squad).first();
            case "second" -> ArticleSplit.of(squad).second();
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "--articles: all, first or second");
        };
        if (limit != null && limit < qs.size()) {
            qs = qs.subList(0, limit);
        }
        EngineOptions.Builder base = EngineOptions.builder(model.toString())
                .withNullThreshold(Double.POSITIVE_INFINITY); // SQuAD v1.1: every question has an answer
        if (threads != null) {
            base = base.withThreads(threads);
        }
        // the seed: one window per pass, no padding (a pass of one window is as long as the window), fp32 model.pt
        EngineOptions.Builder seedConfig = base.withModelFile("model.pt").withMaxWindowsPerPass(1).withPadToMultipleOf(1)
                .withWorkers(1);
        EngineOptions.Builder engineConfig = engineModelFile != null ? base.withModelFile(engineModelFile) : base;
        if (workers != null) {
            engineConfig = engineConfig.withWorkers(workers);
        }
        List<Mode> modes = new ArrayList<>();
        try {
            modes.add(new Mode("seed", QaEngine.load(seedConfig), qs.size()));
            modes.add(new Mode("engine", QaEngine.load(engineConfig), qs.size()));
            for (String file : also) {
                modes.add(new Mode("engine:" + file, QaEngine.load(base.withModelFile(file)), qs.size()));
            }
            for (int n : alsoWorkers) {
                modes.add(new Mode("engine:workers=" + n, QaEngine.load(engineConfig.withWorkers(n)), qs.size()));
            }
            for (int multiple : alsoPad) {
                modes.add(new Mode("engine:pad=" + multiple, QaEngine.load(engineConfig.withPadToMultipleOf(multiple)),
                        qs.size()));
            }
            for (int tokens : alsoTokens) {
                modes.add(new Mode("engine:tokens=" + tokens, QaEngine.load(engineConfig.withMaxTokensPerPass(tokens)),
                        qs.size()));
            }
            System.out.printf(Locale.ROOT, "%d questions (%s, %s articles), batch %d, %d cores available, malloc "
                            + "env: MALLOC_MMAP_THRESHOLD_=%s MALLOC_TRIM_THRESHOLD_=%s OMP_WAIT_POLICY=%s%n", qs.size(),
                    data.getFileName(), articles, batch, Runtime.getRuntime().availableProcessors(), System.getenv("MALLOC_MMAP_THRESHOLD_"),
                    System.getenv("MALLOC_TRIM_THRESHOLD_"), System.getenv("OMP_WAIT_POLICY"));
            for (Mode m : modes) {
                m.engine.warmUp(Duration.ofSeconds(60));
                System.out.printf(Locale.ROOT, "%-8s %s%n", m.name, m.engine.options());
            }
            ModelFlops flops = ModelFlops.of(model.resolve("model.pt"));
            GemmPeak peak = noPeak ? null : GemmPeak.measure();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            double load0 = os.getSystemLoadAverage();
            EngineStats[] before = new EngineStats[modes.size()];
            for (int k = 0; k < modes.size(); k++) before[k] = modes.get(k).engine.stats();
            int chunkNo = 0;
            for (int from = 0; from < qs.size(); from += batch, chunkNo++) {
                List<QaQuery> chunk = new ArrayList<>();
                for (int i = from; i < Math.min(qs.size(), from + batch); i++) {
                    chunk.add(new QaQuery(qs.get(i).question(), qs.get(i).context(), 1));
                }
                for (int k = 0; k < modes.size(); k++) {
                    Mode m = modes.get((k + chunkNo) % modes.size()); // rotate who goes first
                    long c0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    List<QaResult> results = m.engine.answerAll(chunk);
                    m.nanos += System.nanoTime() - t0;
                    m.cpuNanos += os.getProcessCpuTime() - c0;
                    for (int i = 0; i < results.size(); i++) {
                        m.answers[from + i] = results.get(i).bestText();
                    }
                }
            }
            double load1 = os.getSystemLoadAverage();
            System.out.printf(Locale.ROOT, "system load average %.1f at start, %.1f at end%n", load0, load1);
            if (peak != null) {
                System.out.printf(Locale.ROOT, "GEMM peak, one core, [%d x %d x %d] (GFLOP per CPU-second): fp32 %.1f  "
                        + "int8 (dynamic Linear) %.1f  bf16 %.1f  (load %.1f)%n", 2048, 1024, 1024, peak.fp32(),
                        peak.int8(), peak.bf16(), load0);
            }
            double[] qps = new double[modes.size()];
            double[] f1 = new double[modes.size()];
            double[] gflops = new double[modes.size()];
            for (int k = 0; k < modes.size(); k++) {
                Mode m = modes.get(k);
                double em = 0;
                double f = 0;
                for (int i = 0; i < qs.size(); i++) {
                    em += SquadMetrics.maxExactMatch(m.answers[i], qs.get(i).golds());
                    f += SquadMetrics.maxF1(m.answers[i], qs.get(i).golds());
                }
                qps[k] = qs.size() / (m.nanos / 1e9);
                f1[k] = 100 * f / qs.size();
                var s = m.engine.stats();
                System.out.printf(Locale.ROOT, "%-26s %7.2f questions/s  EM %.2f  F1 %.2f  %.1f CPU ms/question  "
                                + "(%.2fx the seed's CPU; %d passes, %d windows, %.1f%% padding, %s, %d workers x %d "
                                + "threads)%n", m.name, qps[k], 100 * em / qs.size(), f1[k], m.cpuNanos / 1e6 / qs.size(),
                        (double) modes.get(0).cpuNanos / m.cpuNanos, s.forwardPasses(), s.windows(),
                        100.0 * (s.paddedTokens() - s.tokens()) / Math.max(1, s.paddedTokens()),
                        m.engine.options().modelFile(), m.engine.options().workers(), m.engine.options().threads());
                gflops[k] = flops.of(s.minus(before[k])) / (m.cpuNanos / 1e9) / 1e9;
            }
            // the model's FLOP (Linears counted from model.pt's weights, attention estimated) per CPU-second of each
            // mode, against the one-core peak of the mode's numeric type: how far each is from the hardware's limit
            StringBuilder line = new StringBuilder("achieved GFLOP per CPU-second (fraction of that type's peak):");
            for (int k = 0; k < modes.size(); k++) {
                String variant = modes.get(k).engine.identity().variant();
                line.append(String.format(Locale.ROOT, "  %s %s %.1f", modes.get(k).name, variant, gflops[k]));
                if (peak != null) line.append(String.format(Locale.ROOT, " (%.0f%%)", 100 * gflops[k] / peak.of(variant)));
            }
            System.out.println(line);
            System.out.printf(Locale.ROOT, "{\"isa\":\"%s\", \"seed_qps\":%.2f, \"engine_qps\":%.2f, \"ratio\":%.2f, "
                    + "\"seed_f1\":%.2f, \"engine_f1\":%.2f, \"engine_variant\":\"%s\", \"questions\":%d, "
                    + "\"fp32_peak\":%.1f, \"int8_peak\":%.1f, \"seed_gflops\":%.1f, \"engine_gflops\":%.1f, "
                    + "\"cpu_ratio\":%.2f, \"load\":%.1f}%n", isa, qps[0], qps[1], qps[1] / qps[0], f1[0], f1[1],
                    modes.get(1).engine.identity().variant(), qs.size(), peak == null ? Double.NaN : peak.fp32(),
                    peak == null ? Double.NaN : peak.int8(), gflops[0], gflops[1],
                    (double) modes.get(0).cpuNanos / modes.get(1).cpuNanos, load1);
            return 0;
        } finally {
            for (Mode m : modes) {
                m.engine.close();
            }
        }
    }
}
