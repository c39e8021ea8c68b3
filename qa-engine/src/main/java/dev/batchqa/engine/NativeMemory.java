package dev.batchqa.engine;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the glibc malloc settings that big forward passes need.
 *
 * <p>glibc serves every block above its mmap threshold (raised dynamically, but never past 32 MiB) with a fresh
 * mmap and returns it with munmap on free. A forward pass of several full windows allocates attention tensors larger
 * than that (MiniLM [8, 384]: 56 MiB each), so without tuning every pass page-faults them in again: 1.8 M minor faults
 * and 1.5x the CPU per token of a one-window pass (PassProbe in tools). The settings must be in the environment
 * before the JVM starts (glibc reads them once), so the engine can only warn; the Dockerfile and scripts/run-local
 * set them:
 *
 * <pre>
 * MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000
 * </pre>
 */
final class NativeMemory {

    static final String MMAP_THRESHOLD = "MALLOC_MMAP_THRESHOLD_";
    static final String TRIM_THRESHOLD = "MALLOC_TRIM_THRESHOLD_";
    /** Blocks of at least this size stay in the heap once the thresholds are at least this high. */
    static final long MIN_THRESHOLD = 256L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);

    private NativeMemory() {}

    /** Logs a warning (once per engine load) when the environment leaves glibc's defaults in place. */
    static void warnIfUntuned() {
        if (!tuned(System.getenv())) {
            LOG.atWarn().addKeyValue(MMAP_THRESHOLD, System.getenv(MMAP_THRESHOLD))
                    .addKeyValue(TRIM_THRESHOLD, System.getenv(TRIM_THRESHOLD))
                    .log("glibc malloc thresholds not raised: big forward passes will page-fault their buffers "
                            + "on every pass; set both to 1000000000 before the JVM starts");
        }
    }

    static boolean tuned(Map<String, String> env) {
        return atLeast(env.get(MMAP_THRESHOLD)) && atLeast(env.get(TRIM_THRESHOLD));
    }

    private static boolean atLeast(String value) {
        try {
            return value != null && Long.parseLong(value.strip()) >= MIN_THRESHOLD;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
