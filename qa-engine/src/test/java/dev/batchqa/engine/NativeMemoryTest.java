package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {

    @Test
    void bothThresholdsMustBeRaised() {
        assertTrue(NativeMemory.tuned(Map.of("MALLOC_MMAP_THRESHOLD_", "1000000000",
                "MALLOC_TRIM_THRESHOLD_", " 1000000000 ")));
        assertFalse(NativeMemory.tuned(Map.of()), "glibc defaults");
        assertFalse(NativeMemory.tuned(Map.of("MALLOC_MMAP_THRESHOLD_", "1000000000")), "trim missing");
        // 32 MiB is glibc's own dynamic ceiling: a 56 MiB attention tensor is still unmapped on free
        assertFalse(NativeMemory.tuned(Map.of("MALLOC_MMAP_THRESHOLD_", "33554432",
                "MALLOC_TRIM_THRESHOLD_", "1000000000")));
        assertFalse(NativeMemory.tuned(Map.of("MALLOC_MMAP_THRESHOLD_", "lots",
                "MALLOC_TRIM_THRESHOLD_", "1000000000")));
    }
}
