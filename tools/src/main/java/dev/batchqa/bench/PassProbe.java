package dev.batchqa.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import dev.batchqa.tools.Stats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Times raw forward passes of a TorchScript span model at chosen shapes, below the engine (no tokenizer, no
 * decoding), to find out what a pass costs per token and how predictors on parallel Java threads share the cores.
 *
 * <pre>
 * scripts/tool pass-probe --model DIR --shapes 1x384,8x384 --iterations 5 --threads 1
 * scripts/tool pass-probe --model DIR --shapes 1x384 --workers 2 --threads 1 --seconds 20
 * </pre>
 *
 * <p>With {@code --workers N} it loads one model and N predictors and runs them on N Java threads at once, each
 * repeating the first shape for {@code --seconds}; it prints the passes per second of all workers together. The
 * intra-op thread count ({@code --threads}) is set with {@code JniUtils.setNumThreads}, which libtorch applies
 * process-wide (its OpenMP pool), and again on every worker thread since OpenMP's nthreads-var is per thread.
 */
@Command(name = "PassProbe", mixinStandardHelpOptions = true,
        description = "Times raw forward passes (wall and CPU per token) and N predictors on N threads.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:done", "1:the run failed", "2:usage error"})
public final class PassProbe implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;
    @Option(names = "--shapes", defaultValue = "1x384,8x384", description = "Pass shapes BxL (default ${DEFAULT-VALUE})")
    String shapeList;
    @Option(names = "--iterations", defaultValue = "5", description = "Timed passes per shape (default ${DEFAULT-VALUE})")
    int iterations;
    @Option(names = "--warmup", defaultValue = "2", description = "Untimed passes per shape first (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--workers", defaultValue = "0", description = "Predictors on as many Java threads at once (0 = off)")
    int workers;
    @Option(names = "--seconds", defaultValue = "20", description = "Seconds per --workers run (default ${DEFAULT-VALUE})")
    int seconds;

    public static void main(String[] argv) {
        System.exit(new CommandLine(new PassProbe()).execute(argv));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = modelOptions.model;
        String file = modelOptions.modelFile != null ? modelOptions.modelFile : "model.pt";
        int threads = modelOptions.threads != null ? modelOptions.threads : Runtime.getRuntime().availableProcessors();
        List<int[]> shapes = new ArrayList<>();
        for (String s : shapeList.split(",")) {
            String[] p = s.split("x");
            shapes.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])});
        }
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch").optTranslator(new NoopTranslator()).optOption("mapLocation", "true")
                .optModelPath(dir).optModelName(file.replaceFirst("\\.pt$", "")).build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            JniUtils.setNumThreads(threads);
            System.out.printf(Locale.ROOT, "model %s/%s, threads %d, interop %s, graph_optimizer %s, OMP_NUM_THREADS=%s "
                            + "OMP_WAIT_POLICY=%s MALLOC_MMAP_THRESHOLD_=%s LD_PRELOAD=%s%n", dir, file, threads,
                    System.getProperty("ai.djl.pytorch.num_interop_threads", "-"),
                    System.getProperty("ai.djl.pytorch.graph_optimizer", "-"), System.getenv("OMP_NUM_THREADS"),
                    System.getenv("OMP_WAIT_POLICY"), System.getenv("MALLOC_MMAP_THRESHOLD_"),
                    System.getenv("LD_PRELOAD"));
            if (workers > 0) {
                parallel(model, shapes.get(0), workers, threads, warmup, seconds);
                return 0;
            }
            try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
                for (int[] shape : shapes) {
                    long[] times = new long[iterations];
                    long cpu0 = 0;
                    for (int i = -warmup; i < iterations; i++) {
                        if (i == 0) cpu0 = processCpuNanos();
                        long t = pass(model, predictor, shape[0], shape[1], i);
                        if (i >= 0) times[i] = t;
                    }
                    // CPU time (user + system, all threads): on a shared machine wall time measures the neighbours
                    double cpu = (processCpuNanos() - cpu0) / 1e6 / iterations;
                    java.util.Arrays.sort(times);
                    double med = Stats.median(java.util.Arrays.stream(times).mapToObj(t -> t / 1e6).toList());
                    System.out.printf(Locale.ROOT, "[%d, %d]  wall median %.1f ms/pass  min %.1f  max %.1f  %.3f ms/token"
                                    + " | CPU %.1f ms/pass  %.3f CPU ms/token%n", shape[0], shape[1], med,
                            times[0] / 1e6, times[iterations - 1] / 1e6, med / (shape[0] * (double) shape[1]), cpu,
                            cpu / (shape[0] * (double) shape[1]));
                }
            }
        }
        return 0;
    }

    private static void parallel(ZooModel<NDList, NDList> model, int[] shape, int workers, int threads, int warmup,
            double seconds) throws Exception {
        CyclicBarrier start = new CyclicBarrier(workers);
        long[] counts = new long[workers];
        long[] nanos = new long[workers];
        List<Thread> list = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int id = w;
            list.add(Thread.ofPlatform().start(() -> {
                try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
                    JniUtils.setNumThreads(threads);
                    for (int i = 0; i < warmup; i++) pass(model, predictor, shape[0], shape[1], i);
                    start.await();
                    long t0 = System.nanoTime();
                    long deadline = t0 + (long) (seconds * 1e9);
                    int i = 0;
                    while (System.nanoTime() < deadline) {
                        pass(model, predictor, shape[0], shape[1], i++);
                        counts[id]++;
                    }
                    nanos[id] = System.nanoTime() - t0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : list) t.join();
        double total = 0;
        for (int w = 0; w < workers; w++) total += counts[w] / (nanos[w] / 1e9);
        System.out.printf(Locale.ROOT, "workers %d x threads %d, [%d, %d]: %.2f passes/s in total (%.1f ms/pass "
                + "per worker)%n", workers, threads, shape[0], shape[1], total, 1000.0 * workers / total);
    }

    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0L;
    }

    /** One forward pass on random ids (all real tokens); returns its time in ns. */
    private static long pass(ZooModel<NDList, NDList> model, Predictor<NDList, NDList> predictor, int rows, int len,
            int seed) throws Exception {
        Random random = new Random(seed);
        long[] ids = new long[rows * len];
        long[] mask = new long[rows * len];
        long[] types = new long[rows * len];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + random.nextInt(20000);
            mask[i] = 1;
            types[i] = (i % len) > len / 4 ? 1 : 0;
        }
        try (NDManager scope = model.getNDManager().newSubManager()) {
            Shape shape = new Shape(rows, len);
            NDList in = new NDList(scope.create(ids, shape), scope.create(mask, shape), scope.create(types, shape));
            long t0 = System.nanoTime();
            NDList out = predictor.predict(in);
            out.get(0).toFloatArray();
            return System.nanoTime() - t0;
        }
    }
}
