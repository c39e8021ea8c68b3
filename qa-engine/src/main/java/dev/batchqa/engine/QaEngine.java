package dev.batchqa.engine;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extractive question answering on a TorchScript span model (DJL PyTorch) with a HuggingFace tokenizer.
 *
 * <pre>{@code
 * try (QaEngine engine = QaEngine.load(EngineOptions.of("/opt/model"))) {
 *     QaResult r = engine.answer(new QaQuery("What is the score?", context, 3));
 * }
 * }</pre>
 *
 * <p>{@link #answerAll} splits every context into overlapping windows, runs the windows of all queries together in as
 * few forward passes as the caps allow (length-sorted, each pass padded only to its longest window), then decodes
 * each query as the SQuAD reference does.
 *
 * <p>Thread-safety: one engine is meant to be shared per process. All methods may be called from any thread;
 * tokenization and decoding run concurrently, forward passes are serialized (each already uses all intra-op threads).
 */
public final class QaEngine implements Answerer, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QaEngine.class);
    private static final String ENGINE = "PyTorch";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final EngineOptions settings;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final WindowEncoder encoder;
    private final SpanDecoder decoder;
    /** Fair: concurrent callers take turns pass by pass, so a caller with short work is not starved by a long one. */
    private final ReentrantLock passLock = new ReentrantLock(true);
    private final LongAdder queries = new LongAdder();
    private final LongAdder windows = new LongAdder();
    private final LongAdder passes = new LongAdder();
    private final LongAdder tokens = new LongAdder();
    private final LongAdder paddedTokens = new LongAdder();
    private volatile boolean closed;
    private volatile long warmUpMillis;
    private final ModelIdentity identity;

    /** Forward passes {@link #warmUp} runs: the executor profiles the first and optimises on the second. */
    static final int WARM_UP_PASSES = 2;

    private QaEngine(EngineOptions settings, ZooModel<NDList, NDList> model, WindowEncoder encoder,
            ModelIdentity identity) {
        this.settings = settings;
        this.identity = identity;
        this.model = model;
        this.predictor = model.newPredictor();
        this.encoder = encoder;
        this.decoder = new SpanDecoder(settings);
    }

    /**
     * Loads a model directory ({@code config.json}, the TorchScript file, {@code tokenizer.json}) or a DJL model-zoo
     * URL such as {@code djl://ai.djl.huggingface.pytorch/deepset/minilm-uncased-squad2}.
     *
     * @throws IOException if the model or tokenizer is missing, invalid or cannot be loaded
     * @throws IllegalArgumentException if the effective settings are inconsistent (see {@link EngineOptions#resolve})
     */
    public static QaEngine load(EngineOptions options) throws IOException {
        if (options.threads() != null && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            // read by DJL when it first initializes libtorch; set again per engine below
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(options.threads()));
        }
        return options.modelLocation().contains("://") ? loadZoo(options) : loadDirectory(options);
    }

    private static QaEngine loadDirectory(EngineOptions config) throws IOException {
        Path dir = Path.of(config.modelLocation()).toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new IOException("Model directory not found: " + dir
                    + " (expected config.json, model.pt and tokenizer.json)");
        }
        java.util.Optional<String> bf16 = Bf16Variant.choose(config, dir, Bf16Variant.cpuFlags());
        if (bf16.isPresent()) {
            QaEngine engine = null;
            try {
                engine = loadDirectory(config.withModelFile(bf16.get()), dir);
                // a graph that loads can still fail in its first pass (an op without a bf16 kernel)
                engine.answer(new QaQuery("Which check?", "The bf16 check runs at load.", 1));
                return engine;
            } catch (IOException | RuntimeException e) {
                if (engine != null) engine.close();
                LOG.atWarn().addKeyValue("bf16ModelFile", bf16.get()).addKeyValue("error", e.toString())
                        .log("bf16 model not usable, loading the fp32 model");
            }
        }
        return loadDirectory(config, dir);
    }

    private static QaEngine loadDirectory(EngineOptions config, Path dir) throws IOException {
        EngineOptions settings = config.resolve(dir, "model.pt", null);
        for (String file : List.of(settings.modelFile(), settings.tokenizerFile())) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new IOException("Model directory " + dir + " has no " + file);
            }
        }
        String name = settings.modelFile().replaceFirst("\\.pt$", "");
        ZooModel<NDList, NDList> model = loadModel(criteria().optModelPath(dir).optModelName(name), dir.toString());
        return create(settings, model, dir);
    }

    /** Zoo artifacts carry the HF config.json (none of our keys: defaults apply) and serving.properties. */
    private static QaEngine loadZoo(EngineOptions config) throws IOException {
        String url = config.modelLocation();
        ZooModel<NDList, NDList> model = loadModel(criteria().optModelUrls(url), url);
        try {
            String tokenTypes = model.getProperty("includeTokenTypes");
            EngineOptions settings = config.resolve(model.getModelPath(), model.getName() + ".pt",
                    tokenTypes == null ? null : Boolean.parseBoolean(tokenTypes));
            return create(settings, model, model.getModelPath());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static QaEngine create(EngineOptions settings, ZooModel<NDList, NDList> model, Path dir)
            throws IOException {
        try {
            Path tokenizer = dir.resolve(settings.tokenizerFile());
            if (!Files.isRegularFile(tokenizer)) {
                throw new IOException("Tokenizer file not found: " + tokenizer);
            }
            JniUtils.setNumThreads(settings.threads()); // process-wide, like torch.set_num_threads
            QaEngine engine = new QaEngine(settings, model, WindowEncoder.create(tokenizer, settings),
                    ModelIdentity.of(dir, settings.modelFile()));
            LOG.info("QA engine loaded: {}", settings);
            NativeMemory.warnIfUntuned();
            return engine;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Answers one query; see {@link #answerAll}. */
    @Override
    public QaResult answer(QaQuery query) {
        return answerAll(List.of(query)).get(0);
    }

    /** Answers all queries, batching the windows of all of them; results are in query order. */
    @Override
    public List<QaResult> answerAll(List<QaQuery> batch) {
        List<PreparedQuery> prepared = new ArrayList<>(batch.size());
        for (QaQuery query : batch) prepared.add(prepare(query));
        return answerPrepared(prepared);
    }

    /** Splits the query into windows (tokenization only, no forward pass); see {@link PreparedQuery}. */
    @Override
    public PreparedQuery prepare(QaQuery query) {
        if (closed) {
            throw new IllegalStateException("QaEngine is closed");
        }
        return new PreparedQuery(query, encoder.encode(query.question(), query.context()));
    }

    /**
     * Answers prepared queries together: their windows share forward passes. Each prepared query is answered once;
     * its windows hold the logits afterwards.
     */
    @Override
    public List<QaResult> answerPrepared(List<PreparedQuery> batch) {
        if (closed) {
            throw new IllegalStateException("QaEngine is closed");
        }
        List<Window> all = new ArrayList<>();
        for (PreparedQuery p : batch) {
            if (p.windows == null) throw new IllegalArgumentException("not prepared by this engine");
            all.addAll(p.windows);
        }
        infer(all);
        List<QaResult> results = new ArrayList<>(batch.size());
        for (PreparedQuery p : batch) {
            results.add(decoder.decode(p.query(), p.windows));
        }
        queries.add(batch.size());
        return results;
    }

    /**
     * Runs {@link #WARM_UP_PASSES} throw-away single-row forward passes of one short sentence: the cheapest pass
     * there is, and all a first batch needs. The first pass of a process pays one-off costs that no later pass pays
     * (libtorch's OpenMP thread pool and MKL set-up, the TorchScript executor's profiling run; the second pass pays
     * its optimisation), about 0.3-0.7 s of CPU; a pass of another shape pays nothing comparable: with fp32 MiniLM a
     * first batch of 10 SQuAD questions (one ~170-token pass) ran as fast as the next one after these two passes,
     * and TorchScript's graph work was under 1 % of the warm-up's samples in {@code perf} (docs/cold-start.md). So
     * the warm-up no longer runs the batch shapes (full passes of short, paragraph and full-length windows): those
     * cost several batches' worth of real compute (3-4 s of a 5-6 s Lambda init) to warm nothing.
     *
     * <pre>{@code
     * long ms = engine.warmUp(Duration.ofSeconds(3)); // stops between passes once 3 s are spent
     * }</pre>
     *
     * @param budget no new forward pass starts after this much time: the warm-up must not push a Lambda init
     *     phase past its 10 s limit on a slow start (one pass is the most it overruns by)
     * @return how long it took, in milliseconds
     */
    public long warmUp(Duration budget) {
        long started = System.nanoTime();
        long deadline = started + budget.toNanos();
        QaQuery query = new QaQuery("What is the sentence about?",
                "The warm up sentence number seven is about the weather in the city.", 1);
        int passes = 0;
        while (passes < WARM_UP_PASSES && System.nanoTime() < deadline) {
            answerPrepared(List.of(prepare(query)));
            passes++;
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        warmUpMillis = millis;
        LOG.info("QA engine warmed up in {} ms ({} passes)", millis, passes);
        return millis;
    }

    /** Which model and numeric variant this engine answers with. */
    public ModelIdentity identity() {
        return identity;
    }

    /** How long {@link #warmUp} took (0 before it ran); with {@link #stats()}, a first, pessimistic speed. */
    public long warmUpMillis() {
        return warmUpMillis;
    }

    /** The resolved options (overrides, else the model's config.json, else the defaults): every field is set. */
    public EngineOptions options() {
        return settings;
    }

    /** Cumulative counters since load. */
    public EngineStats stats() {
        return new EngineStats(queries.sum(), windows.sum(), passes.sum(), tokens.sum(), paddedTokens.sum());
    }

    /**
     * Frees the model. Waits at most {@link #CLOSE_WAIT} for a forward pass in progress: a pass stuck in native
     * code cannot be interrupted, and a process shutting down must not hang on it (the native memory is then left
     * to the process exit).
     */
    @Override
    public void close() {
        try {
            if (!passLock.tryLock(CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                closed = true;
                LOG.warn("QA engine closed while a forward pass was still running; its native memory is not freed");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return;
        }
        try {
            if (closed) {
                return;
            }
            closed = true;
            predictor.close();
            model.close();
            encoder.close();
        } finally {
            passLock.unlock();
        }
    }

    /** Runs all windows through the model and stores each window's start/end logits in it. */
    private void infer(List<Window> all) {
        int[] lengths = all.stream().mapToInt(Window::length).toArray();
        List<BatchPlanner.Pass> plan = BatchPlanner.plan(lengths, settings);
        passLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("QaEngine is closed");
            }
            for (BatchPlanner.Pass pass : plan) {
                forward(all, pass);
            }
        } finally {
            passLock.unlock();
        }
    }

    private void forward(List<Window> all, BatchPlanner.Pass pass) {
        int rows = pass.windows().length;
        int len = pass.paddedLength();
        long[] ids = new long[rows * len]; // zeros: [PAD] id 0, attention 0, token type 0
        long[] mask = new long[rows * len];
        long[] types = new long[rows * len];
        for (int r = 0; r < rows; r++) {
            Window w = all.get(pass.windows()[r]);
            System.arraycopy(w.ids, 0, ids, r * len, w.length());
            System.arraycopy(w.typeIds, 0, types, r * len, w.length());
            Arrays.fill(mask, r * len, r * len + w.length(), 1L);
            tokens.add(w.length());
        }
        // one scope per pass: every native array of this pass is freed when it closes
        try (NDManager scope = model.getNDManager().newSubManager()) {
            Shape shape = new Shape(rows, len);
            NDList inputs = new NDList(scope.create(ids, shape), scope.create(mask, shape));
            if (settings.tokenTypeIds()) {
                inputs.add(scope.create(types, shape));
            }
            NDList outputs = predictor.predict(inputs);
            float[] start = logits(outputs.get(0), rows, len);
            float[] end = logits(outputs.get(1), rows, len);
            for (int r = 0; r < rows; r++) {
                Window w = all.get(pass.windows()[r]);
                w.startLogits = Arrays.copyOfRange(start, r * len, r * len + w.length());
                w.endLogits = Arrays.copyOfRange(end, r * len, r * len + w.length());
            }
            outputs.close();
        } catch (TranslateException e) {
            throw new IllegalStateException("Forward pass failed: " + e.getMessage(), e);
        }
        passes.increment();
        windows.add(rows);
        paddedTokens.add((long) rows * len);
    }

    private static float[] logits(NDArray array, int rows, int len) {
        if (array.size() != (long) rows * len) {
            throw new IllegalStateException("Model output shape " + array.getShape() + ", expected (" + rows + ", "
                    + len + "): the model must return (start_logits, end_logits) of shape [batch, seq]");
        }
        return array.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static Criteria.Builder<NDList, NDList> criteria() {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine(ENGINE)
                .optTranslator(new NoopTranslator()) // tokenization and decoding are ours, batched across queries
                .optOption("mapLocation", "true");
    }

    private static ZooModel<NDList, NDList> loadModel(Criteria.Builder<NDList, NDList> criteria, String where)
            throws IOException {
        try {
            return criteria.build().loadModel();
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IOException("Cannot load QA model from " + where + ": " + e.getMessage(), e);
        }
    }
}
