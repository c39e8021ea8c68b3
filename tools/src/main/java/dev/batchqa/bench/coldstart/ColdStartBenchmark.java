package dev.batchqa.bench.coldstart;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchqa.tools.Stats;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * Cold start, measured: launches {@link ColdStartProbe} in fresh JVMs, interleaved over the variants, and prints the
 * median (min-max) of every phase per variant and the ratios to variant A.
 *
 * <ul>
 *   <li><b>A pre-extracted</b> (the Dockerfile's way): libtorch unpacked once beforehand from the
 *       {@code pytorch-native-cpu} jar into a directory, {@code PYTORCH_LIBRARY_PATH}/{@code PYTORCH_VERSION}/
 *       {@code PYTORCH_FLAVOR} set, the native jar not on the child's classpath.
 *   <li><b>B unpacked on first use</b>: the native jar on the classpath, no {@code PYTORCH_*} variable; DJL copies
 *       libtorch (~450 MB) out of the jar into the empty cache at every cold start.
 *   <li><b>C</b> = A with {@code -XX:+TieredCompilation -XX:TieredStopAtLevel=1} (C1 only).
 *   <li><b>D</b> = A with {@code -Dai.djl.pytorch.graph_optimizer=false}: TorchScript's profiling graph executor
 *       off, so the first calls are not profiling runs (and later calls not fused).
 * </ul>
 *
 * <p>Every run gets a fresh, empty {@code DJL_CACHE_DIR} (a Lambda cold start with an empty /tmp) and
 * {@code DJL_OFFLINE=true}. The child classpath is this JVM's own ({@code java.class.path}: the tools module's
 * runtime classpath), with or without the native jar.
 *
 * <pre>
 * ColdStartBenchmark --model DIR [--runs 5] [--java PATH] [--variants A,B,C] [--modes handler,split]
 *                    [--warmup 1] [--work DIR] [--keep] [--out results.jsonl] [--jvm-opt OPT]...
 * </pre>
 */
public final class ColdStartBenchmark {

    private static final String PROBE = ColdStartProbe.class.getName();
    private static final long CHILD_TIMEOUT_SECONDS = 600;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Variant(String id, String label, boolean preExtracted, List<String> jvmFlags) {}

    /**
     * The flags every child JVM starts with, as the Lambda java17/java21 runtimes start a function (and as
     * {@code scripts/lambda-rehearsal} does): C1 only and the serial collector. A variant's own flags come after them
     * and win.
     */
    static final List<String> RUNTIME_FLAGS =
            List.of("-XX:+UseSerialGC", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");

    static final List<Variant> ALL_VARIANTS = List.of(
            new Variant("A", "pre-extracted", true, List.of()),
            new Variant("B", "unpacked on first use", false, List.of()),
            new Variant("C", "A + C2 (full tiering)", true, List.of("-XX:TieredStopAtLevel=4")),
            new Variant("D", "A + no graph optimizer", true, List.of("-Dai.djl.pytorch.graph_optimizer=false")));

    /** One row of the table: the probe's field and its label. */
    record Row(String field, String label) {}

    static final List<Row> HANDLER_ROWS = List.of(
            new Row("spawnToMainMs", "JVM start: spawn -> main (driver clock)"),
            new Row("procStartToMainMs", "JVM start: ProcessHandle start -> main"),
            new Row("jvmStartToMainMs", "JVM start: RuntimeMXBean start -> main"),
            new Row("engineLoadMs", "engine load: Engine.getEngine(\"PyTorch\")"),
            new Row("qaEngineLoadMs", "QaEngine.load (model + tokenizer)"),
            new Row("warmUpMs", "QaEngine.warmUp (as the function's init runs it)"),
            new Row("firstAnswerMs", "first answer (QaEngine.answer)"),
            new Row("mainToFirstAnswerMs", "main -> first answer"),
            new Row("spawnToLoadedMs", "spawn -> QaEngine loaded and warmed (= Lambda init phase)"),
            new Row("spawnToFirstAnswerMs", "TOTAL spawn -> first answer"),
            new Row("procStartToFirstAnswerMs", "TOTAL ProcessHandle start -> first answer"),
            new Row("secondAnswerMs", "second answer (same question)"),
            new Row("thirdAnswerMs", "third answer (same question)"),
            new Row("otherQuestionMs", "fourth: another question (new input length)"),
            new Row("engineLoadCpuMs", "CPU: engine load"),
            new Row("qaEngineLoadCpuMs", "CPU: QaEngine.load"),
            new Row("firstAnswerCpuMs", "CPU: first answer"),
            new Row("cpuToFirstAnswerMs", "CPU: process total to first answer"),
            new Row("loadAvg1", "machine load average (1 min) before the run"),
            new Row("driverWallMs", "spawn -> process exit (driver clock)"),
            new Row("peakRssMb", "peak RSS, MB"),
            new Row("djlCacheMb", "DJL_CACHE_DIR after the run, MB"));

    static final List<Row> SPLIT_ROWS = List.of(
            new Row("spawnToMainMs", "JVM start: spawn -> main (driver clock)"),
            new Row("engineLoadMs", "engine load: Engine.getEngine(\"PyTorch\")"),
            new Row("tokenizerLoadMs", "tokenizer load: HuggingFaceTokenizer (cold)"),
            new Row("modelLoadMs", "model load: Criteria.loadModel (cold)"),
            new Row("qaEngineLoadMs", "QaEngine.load after both (warm libs)"),
            new Row("firstAnswerMs", "first answer (QaEngine.answer)"),
            new Row("secondAnswerMs", "second answer (same question)"),
            new Row("thirdAnswerMs", "third answer (same question)"));

    private ColdStartBenchmark() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new Options()).execute(args));
    }

    @Command(name = "ColdStartBenchmark", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Cold start of the inference path in fresh child JVMs, per libtorch variant (A-D) and mode.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:done", "1:a run failed (child JVM, model or I/O error; stack trace on stderr)",
                    "2:invalid command line"})
    static final class Options implements Callable<Integer> {
        @Option(names = "--model", paramLabel = "DIR", description = "model directory (config.json, model.pt, tokenizer.json)")
        Path model;
        @Option(names = "--runs", defaultValue = "5", description = "measured runs per variant and mode (default ${DEFAULT-VALUE})")
        int runs;
        @Option(names = "--java", paramLabel = "PATH", description = "java executable of the child JVMs (default: this JVM's)")
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        @Option(names = "--variants", split = ",", defaultValue = "A,B,C,D", paramLabel = "LIST",
                description = "any of A,B,C,D (default all; A first, as the ratios are to A)")
        List<String> variants;
        @Option(names = "--modes", split = ",", defaultValue = "handler,split", paramLabel = "LIST",
                description = "handler (Lambda path) and/or split (tokenizer/model separately); default both")
        List<String> modes;
        @Option(names = "--warmup", defaultValue = "1", description = "unrecorded rounds first, to warm the page cache (default ${DEFAULT-VALUE})")
        int warmup;
        @Option(names = "--work", paramLabel = "DIR", description = "scratch directory (default: a new temp dir, deleted at the end)")
        Path work;
        @Option(names = "--keep", description = "keep the scratch directory (extracted libtorch, last caches, logs)")
        boolean keep;
        @Option(names = "--out", paramLabel = "FILE", description = "also write every run's figures as JSON lines")
        Path out;
        @Option(names = "--jvm-opt", paramLabel = "OPT", description = "extra option for every child JVM (repeatable), e.g. -Xmx2g")
        List<String> jvmOpts = new ArrayList<>();
        @Option(names = "--report-from", paramLabel = "FILE", description = "print the table of a previous run's --out file (no runs; --model not needed)")
        Path reportFrom;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            check();
            Runner runner = new Runner(this, System.out, System.err);
            if (reportFrom != null) {
                runner.replay(reportFrom);
            } else {
                runner.run();
            }
            return 0;
        }

        /** Normalizes the values and checks what picocli cannot: a usage error (exit 2) names the option. */
        void check() {
            model = model == null ? null : model.toAbsolutePath();
            work = work == null ? null : work.toAbsolutePath();
            out = out == null ? null : out.toAbsolutePath();
            reportFrom = reportFrom == null ? null : reportFrom.toAbsolutePath();
            variants = variants.stream().map(v -> v.strip().toUpperCase(Locale.ROOT)).filter(v -> !v.isEmpty()).toList();
            modes = modes.stream().map(m -> m.strip().toLowerCase(Locale.ROOT)).filter(m -> !m.isEmpty()).toList();
            if (model == null && reportFrom == null) usage("--model DIR is required");
            if (runs < 1 || warmup < 0) usage("--runs must be >= 1 and --warmup >= 0");
            for (String v : variants) {
                if (ALL_VARIANTS.stream().noneMatch(x -> x.id().equals(v))) usage("unknown variant " + v + " (A, B, C, D)");
            }
            for (String m : modes) {
                if (!m.equals("handler") && !m.equals("split")) usage("unknown mode " + m + " (handler, split)");
            }
        }

        private void usage(String message) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /** What was extracted for the pre-extracted variants. */
    record Libtorch(Path dir, String version, String flavor, String classifier, double extractMs, long bytes) {}

    static final class Runner {
        private final Options o;
        private final PrintStream out;
        private final PrintStream log;
        private final List<Variant> variants;
        /** variant id -> mode -> field -> values */
        private final Map<String, Map<String, Map<String, List<Double>>>> results = new LinkedHashMap<>();
        private final Map<String, String> firstCacheListing = new HashMap<>();
        private final List<String> answers = new ArrayList<>();

        Runner(Options o, PrintStream out, PrintStream log) {
            this.o = o;
            this.out = out;
            this.log = log;
            this.variants = ALL_VARIANTS.stream().filter(v -> o.variants.contains(v.id())).toList();
        }

        void run() throws IOException, InterruptedException {
            if (!Files.isDirectory(o.model)) {
                throw new IllegalArgumentException("model directory not found: " + o.model);
            }
            List<String> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(e -> !e.isBlank())
                    .filter(e -> !isTestOnly(e))
                    .toList();
            List<String> nativeJars = classpath.stream().filter(ColdStartBenchmark::isNativeJar).toList();
            if (nativeJars.size() != 1) {
                throw new IllegalStateException("expected exactly one pytorch-native-* jar on the classpath, found "
                        + nativeJars + " (run through scripts/cold-start, which passes the tools module's runtime"
                        + " classpath)");
            }
            Path nativeJar = Path.of(nativeJars.get(0));
            String withJar = String.join(File.pathSeparator, classpath);
            String withoutJar = String.join(File.pathSeparator,
                    classpath.stream().filter(e -> !isNativeJar(e)).toList());

            Path work = o.work != null ? Files.createDirectories(o.work) : Files.createTempDirectory("cold-start-");
            try {
                Libtorch libtorch = null;
                if (variants.stream().anyMatch(Variant::preExtracted)) {
                    libtorch = extract(nativeJar, work.resolve("libtorch"));
                    log.printf(Locale.ROOT, "libtorch %s (%s, %s) extracted from %s into %s: %.1f MB in %.0f ms%n",
                            libtorch.version(), libtorch.flavor(), libtorch.classifier(), nativeJar.getFileName(),
                            libtorch.dir(), mb(libtorch.bytes()), libtorch.extractMs());
                }
                String childJava = javaVersion(o.java);
                log.println("child JVM: " + o.java + " (" + childJava + "); " + Runtime.getRuntime().availableProcessors()
                        + " CPUs; model " + o.model);

                for (int w = 1; w <= o.warmup; w++) {
                    for (Variant v : variants) {
                        Map<String, Object> r = launch(v, "handler", work, libtorch, withJar, withoutJar, "warmup" + w);
                        log.printf(Locale.ROOT, "warmup %d %s handler: %s ms (not recorded)%n", w, v.id(),
                                fmt(number(r, "spawnToFirstAnswerMs")));
                    }
                }
                try (PrintStream jsonl = o.out == null ? null
                        : new PrintStream(Files.newOutputStream(o.out), true, StandardCharsets.UTF_8)) {
                    for (int round = 1; round <= o.runs; round++) {
                        for (String mode : o.modes) {
                            for (Variant v : variants) { // interleaved: A, B, C, A, B, C, ...
                                Map<String, Object> r = launch(v, mode, work, libtorch, withJar, withoutJar,
                                        "r" + round);
                                record(v, mode, r);
                                r.put("variant", v.id());
                                r.put("round", round);
                                if (jsonl != null) {
                                    jsonl.println(JSON.writeValueAsString(r));
                                }
                                log.printf(Locale.ROOT, "run %d/%d %s %-7s spawn->first answer %s ms, engine %s ms,"
                                                + " cache %s MB%n", round, o.runs, v.id(), mode,
                                        fmt(number(r, "spawnToFirstAnswerMs")), fmt(number(r, "engineLoadMs")),
                                        fmt(number(r, "djlCacheMb")));
                            }
                        }
                    }
                }
                out.println(report(libtorch, childJava));
            } finally {
                if (o.keep) {
                    log.println("kept " + work);
                } else {
                    deleteTree(work);
                }
            }
        }

        /** The report of a previous run, from its JSON lines (variants and modes as given, or as found). */
        void replay(Path jsonl) throws IOException {
            String java = "?";
            int rounds = 0;
            String model = "?";
            for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> r = JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {});
                String id = String.valueOf(r.get("variant"));
                Variant v = variants.stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
                if (v == null || !o.modes.contains(String.valueOf(r.get("mode")))) {
                    continue;
                }
                record(v, String.valueOf(r.get("mode")), r);
                java = String.valueOf(r.get("java"));
                rounds = Math.max(rounds, ((Number) r.get("round")).intValue());
                if (r.get("model") != null) {
                    model = String.valueOf(r.get("model"));
                }
                if (r.get("answer") != null && !answers.contains(String.valueOf(r.get("answer")))) {
                    answers.add(String.valueOf(r.get("answer")));
                }
            }
            o.runs = rounds;
            o.warmup = -1; // not recorded in the file
            o.model = Path.of(model);
            out.println(report(null, java + " (from " + jsonl.getFileName() + ")"));
        }

        private Map<String, Object> launch(Variant v, String mode, Path work, Libtorch libtorch, String withJar,
                String withoutJar, String tag) throws IOException, InterruptedException {
            Path runDir = work.resolve("run-" + v.id() + "-" + mode + "-" + tag);
            deleteTree(runDir);
            Path cache = Files.createDirectories(runDir.resolve("djl-cache"));
            Path logFile = runDir.resolve("probe.log");

            List<String> cmd = new ArrayList<>();
            cmd.add(o.java);
            cmd.addAll(RUNTIME_FLAGS);
            cmd.addAll(v.jvmFlags());
            cmd.addAll(o.jvmOpts);
            cmd.add("-cp");
            cmd.add(v.preExtracted() ? withoutJar : withJar);
            cmd.add(PROBE);
            cmd.addAll(List.of("--model", o.model.toString(), "--mode", mode, "--spawn-epoch-us"));

            ProcessBuilder pb = new ProcessBuilder().redirectErrorStream(true).redirectOutput(logFile.toFile());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("PYTORCH_") || k.startsWith("DJL_") || k.startsWith("QA_")
                    || k.equals("ENGINE_CACHE_DIR") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS")
                    || k.equals("_JAVA_OPTIONS") || k.equals("OMP_NUM_THREADS"));
            env.put("DJL_OFFLINE", "true");
            env.put("DJL_CACHE_DIR", cache.toString());
            if (v.preExtracted()) {
                env.put("PYTORCH_LIBRARY_PATH", libtorch.dir().toString());
                env.put("PYTORCH_VERSION", libtorch.version());
                env.put("PYTORCH_FLAVOR", libtorch.flavor());
            }

            Double load = loadAverage();
            Instant spawn = Instant.now();
            cmd.add(String.valueOf(spawn.getEpochSecond() * 1_000_000L + spawn.getNano() / 1_000));
            long t0 = System.nanoTime();
            Process p = pb.command(cmd).start();
            if (!p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("probe timed out after " + CHILD_TIMEOUT_SECONDS + " s; log: " + logFile);
            }
            double wallMs = (System.nanoTime() - t0) / 1e6;
            String output = Files.readString(logFile, StandardCharsets.UTF_8);
            String line = output.lines().filter(l -> l.startsWith(ColdStartProbe.MARKER)).reduce((a, b) -> b)
                    .orElse(null);
            if (p.exitValue() != 0 || line == null) {
                throw new IllegalStateException("probe " + v.id() + "/" + mode + " failed (exit " + p.exitValue()
                        + "); output:\n" + tail(output, 60));
            }
            Map<String, Object> r = JSON.readValue(line.substring(ColdStartProbe.MARKER.length()),
                    new TypeReference<LinkedHashMap<String, Object>>() {});
            r.put("driverWallMs", wallMs);
            r.put("model", o.model.toString());
            if (load != null) {
                r.put("loadAvg1", load);
            }
            long cacheBytes = treeSize(cache);
            r.put("djlCacheMb", mb(cacheBytes));
            String key = v.id() + "/" + mode;
            if (!firstCacheListing.containsKey(key)) {
                firstCacheListing.put(key, listing(cache));
            }
            if (mode.equals("handler") && !answers.contains(String.valueOf(r.get("answer")))) {
                answers.add(String.valueOf(r.get("answer")));
            }
            deleteTree(cache); // up to ~450 MB per run of variant B
            return r;
        }

        private void record(Variant v, String mode, Map<String, Object> r) {
            Map<String, List<Double>> byField = results.computeIfAbsent(v.id(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(mode, k -> new LinkedHashMap<>());
            Double total = number(r, "spawnToFirstAnswerMs");
            Double first = number(r, "firstAnswerMs");
            if (mode.equals("handler") && total != null && first != null) {
                // what the handler's constructor covers: JVM start, engine, QaEngine.load
                r.put("spawnToLoadedMs", total - first);
            }
            for (Map.Entry<String, Object> e : r.entrySet()) {
                if (e.getValue() instanceof Number n) {
                    byField.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(n.doubleValue());
                }
            }
        }

        String report(Libtorch libtorch, String childJava) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT,
                    "%nCold start: %d measured runs per variant and mode, interleaved (%s)%s;"
                            + " model %s; child JVM %s; %d CPUs%n",
                    o.runs, String.join(",", o.variants),
                    o.warmup >= 0 ? ", " + o.warmup + " warm-up round(s)" : "", o.model.getFileName(), childJava,
                    Runtime.getRuntime().availableProcessors()));
            for (Variant v : variants) {
                sb.append(String.format(Locale.ROOT, "  %s = %s%s%n", v.id(), v.label(),
                        v.jvmFlags().isEmpty() ? "" : " (" + String.join(" ", v.jvmFlags()) + ")"));
            }
            sb.append("Figures: median [min-max] in ms unless marked. X/A: ratio of the medians (in brackets: median"
                    + " of the per-round ratios, each X run against the A run of the same round).\n");
            for (String mode : o.modes) {
                sb.append('\n').append(mode.equals("handler")
                        ? "### handler path (Engine.getEngine, QaEngine.load, answer x2)\n\n"
                        : "### split (tokenizer and model loaded separately with plain DJL, then QaEngine.load)\n\n");
                sb.append("| phase |");
                for (Variant v : variants) {
                    sb.append(' ').append(v.id()).append(' ').append(v.label()).append(" |");
                }
                List<Variant> others = variants.stream().filter(v -> !v.id().equals("A")).toList();
                boolean hasA = variants.stream().anyMatch(v -> v.id().equals("A"));
                if (hasA) {
                    for (Variant v : others) {
                        sb.append(' ').append(v.id()).append("/A |");
                    }
                }
                sb.append('\n').append("| --- |");
                sb.append(" ---: |".repeat(variants.size() + (hasA ? others.size() : 0))).append('\n');
                for (Row row : mode.equals("handler") ? HANDLER_ROWS : SPLIT_ROWS) {
                    if (variants.stream().allMatch(v -> values(v.id(), mode, row.field()).isEmpty())) {
                        continue;
                    }
                    sb.append("| ").append(row.label()).append(" |");
                    for (Variant v : variants) {
                        List<Double> xs = values(v.id(), mode, row.field());
                        sb.append(' ').append(xs.isEmpty() ? "-" : fmt(Stats.median(xs)) + " [" + fmt(min(xs)) + "-"
                                + fmt(max(xs)) + "]").append(" |");
                    }
                    if (hasA) {
                        List<Double> a = values("A", mode, row.field());
                        for (Variant v : others) {
                            List<Double> xs = values(v.id(), mode, row.field());
                            sb.append(' ').append(a.isEmpty() || xs.isEmpty() || Stats.median(a) == 0 ? "-"
                                    : String.format(Locale.ROOT, "%.2f (%s)", Stats.median(xs) / Stats.median(a),
                                            paired(xs, a))).append(" |");
                        }
                    }
                    sb.append('\n');
                }
            }
            sb.append('\n');
            if (libtorch != null) {
                sb.append(String.format(Locale.ROOT,
                        "libtorch %s %s %s extracted once (as the Dockerfile does): %.1f MB in %.0f ms%n",
                        libtorch.version(), libtorch.flavor(), libtorch.classifier(), mb(libtorch.bytes()),
                        libtorch.extractMs()));
            }
            for (Map.Entry<String, String> e : firstCacheListing.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                sb.append("DJL_CACHE_DIR after ").append(e.getKey()).append(":\n").append(e.getValue());
            }
            sb.append("first answers: ").append(answers).append('\n');
            return sb.toString();
        }

        private List<Double> values(String variant, String mode, String field) {
            return results.getOrDefault(variant, Map.of()).getOrDefault(mode, Map.of())
                    .getOrDefault(field, List.of());
        }
    }

    static boolean isNativeJar(String entry) {
        String name = Path.of(entry).getFileName().toString();
        return name.startsWith("pytorch-native-") && name.endsWith(".jar");
    }

    private static boolean isTestOnly(String entry) {
        String name = Path.of(entry).getFileName().toString();
        return name.startsWith("junit-") || name.startsWith("opentest4j-") || name.startsWith("apiguardian-");
    }

    /**
     * The Dockerfile's extraction: {@code pytorch/<flavor>/<classifier>/*} of the native jar into one directory, with
     * the version and flavor of {@code native/lib/pytorch.properties}.
     */
    static Libtorch extract(Path jar, Path dir) throws IOException {
        long t0 = System.nanoTime();
        deleteTree(dir);
        Files.createDirectories(dir);
        try (JarFile jf = new JarFile(jar.toFile())) {
            JarEntry propsEntry = jf.getJarEntry("native/lib/pytorch.properties");
            if (propsEntry == null) {
                throw new IOException(jar + " has no native/lib/pytorch.properties");
            }
            Properties props = new Properties();
            try (InputStream in = jf.getInputStream(propsEntry)) {
                props.load(in);
            }
            String fullVersion = props.getProperty("version"); // e.g. 2.7.1-20250812
            String version = fullVersion.contains("-") ? fullVersion.substring(0, fullVersion.indexOf('-')) : fullVersion;
            String flavor = props.getProperty("flavor");
            String classifier = props.getProperty("classifier");
            String prefix = "pytorch/" + flavor + "/" + classifier + "/";
            long bytes = 0;
            for (JarEntry e : jf.stream().toList()) {
                if (e.isDirectory() || !e.getName().startsWith(prefix)) {
                    continue;
                }
                String rel = e.getName().substring(prefix.length());
                Path target = dir.resolve(rel).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("unexpected entry " + e.getName());
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = jf.getInputStream(e)) {
                    bytes += Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!Files.isRegularFile(dir.resolve("libtorch.so"))) {
                throw new IOException("no libtorch.so under " + prefix + " in " + jar);
            }
            return new Libtorch(dir, version, flavor, classifier, (System.nanoTime() - t0) / 1e6, bytes);
        }
    }

    private static String javaVersion(String java) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-XshowSettings:properties", "-version").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String vendor = prop(text, "java.vendor");
        String version = prop(text, "java.vm.version");
        return (vendor == null ? "" : vendor + " ") + (version == null ? "?" : version);
    }

    private static String prop(String settings, String key) {
        return settings.lines().map(String::strip).filter(l -> l.startsWith(key + " = "))
                .map(l -> l.substring(key.length() + 3)).findFirst().orElse(null);
    }

    static long treeSize(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** Every file of the cache with its size, relative to the cache. */
    private static String listing(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                sb.append(String.format(Locale.ROOT, "  %10.1f MB  %s%n", mb(Files.size(f)), dir.relativize(f)));
            }
        }
        sb.append(String.format(Locale.ROOT, "  %10.1f MB  total%n", mb(treeSize(dir))));
        return sb.toString();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static Double number(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.doubleValue() : null;
    }

    static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    static String fmt(Double v) {
        if (v == null) {
            return "-";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Median of x[i] / a[i] over the rounds (runs of one round were launched back to back). */
    static String paired(List<Double> xs, List<Double> a) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(xs.size(), a.size()); i++) {
            if (a.get(i) != 0) {
                ratios.add(xs.get(i) / a.get(i));
            }
        }
        return ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", Stats.median(ratios));
    }

    static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
