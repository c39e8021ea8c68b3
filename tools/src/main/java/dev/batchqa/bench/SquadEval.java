package dev.batchqa.bench;

import dev.batchqa.shared.eval.SquadMetrics;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.EngineStats;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * SQuAD v1.1 / v2.0 evaluation of the QA engine with the official EM/F1 normalisation; for v2.0 the null threshold is
 * tuned on the first half of the articles and reported on the second half.
 *
 * <p>{@code --doc-stride} means, by default ({@code --stride-mode step}), what it means in the SQuAD reference
 * ({@code run_squad.py}) and in the model card: the step between the starts of consecutive windows. The engine (like
 * HuggingFace tokenizers) takes the overlap instead, which for the same step depends on the question's length
 * ({@code overlap = maxSeqLength - 3 - questionTokens - step}); so this program groups the questions by their token
 * length and runs each group with its own engine. {@code --stride-mode overlap} passes the number to the engine as is
 * (one engine).
 */
public final class SquadEval {


    private record Prediction(String text, double nullMinusSpan, int windows) {}

    public static void main(String[] argv) {
        System.exit(new CommandLine(new Options()).execute(argv));
    }

    @Command(name = "SquadEval", mixinStandardHelpOptions = true, sortOptions = false,
            description = "SQuAD v1.1/v2.0 evaluation of the QA engine (official EM/F1); for v2.0 the null threshold is tuned on the first half of the articles and reported on the second.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:done", "1:the run failed (model, data or I/O error; stack trace on stderr)", "2:invalid command line"})
    static final class Options implements Callable<Integer> {
        @Mixin ModelOptions model;
        @Option(names = "--data", required = true, paramLabel = "FILE", description = "SQuAD .json or .json.gz") String data;
        @Option(names = "--out", paramLabel = "FILE", description = "write predictions.json") String out;
        @Option(names = "--na-out", paramLabel = "FILE", description = "write the null-odds file") String naOut;
        @Option(names = "--limit", paramLabel = "N", description = "first N questions only") Integer limit;
        @Option(names = "--max-seq-length", paramLabel = "N", description = "default: the model's config.json, else 384") Integer maxSeqLength;
        @Option(names = "--doc-stride", paramLabel = "N", description = "default: the model's config.json, else 128") Integer docStride;
        @Option(names = "--stride-mode", defaultValue = "step", description = "step (SQuAD reference meaning) or overlap (the engine's); default ${DEFAULT-VALUE}") String strideMode;
        @Option(names = "--threshold", paramLabel = "X", description = "fixed null threshold instead of tuning it") Double threshold;
        @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "questions per engine call (default ${DEFAULT-VALUE})") int batch;

        @Override
        public Integer call() throws Exception {
            run(this);
            return 0;
        }
    }

    static void run(Options o) throws Exception {
        Path modelDir = o.model.model;
        Path dataFile = Path.of(o.data);
        int batch = o.batch;
        String strideMode = o.strideMode;
        if (!strideMode.equals("step") && !strideMode.equals("overlap")) {
            throw new IllegalArgumentException("--stride-mode must be step or overlap");
        }

        SquadDataset data = SquadDataset.read(dataFile);
        int total = data.questions().size();
        if (o.limit != null) {
            data = data.limit(o.limit);
        }
        JsonNode modelConfig = readJson(modelDir.resolve("config.json"));
        int maxSeq = o.maxSeqLength != null ? o.maxSeqLength : modelConfig.path("max_seq_length").asInt(384);
        int stride = o.docStride != null ? o.docStride : modelConfig.path("doc_stride").asInt(128);
        int maxQuery = modelConfig.path("max_query_length").asInt(64);
        Path tokenizerFile = modelDir.resolve(modelConfig.path("tokenizer_file").asText("tokenizer.json"));

        System.out.printf(Locale.ROOT, "data: %s (SQuAD %s), %d articles, %d of %d questions%n", dataFile.getFileName(),
                data.version(), data.articles(), data.questions().size(), total);
        System.out.printf(Locale.ROOT, "model: %s%s, max_seq_length %d, doc_stride %d (%s), max_query_length %d, "
                        + "batch %d questions per answerAll%n", modelDir,
                o.model.modelFile == null ? "" : " (" + o.model.modelFile + ")", maxSeq, stride,
                strideMode.equals("step") ? "step between window starts, as run_squad.py" : "overlap, as HF tokenizers",
                maxQuery, batch);

        // group the questions by the engine overlap they need
        Map<Integer, List<Integer>> groups = new TreeMap<>();
        if (strideMode.equals("overlap")) {
            groups.put(stride, allIndices(data.questions().size()));
        } else {
            try (HuggingFaceTokenizer questions = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerFile)
                    .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
                for (int i = 0; i < data.questions().size(); i++) {
                    int qTokens = Math.min(maxQuery, questions.encode(data.questions().get(i).question()).getIds().length);
                    int overlap = overlapForStep(maxSeq, qTokens, stride, maxQuery);
                    groups.computeIfAbsent(overlap, k -> new ArrayList<>()).add(i);
                }
            }
        }

        Prediction[] predictions = new Prediction[data.questions().size()];
        long windows = 0;
        long passes = 0;
        long tokens = 0;
        long padded = 0;
        long inferNanos = 0;
        double loadStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long cpuStart = processCpuNanos();
        long wallStart = System.nanoTime();
        int done = 0;
        for (Map.Entry<Integer, List<Integer>> group : groups.entrySet()) {
            EngineOptions.Builder config = o.model.engineOptions()
                    .withMaxSeqLength(maxSeq).withDocStride(group.getKey()).withNullThreshold(Double.POSITIVE_INFINITY);
            try (QaEngine engine = QaEngine.load(config)) {
                List<Integer> indices = group.getValue();
                for (int from = 0; from < indices.size(); from += batch) {
                    List<Integer> chunk = indices.subList(from, Math.min(indices.size(), from + batch));
                    List<QaQuery> queries = new ArrayList<>(chunk.size());
                    for (int i : chunk) {
                        SquadDataset.Question q = data.questions().get(i);
                        queries.add(new QaQuery(q.question(), q.context(), 1));
                    }
                    long t0 = System.nanoTime();
                    List<QaResult> results = engine.answerAll(queries);
                    inferNanos += System.nanoTime() - t0;
                    for (int k = 0; k < chunk.size(); k++) {
                        QaResult r = results.get(k);
                        predictions[chunk.get(k)] = new Prediction(r.bestText(), r.nullScore() - r.bestSpanLogit(),
                                r.windows());
                    }
                    int before = done;
                    done += chunk.size();
                    if (done / 1000 != before / 1000) {
                        System.err.printf(Locale.ROOT, "  %d/%d questions, %.0f s%n", done, predictions.length,
                                (System.nanoTime() - wallStart) / 1e9);
                    }
                }
                EngineStats s = engine.stats();
                windows += s.windows();
                passes += s.forwardPasses();
                tokens += s.tokens();
                padded += s.paddedTokens();
            }
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double infer = inferNanos / 1e9;
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        System.out.printf(Locale.ROOT, "engines: %d (one per overlap value)%n", groups.size());
        System.out.printf(Locale.ROOT, "windows %d, forward passes %d, real tokens %d, computed (padded) tokens %d "
                + "(%.1f%% padding)%n", windows, passes, tokens, padded, 100.0 * (padded - tokens) / Math.max(1, padded));
        System.out.printf(Locale.ROOT, "time: %.1f s in answerAll (%.2f questions/s, %.2f windows/s), %.1f s wall "
                + "including %d model loads%n", infer, predictions.length / infer, windows / infer, wall, groups.size());
        System.out.printf(Locale.ROOT, "process CPU time %.0f s (%.2f of %d cores busy on average); system load "
                        + "average %.1f at start, %.1f at end%n", cpu, cpu / wall, Runtime.getRuntime().availableProcessors(),
                loadStart, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        Map<String, String> finalTexts = new LinkedHashMap<>();
        Double fixed = o.threshold;
        double threshold = fixed != null ? fixed : Double.POSITIVE_INFINITY;
        List<SquadDataset.Question> qs = data.questions();
        Map<String, Prediction> byId = new HashMap<>();
        for (int i = 0; i < qs.size(); i++) {
            byId.put(qs.get(i).id(), predictions[i]);
        }
        if (data.isV2()) {
            ArticleSplit split = ArticleSplit.of(data);
            if (fixed == null) {
                ThresholdSearch.Result tuned = ThresholdSearch.best(items(split.first(), byId, true));
                threshold = tuned.threshold();
                System.out.printf(Locale.ROOT, "null threshold tuned on the first %d articles (%d q): %.4f "
                        + "(F1 there %.2f)%n", split.firstArticles(), split.first().size(), threshold,
                        100 * tuned.score());
            } else {
                System.out.printf(Locale.ROOT, "null threshold given: %.4f%n", threshold);
            }
            report("first half  (tuning)", split.first(), byId, threshold);
            report("second half (report)", split.second(), byId, threshold);
            report("all", qs, byId, threshold);
        } else {
            report("all", qs, byId, threshold);
        }
        for (int i = 0; i < qs.size(); i++) {
            Prediction p = predictions[i];
            finalTexts.put(qs.get(i).id(), ThresholdSearch.abstains(p.nullMinusSpan(), threshold) ? "" : p.text());
        }
        ObjectMapper mapper = new ObjectMapper();
        if (o.out != null) {
            mapper.writerWithDefaultPrettyPrinter().writeValue(Path.of(o.out).toFile(), finalTexts);
            System.out.println("predictions written to " + o.out);
        }
        if (o.naOut != null) {
            ObjectNode na = mapper.createObjectNode();
            for (int i = 0; i < qs.size(); i++) {
                double v = predictions[i].nullMinusSpan();
                na.put(qs.get(i).id(), Double.isFinite(v) ? v : 1e9);
            }
            mapper.writeValue(Path.of(o.naOut).toFile(), na);
        }
    }

    /**
     * The engine overlap (HF "stride") giving windows that start {@code step} context tokens apart, as run_squad.py
     * does: each window holds {@code maxSeq - 3 - questionTokens} context tokens. Clamped to what the engine accepts.
     */
    static int overlapForStep(int maxSeq, int questionTokens, int step, int maxQuery) {
        int budget = maxSeq - 3 - questionTokens;
        int overlap = budget - step;
        int maxOverlap = maxSeq - maxQuery - 3 - 1;
        return Math.max(0, Math.min(overlap, maxOverlap));
    }

    private static void report(String label, List<SquadDataset.Question> qs, Map<String, Prediction> byId,
            double threshold) {
        double em = 0;
        double f1 = 0;
        int has = 0;
        double hasEm = 0;
        double hasF1 = 0;
        int no = 0;
        double noAcc = 0;
        for (SquadDataset.Question q : qs) {
            Prediction p = byId.get(q.id());
            String text = ThresholdSearch.abstains(p.nullMinusSpan(), threshold) ? "" : p.text();
            double e = SquadMetrics.maxExactMatch(text, q.golds());
            double f = SquadMetrics.maxF1(text, q.golds());
            em += e;
            f1 += f;
            if (q.hasAnswer()) {
                has++;
                hasEm += e;
                hasF1 += f;
            } else {
                no++;
                noAcc += e;
            }
        }
        int n = Math.max(1, qs.size());
        System.out.printf(Locale.ROOT, "%s: %d q  EM %.2f  F1 %.2f", label, qs.size(), 100 * em / n, 100 * f1 / n);
        if (no > 0) {
            List<ThresholdSearch.Item> items = items(qs, byId, true);
            System.out.printf(Locale.ROOT, "  | HasAns EM %.2f F1 %.2f (%d q)  NoAns acc %.2f (%d q)"
                            + "  | never-abstain F1 %.2f  always-abstain F1 %.2f", 100 * hasEm / Math.max(1, has),
                    100 * hasF1 / Math.max(1, has), has, 100 * noAcc / no, no,
                    100 * ThresholdSearch.score(items, Double.POSITIVE_INFINITY),
                    100 * ThresholdSearch.score(items, Double.NEGATIVE_INFINITY));
        }
        System.out.println();
    }

    private static List<ThresholdSearch.Item> items(List<SquadDataset.Question> qs, Map<String, Prediction> byId,
            boolean f1) {
        List<ThresholdSearch.Item> items = new ArrayList<>(qs.size());
        for (SquadDataset.Question q : qs) {
            Prediction p = byId.get(q.id());
            double answered = f1 ? SquadMetrics.maxF1(p.text(), q.golds()) : SquadMetrics.maxExactMatch(p.text(),
                    q.golds());
            double abstained = SquadMetrics.maxExactMatch("", q.golds());
            items.add(new ThresholdSearch.Item(p.nullMinusSpan(), answered, abstained));
        }
        return items;
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0L;
    }

    private static List<Integer> allIndices(int n) {
        List<Integer> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        return all;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile())
                : new ObjectMapper().createObjectNode();
    }
}
