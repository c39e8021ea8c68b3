package dev.batchqa.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import dev.batchqa.engine.CpuIsa;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * This CPU's attainable matrix-product rate per core, measured with the libtorch (and ISA caps) of the running JVM:
 * the ceiling the benchmark's achieved GFLOP/s are read against.
 *
 * <pre>{@code
 * GemmPeak peak = GemmPeak.measure(); // about 3 s
 * double fraction = achievedGflopsPerCpuSecond / peak.fp32();
 * }</pre>
 *
 * <p>Runs {@code gemm-probe.pt} ({@code model/make_gemm_probe.py}: a weightless scripted module) on one thread with
 * one intra-op thread: a [2048, 1024] by [1024, 1024] product in fp32, as a dynamic int8 Linear (FBGEMM, what the
 * int8 variants' Linears run) and in bf16 where native, best of three timings by that thread's CPU time (so other processes on a
 * shared machine cost wall time, not the figure). Square-ish and large on purpose: the best case, not the model's
 * shapes, so "fraction of peak" says how far a mode is from what the hardware can do at all.
 *
 * @param fp32 GFLOP per CPU-second of the fp32 product
 * @param int8 the same for the dynamic int8 Linear (activation quantization included)
 * @param bf16 the same in bf16 (emulated where the CPU or the caps have no native bf16)
 */
public record GemmPeak(double fp32, double int8, double bf16) {

    private static final int M = 2048;
    private static final int K = 1024;
    private static final int N = 1024;

    /**
     * Measures all three; bf16 only where it is native ({@link CpuIsa#nativeBf16()}; else NaN): emulated it runs at
     * about 1 GFLOP/s and would take a minute.
     */
    public static GemmPeak measure() throws Exception {
        boolean bf16 = CpuIsa.current().nativeBf16();
        Path dir = Files.createTempDirectory("gemm-probe");
        try (InputStream in = GemmPeak.class.getResourceAsStream("gemm-probe.pt")) {
            if (in == null) throw new IOException("gemm-probe.pt is not on the classpath (model/make_gemm_probe.py)");
            Files.copy(in, dir.resolve("gemm-probe.pt"));
        }
        ExecutorService thread = Executors.newSingleThreadExecutor();
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch").optTranslator(new NoopTranslator()).optOption("mapLocation", "true")
                .optModelPath(dir).optModelName("gemm-probe").build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager nd = model.getNDManager().newSubManager()) {
            NDList[] inputs = new NDList[3];
            for (int mode = 0; mode < 3; mode++) {
                inputs[mode] = new NDList(nd.randomNormal(new Shape(M, K)), nd.randomNormal(new Shape(N, K)),
                        nd.create((long) mode), nd.create(4L));
            }
            return thread.submit(() -> {
                JniUtils.getNumThreads(); // as the engine's workers: this thread's OpenMP team, one thread
                JniUtils.setNumThreads(1);
                double[] best = new double[3];
                best[2] = bf16 ? 0 : Double.NaN;
                for (int trial = 0; trial < 3; trial++) {
                    for (int mode = 0; mode < (bf16 ? 3 : 2); mode++) {
                        best[mode] = Math.max(best[mode], time(predictor, inputs[mode], 4));
                    }
                }
                return new GemmPeak(best[0], best[1], best[2]);
            }).get();
        } finally {
            thread.shutdown();
            Files.deleteIfExists(dir.resolve("gemm-probe.pt"));
            Files.deleteIfExists(dir);
        }
    }

    /** The peak for a variant as {@code ModelIdentity} names it. */
    public double of(String variant) {
        return switch (variant) {
            case "int8" -> int8;
            case "bf16" -> bf16;
            default -> fp32;
        };
    }

    private static double time(Predictor<NDList, NDList> predictor, NDList in, int iters) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        predictor.predict(in).close(); // first call: the executor's profiling run, packing code paths
        long c0 = threads.getCurrentThreadCpuTime();
        predictor.predict(in).close();
        long cpu = threads.getCurrentThreadCpuTime() - c0;
        return 2.0 * M * K * N * iters / (cpu / 1e9) / 1e9;
    }
}
