package dev.batchqa.bench.coldstart;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One cold start, run in a fresh JVM by {@link ColdStartBenchmark}: from the JVM's start to the first answer, phase by
 * phase. Prints one line {@code COLDSTART {json}} with every figure in milliseconds (and a few facts) on stdout.
 *
 * <pre>
 * java -cp ... dev.batchqa.bench.coldstart.ColdStartProbe --model DIR [--mode handler|split] [--spawn-epoch-us N]
 * </pre>
 *
 * <ul>
 *   <li>{@code handler} (default): the path of the Lambda's init + first invocation: {@code Engine.getEngine("PyTorch")}
 *       (libtorch found, or extracted from the native jar, and loaded), {@code QaEngine.load} (TorchScript model +
 *       tokenizers, as the handler's constructor does), then {@code QaEngine.answer} twice (first and warm).
 *   <li>{@code split}: the same start, but the tokenizer ({@code HuggingFaceTokenizer}, which extracts and loads the
 *       tokenizers native library on first use) and the model ({@code Criteria.loadModel}, with QaEngine's options) are
 *       loaded separately with plain DJL calls before {@code QaEngine.load}, so their cost is visible; QaEngine.load
 *       then only pays what remains (second model load from the page cache, tokenizer JSON parse). Its total is not
 *       a cold start (the model is loaded twice).
 * </ul>
 *
 * <p>JVM start is reported three ways: {@code spawnToMainMs} (the driver's wall clock just before
 * {@code ProcessBuilder.start()}, passed as {@code --spawn-epoch-us}, to the first line of {@code main}: fork/exec,
 * JVM boot, class loading of this class), {@code procStartToMainMs} ({@code ProcessHandle.current().info()
 * .startInstant()}; on Linux the kernel's start time plus the boot time of {@code /proc/stat}, which has whole-second
 * resolution, so this one can be off by up to a second) and {@code jvmStartToMainMs}
 * ({@code RuntimeMXBean.getStartTime()}, taken during JVM creation, so it leaves out the launcher's exec).
 */
public final class ColdStartProbe {

    /** Marker of the result line on stdout (the application's JSON logs share stdout). */
    public static final String MARKER = "COLDSTART ";

    static final String QUESTION = "What does the 'B' in BERT stand for?";
    /** Another length of input (token count), for the cost of a new input shape after the first answers. */
    static final String OTHER_QUESTION = "What is the GLUE score for Bert?";
    static final String BERT_ABSTRACT = "We introduce a new language representation model called BERT, which stands "
            + "for Bidirectional Encoder Representations from Transformers. Unlike recent language representation "
            + "models, BERT is designed to pre-train deep bidirectional representations from unlabeled text by jointly "
            + "conditioning on both left and right context in all layers. As a result, the pre-trained BERT model can "
            + "be fine-tuned with just one additional output layer to create state-of-the-art models for a wide range "
            + "of tasks, such as question answering and language inference, without substantial task-specific "
            + "architecture modifications. BERT is conceptually simple and empirically powerful. It obtains new "
            + "state-of-the-art results on eleven natural language processing tasks, including pushing the GLUE score "
            + "to 80.5% (7.7% point absolute improvement), MultiNLI accuracy to 86.7% (4.6% absolute improvement), "
            + "SQuAD v1.1 question answering Test F1 to 93.2 (1.5 point absolute improvement) and SQuAD v2.0 Test F1 "
            + "to 83.1 (5.1 point absolute improvement).";

    private ColdStartProbe() {}

    public static void main(String[] args) throws Exception {
        // first: the instant main is entered (Instant.now() has microsecond resolution on Linux)
        Instant mainEntered = Instant.now();
        long mainNanos = System.nanoTime();

        String model = null;
        String mode = "handler";
        Long spawnEpochUs = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--mode" -> mode = args[++i];
                case "--spawn-epoch-us" -> spawnEpochUs = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        if (!mode.equals("handler") && !mode.equals("split")) {
            throw new IllegalArgumentException("--mode must be handler or split, was " + mode);
        }
        Path dir = Path.of(model).toAbsolutePath();

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        // JVM start, three ways (see the class comment)
        if (spawnEpochUs != null) {
            out.put("spawnToMainMs", ms(micros(mainEntered) - spawnEpochUs));
        }
        ProcessHandle.current().info().startInstant()
                .ifPresent(start -> out.put("procStartToMainMs", ms(Duration.between(start, mainEntered))));
        long jvmStartEpochMs = ManagementFactory.getRuntimeMXBean().getStartTime();
        out.put("jvmStartToMainMs", (double) (mainEntered.toEpochMilli() - jvmStartEpochMs));

        long t = System.nanoTime();
        double cpu = cpuMs();
        Engine engine = Engine.getEngine("PyTorch");
        out.put("engineLoadMs", since(t));
        out.put("engineLoadCpuMs", cpuMs() - cpu);
        out.put("engineVersion", engine.getVersion());

        if (mode.equals("split")) {
            JsonObject config = readConfig(dir.resolve("config.json"));
            String tokenizerFile = string(config, "tokenizer_file", "tokenizer.json");
            String modelFile = string(config, "model_file", "model.pt");

            t = System.nanoTime();
            try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(dir.resolve(tokenizerFile))
                    .build()) {
                out.put("tokenizerLoadMs", since(t));
            }

            t = System.nanoTime();
            Criteria<NDList, NDList> criteria = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optEngine("PyTorch")
                    .optTranslator(new NoopTranslator())
                    .optOption("mapLocation", "true")
                    .optModelPath(dir)
                    .optModelName(modelFile.endsWith(".pt") ? modelFile.substring(0, modelFile.length() - 3) : modelFile)
                    .build();
            try (ZooModel<NDList, NDList> zoo = criteria.loadModel()) {
                out.put("modelLoadMs", since(t));
            }
        }

        t = System.nanoTime();
        cpu = cpuMs();
        try (QaEngine qa = QaEngine.load(EngineOptions.builder(dir.toString()))) {
            out.put("qaEngineLoadMs", since(t));
            out.put("qaEngineLoadCpuMs", cpuMs() - cpu);
            if (mode.equals("handler")) {
                // the warm-up the inference function's init runs (EngineLoader.WARM_UP_BUDGET, 3 s): part of the
                // init phase, as in scripts/lambda-rehearsal
                t = System.nanoTime();
                qa.warmUp(QaEngine.DEFAULT_WARM_UP_BUDGET); // the inference function's default
                out.put("warmUpMs", since(t));
            }

            t = System.nanoTime();
            cpu = cpuMs();
            QaResult first = qa.answer(QaQuery.of(QUESTION, BERT_ABSTRACT));
            Instant firstAnswered = Instant.now();
            out.put("firstAnswerMs", since(t));
            double cpuAtFirstAnswer = cpuMs();
            out.put("firstAnswerCpuMs", cpuAtFirstAnswer - cpu);
            out.put("cpuToFirstAnswerMs", cpuAtFirstAnswer);

            t = System.nanoTime();
            QaResult second = qa.answer(QaQuery.of(QUESTION, BERT_ABSTRACT));
            out.put("secondAnswerMs", since(t));
            t = System.nanoTime();
            qa.answer(QaQuery.of(QUESTION, BERT_ABSTRACT));
            out.put("thirdAnswerMs", since(t));
            t = System.nanoTime();
            qa.answer(QaQuery.of(OTHER_QUESTION, BERT_ABSTRACT));
            out.put("otherQuestionMs", since(t));

            out.put("mainToFirstAnswerMs", ms(Duration.between(mainEntered, firstAnswered)));
            if (spawnEpochUs != null) {
                out.put("spawnToFirstAnswerMs", ms(micros(firstAnswered) - spawnEpochUs));
            }
            ProcessHandle.current().info().startInstant()
                    .ifPresent(start -> out.put("procStartToFirstAnswerMs", ms(Duration.between(start, firstAnswered))));
            out.put("answer", first.bestText());
            out.put("sameAnswerTwice", first.bestText().equals(second.bestText()));
            out.put("threads", qa.options().threads());
        }
        out.put("probeNanosSinceMain", (double) (System.nanoTime() - mainNanos) / 1e6);
        procStatus(out);
        out.put("java", System.getProperty("java.vm.version"));
        out.put("inputArguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        System.out.println(MARKER + toJson(out));
        System.out.flush();
    }

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    private static double ms(Duration d) {
        return d.toNanos() / 1e6;
    }

    private static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static JsonObject readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new JsonObject();
        }
        return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static String string(JsonObject json, String key, String fallback) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsString() : fallback;
    }

    /**
     * CPU time (user + system, all threads) of this process so far, from {@code /proc/self/stat} in clock ticks of
     * 10 ms (Linux' USER_HZ is 100); -1 where there is no procfs.
     */
    private static double cpuMs() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; // fields 14 utime, 15 stime
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Peak and current resident set size (Linux), in MB. */
    private static void procStatus(Map<String, Object> out) {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
                    String[] parts = line.split("\\s+");
                    double mb = Long.parseLong(parts[1]) / 1024.0;
                    out.put(line.startsWith("VmHWM:") ? "peakRssMb" : "rssMb", mb);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not essential
        }
    }

    /** Flat JSON of strings, numbers and booleans (no library, so nothing extra is loaded before the phases). */
    static String toJson(Map<String, Object> map) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(quote(e.getKey())).append(':');
            Object v = e.getValue();
            if (v instanceof Double d) {
                sb.append(String.format(Locale.ROOT, "%.3f", d));
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                sb.append(quote(String.valueOf(v)));
            }
        }
        return sb.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
