package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The admission rule and the cost of reading the queue's depth. */
class BacklogGateTest {
    private final AtomicLong depth = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000);

    private BacklogGate gate(long max) {
        return new BacklogGate(() -> {
            reads.incrementAndGet();
            return depth.get();
        }, max, Duration.ofSeconds(5), nanos::get);
    }

    @Test
    void refusesFromTheLimitOn() {
        depth.set(99);
        assertTrue(gate(100).admits());
        depth.set(100);
        assertFalse(gate(100).admits());
    }

    @Test
    void readsTheDepthOncePerRefreshInterval() {
        BacklogGate gate = gate(100);
        depth.set(5);
        for (int i = 0; i < 1_000; i++) assertTrue(gate.admits());
        assertEquals(1, reads.get());

        depth.set(500); // the queue filled up: seen once the reading is 5 s old, not before
        nanos.addAndGet(Duration.ofSeconds(5).toNanos() - 1);
        assertTrue(gate.admits());
        nanos.addAndGet(1);
        assertFalse(gate.admits());
        assertEquals(2, reads.get());
    }

    @Test
    void admitsWhenTheDepthCannotBeReadAndTriesAgainLater() {
        AtomicInteger calls = new AtomicInteger();
        BacklogGate gate = new BacklogGate(() -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("AccessDenied");
            return 1_000;
        }, 100, Duration.ofSeconds(5), nanos::get);

        assertTrue(gate.admits());
        assertTrue(gate.admits());
        assertEquals(1, calls.get(), "not retried on every request");
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertFalse(gate.admits());
    }

    @Test
    void zeroTurnsItOffWithoutReadingAnything() {
        depth.set(Long.MAX_VALUE);
        assertTrue(gate(0).admits());
        assertEquals(0, reads.get());
    }
}
