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
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extractive question answering on a TorchScript span model (DJL PyTorch) with a HuggingFace tokenizer.
 *
 * <pre>{@code
 * try (QaEngine engine = QaEngine.load(EngineOptions.builder("/opt/model"))) {
 *     QaResult r = engine.answer(new QaQuery("What is the score?", context, 3));
 * }
 * }</pre>
 *
 * <p>{@link #answerAll} splits every context into overlapping windows, runs the windows of all queries together in
 * batched forward passes (length-sorted, each pass padded only to its longest window, cut into passes of about equal
 * cost so that the workers finish together), then decodes each query as the SQuAD reference does.
 *
 * <p>Forward passes run on the engine's own {@link EngineOptions#workers() workers}, each with its own predictor and
 * {@link EngineOptions#threads() threads} intra-op threads: the passes of one call are spread over them and run in
 * parallel. Every pass is computed whole by one predictor and the plan does not depend on the number of workers, so
 * a window's logits do not depend on it either.
 *
 * <p>Thread-safety: one engine is meant to be shared per process. All methods may be called from any thread;
 * a call's tokenization and decoding are split between the caller's thread and the workers; a worker runs one pass
 * (or slice) at a time, and the work of concurrent calls queues on the workers in call order.
 */
public final class QaEngine implements Answerer, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QaEngine.class);
    private static final String ENGINE = "PyTorch";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final EngineOptions settings;
    private final ZooModel<NDList, NDList> model;
    /** One per worker; predictor i is used only by the thread of workers[i] (DJL predictors are not thread-safe). */
    private final List<Predictor<NDList, NDList>> predictors;
    /** Single-thread executors: a worker thread keeps its libtorch thread count and its OpenMP team across passes. */
    private final ExecutorService[] workers;
    private final WindowEncoder encoder;
    private final SpanDecoder decoder;
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
    /**
     * The warm-up budget a deployment gives by default: long enough for a few passes of a small model, short against
     * the Lambda init phase (10 s).
     */
    public static final Duration DEFAULT_WARM_UP_BUDGET = Duration.ofSeconds(3);

    private QaEngine(EngineOptions settings, ZooModel<NDList, NDList> model, WindowEncoder encoder,
            ModelIdentity identity) {
        this.settings = settings;
        this.identity = identity;
        this.model = model;
        this.encoder = encoder;
        this.decoder = new SpanDecoder(settings);
        int n = settings.workers();
        this.predictors = new ArrayList<>(n);
        this.workers = new ExecutorService[n];
        for (int i = 0; i < n; i++) {
            predictors.add(model.newPredictor());
            String name = "qa-engine-worker-" + i;
            workers[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true); // an engine left open must not keep the JVM alive
                return t;
            });
            workers[i].execute(() -> pinThreads(settings.threads()));
        }
    }

    /**
     * Loads a model directory ({@code config.json}, the TorchScript file, {@code tokenizer.json}) or a DJL model-zoo
     * URL such as {@code djl://ai.djl.huggingface.pytorch/deepset/minilm-uncased-squad2}.
     *
     * @throws IOException if the model or tokenizer is missing, invalid or cannot be loaded
     * @throws IllegalArgumentException if the effective settings are inconsistent (see {@link EngineOptions})
     */
    public static QaEngine load(EngineOptions.Builder options) throws IOException {
        if (options.threads() != null && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            // read by DJL when it first initializes libtorch; set again per engine below
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(options.threads()));
        }
        return options.modelLocation().contains("://") ? loadZoo(options) : loadDirectory(options);
    }

    private static QaEngine loadDirectory(EngineOptions.Builder config) throws IOException {
        Path dir = Path.of(config.modelLocation()).toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new IOException("Model directory not found: " + dir
                    + " (expected config.json, model.pt and tokenizer.json)");
        }
        CpuIsa isa = CpuIsa.current();
        ModelVariants.Choice choice = ModelVariants.choose(config, dir, isa);
        if (choice.file() != null) {
            QaEngine engine = null;
            try {
                engine = loadDirectory(config.withModelFile(choice.file()), dir);
                // a graph that loads can still fail in its first pass (an op without a bf16 or int8 kernel)
                engine.answer(new QaQuery("Which check?", "The variant check runs at load.", 1));
                logChoice(engine, choice.reason(), isa);
                return engine;
            } catch (IOException | RuntimeException e) {
                if (engine != null) engine.close();
                LOG.atWarn().addKeyValue("modelFile", choice.file()).addKeyValue("error", e.toString())
                        .log("model variant not usable, loading the fp32 model");
                choice = new ModelVariants.Choice(null, "fp32", choice.variant() + " file failed its check");
            }
        }
        QaEngine engine = loadDirectory(config, dir);
        logChoice(engine, choice.reason(), isa);
        return engine;
    }

    /**
     * The init log line that says which variant answers and why, with what the CPU reports: Lambda names no CPU model,
     * so this line is how a deployment learns what its functions see.
     */
    private static void logChoice(QaEngine engine, String reason, CpuIsa isa) {
        LOG.atInfo().addKeyValue("variant", engine.identity().variant())
                .addKeyValue("modelFile", engine.options().modelFile())
                .addKeyValue("reason", reason)
                .addKeyValue("isaLevel", isa.level())
                .addKeyValue("isaCaps", isa.caps())
                .addKeyValue("cpuModel", isa.modelName())
                .addKeyValue("cpuFlags", String.join(" ", new TreeSet<>(isa.flags())))
                .log("model variant chosen");
    }

    private static QaEngine loadDirectory(EngineOptions.Builder config, Path dir) throws IOException {
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
    private static QaEngine loadZoo(EngineOptions.Builder config) throws IOException {
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

    /**
     * Sets the calling thread's intra-op thread count. libtorch keeps it per native thread (each has its own OpenMP
     * team), but initialises a thread lazily, at its first parallel op, from the process-wide value the last
     * {@code set_num_threads} left: getNumThreads forces that initialisation first, so another engine's setting
     * (e.g. a 1-worker engine with 2 threads in the same JVM) cannot overwrite this worker's later.
     */
    private static void pinThreads(int threads) {
        JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
    }

    /** Answers one query; see {@link #answerAll}. */
    @Override
    public QaResult answer(QaQuery query) {
        return answerAll(List.of(query)).get(0);
    }

    /** Answers all queries, batching the windows of all of them; results are in query order. */
    @Override
    public List<QaResult> answerAll(List<QaQuery> batch) {
        return answerPrepared(spread(batch, this::prepare));
    }

    /** Splits the query into windows (tokenization only, no forward pass); see {@link PreparedQuery}. */
    @Override
    public PreparedQuery prepare(QaQuery query) {
        if (closed) {
            throw new IllegalStateException("QaEngine is closed");
        }
        List<Window> windows = encoder.encode(query.question(), query.context());
        long tokens = 0;
        for (Window w : windows) tokens += BatchPlanner.paddedLength(w.length(), settings);
        return new PreparedQuery(query, windows, tokens);
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
        List<QaResult> results = spread(batch, p -> decoder.decode(p.query(), p.windows));
        queries.add(batch.size());
        return results;
    }

    /**
     * Applies {@code f} to every item, in slices on the caller and the other workers at once: tokenizing and decoding
     * a call are CPU work too, and on the caller alone they would leave every worker but one idle meanwhile. Results
     * are in item order; the first failure is rethrown once every slice has ended.
     */
    private <T, R> List<R> spread(List<T> items, Function<T, R> f) {
        int slices = Math.min(workers.length, items.size());
        if (slices <= 1) {
            List<R> out = new ArrayList<>(items.size());
            for (T item : items) out.add(f.apply(item));
            return out;
        }
        Object[] out = new Object[items.size()];
        List<Future<?>> started = new ArrayList<>(slices - 1);
        for (int s = 1; s < slices; s++) {
            int from = items.size() * s / slices;
            int to = items.size() * (s + 1) / slices;
            Runnable slice = () -> {
                for (int i = from; i < to; i++) out[i] = f.apply(items.get(i));
            };
            try {
                started.add(workers[s].submit(slice));
            } catch (RejectedExecutionException e) {
                slice.run(); // closed meanwhile: f fails fast (prepare refuses a closed engine) or just runs here
            }
        }
        RuntimeException failure = null;
        try {
            for (int i = 0; i < items.size() / slices; i++) out[i] = f.apply(items.get(i));
        } catch (RuntimeException e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> future : started) {
            while (true) { // uninterruptibly: the slices write into out until they end
                try {
                    future.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r
                                : new IllegalStateException(e.getCause().toString(), e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
        List<R> results = new ArrayList<>(out.length);
        for (Object o : out) {
            @SuppressWarnings("unchecked")
            R r = (R) o;
            results.add(r);
        }
        return results;
    }

    /**
     * Runs {@link #WARM_UP_PASSES} throw-away single-row forward passes of one short sentence: the cheapest pass
     * there is, and all a first batch needs. The first pass of a process pays one-off costs that no later pass pays
     * (libtorch's OpenMP thread pool and MKL set-up, the TorchScript executor's profiling run; the second pass pays
     * its optimisation), about 0.3-0.7 s of CPU; a pass of another shape pays nothing comparable: with fp32 MiniLM a
     * first batch of 10 SQuAD questions (one ~170-token pass) ran as fast as the next one after these two passes,
     * and TorchScript's graph work was under 1 % of the warm-up's samples in {@code perf} (docs/cold-start.md). So
     * the warm-up runs no batch shapes (full passes of short, paragraph and full-length windows): those would cost
     * several batches' worth of real compute (3-4 s of a 5-6 s Lambda init) to warm nothing.
     * Every worker runs each pass, at once as a first batch would: each predictor and each worker thread's
     * OpenMP team pay their first-run costs here.
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
            List<Job> jobs = new ArrayList<>(workers.length);
            for (int w = 0; w < workers.length; w++) {
                List<Window> pass = prepare(query).windows; // each worker its own windows: they receive logits
                int padded = BatchPlanner.paddedLength(pass.get(0).length(), settings); // as real passes are
                jobs.add(new Job(pass, List.of(new BatchPlanner.Pass(new int[] {0}, padded))).start(w, 1));
            }
            for (Job job : jobs) job.await();
            passes++;
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        warmUpMillis = millis;
        LOG.info("QA engine warmed up in {} ms ({} passes on each of {} workers)", millis, passes, workers.length);
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
     * Frees the model and stops the workers. Waits at most {@link #CLOSE_WAIT} for the passes in progress or queued: a
     * pass stuck in native code cannot be interrupted, and a process shutting down must not hang on it (the native
     * memory is then left to the process exit).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ExecutorService worker : workers) worker.shutdown(); // queued passes still run: their callers wait
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            for (ExecutorService worker : workers) {
                if (!worker.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOG.warn("QA engine closed while a forward pass was still running; its native memory is not freed");
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (Predictor<NDList, NDList> predictor : predictors) predictor.close();
        model.close();
        encoder.close();
    }

    /** Runs all windows through the model and stores each window's start/end logits in it. */
    private void infer(List<Window> all) {
        new Job(all).start(0, workers.length).await();
    }

    /**
     * The forward passes of one call. Each worker it starts on takes the next pass of the plan (longest first) until
     * none is left, so the passes spread over the free workers however their costs differ; a pass runs whole on one
     * predictor, so its logits are those of a single-worker engine.
     */
    private final class Job {
        private final List<Window> all;
        private final List<BatchPlanner.Pass> plan;
        private final AtomicInteger next = new AtomicInteger();
        /** Counts passes run or skipped after a failure; its await publishes the logits the workers wrote. */
        private final CountDownLatch done;
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

        Job(List<Window> all) {
            this(all, BatchPlanner.plan(all.stream().mapToInt(Window::length).toArray(), settings));
        }

        Job(List<Window> all, List<BatchPlanner.Pass> plan) {
            this.all = all;
            this.plan = plan;
            this.done = new CountDownLatch(plan.size());
        }

        /** Queues this job on workers first..first+count-1 (no more workers than passes). */
        Job start(int first, int count) {
            int started = 0;
            for (int w = first; w < first + Math.min(count, plan.size()); w++) {
                Predictor<NDList, NDList> predictor = predictors.get(w);
                try {
                    workers[w].execute(() -> drain(predictor));
                    started++;
                } catch (RejectedExecutionException e) {
                    // closed meanwhile: a worker that did start still drains the whole plan
                }
            }
            if (started == 0 && !plan.isEmpty()) {
                throw new IllegalStateException("QaEngine is closed");
            }
            return this;
        }

        private void drain(Predictor<NDList, NDList> predictor) {
            for (int k; (k = next.getAndIncrement()) < plan.size(); ) {
                try {
                    if (failure.get() == null) forward(predictor, all, plan.get(k));
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        }

        /** Waits for every pass, uninterruptibly: the workers write into the caller's windows until then. */
        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            RuntimeException e = failure.get();
            if (e != null) throw e;
        }
    }

    private void forward(Predictor<NDList, NDList> predictor, List<Window> all, BatchPlanner.Pass pass) {
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
