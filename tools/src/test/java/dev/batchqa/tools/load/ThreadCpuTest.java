package dev.batchqa.tools.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ThreadCpuTest {

    @Test
    void groupsThreadNamesWithoutTheirNumber() {
        assertEquals("answer-writer", ThreadCpu.group("answer-writer-7"));
        assertEquals("GC Thread", ThreadCpu.group("GC Thread#1"));
        assertEquals("C1 CompilerThre", ThreadCpu.group("C1 CompilerThre"));
        assertEquals("42", ThreadCpu.group("42"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void chargesALiveThreadToItsGroupAndAnEndedOneToEndedThreads() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch spun = new CountDownLatch(1);
        ThreadCpu before = ThreadCpu.now();
        Thread live = Thread.ofPlatform().name("spin-live-3").start(() -> {
            spin(300);
            spun.countDown();
            await(release);
        });
        Thread ended = Thread.ofPlatform().name("spin-ended-1").start(() -> spin(300));
        ended.join();
        spun.await(); // the live one has spun too
        Map<String, Long> nanos = ThreadCpu.now().since(before);
        release.countDown();
        live.join();

        assertTrue(nanos.getOrDefault("spin-live", 0L) >= 200_000_000L, nanos.toString());
        assertTrue(nanos.getOrDefault(ThreadCpu.ENDED, 0L) >= 200_000_000L, nanos.toString());
        assertTrue(!nanos.containsKey("spin-ended"), nanos.toString());
    }

    /** Spins until this thread has had {@code millis} of CPU, however busy the machine is. */
    private static void spin(long millis) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long until = threads.getCurrentThreadCpuTime() + millis * 1_000_000;
        while (threads.getCurrentThreadCpuTime() < until) {
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
