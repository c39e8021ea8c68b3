package dev.batchqa.inference;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One invocation's clock: until when new work may start ({@code remaining - margin}), and until when the last
 * writes may be waited for before the response must be returned.
 *
 * <pre>{@code
 * Deadline deadline = Deadline.of(context.getRemainingTimeInMillis(), Duration.ofSeconds(5));
 * if (deadline.fits(estimateMillis)) runPiece();
 * }</pre>
 */
public final class Deadline {
    /** Without a deadline (tests, tools) everything fits. */
    public static final long NONE = Long.MAX_VALUE;
    /** Time kept back after the last write wait, to send continuations and return the response. */
    private static final long RESPONSE_MARGIN_MILLIS = 500;

    private final long startNanos;
    private final long workEndNanos;
    private final long writeEndNanos;

    private Deadline(long startNanos, long workEndNanos, long writeEndNanos) {
        this.startNanos = startNanos;
        this.workEndNanos = workEndNanos;
        this.writeEndNanos = writeEndNanos;
    }

    /** @param remainingMillis Lambda's {@code getRemainingTimeInMillis()}, or {@link #NONE} */
    public static Deadline of(long remainingMillis, Duration margin) {
        long now = System.nanoTime();
        if (remainingMillis == NONE) return new Deadline(now, Long.MAX_VALUE, Long.MAX_VALUE);
        long responseMargin = Math.min(RESPONSE_MARGIN_MILLIS, margin.toMillis());
        return new Deadline(now, now + TimeUnit.MILLISECONDS.toNanos(remainingMillis) - margin.toNanos(),
                now + TimeUnit.MILLISECONDS.toNanos(remainingMillis - responseMargin));
    }

    /** Whether work estimated at {@code millis} would end before new work must stop. */
    public boolean fits(double millis) {
        if (workEndNanos == Long.MAX_VALUE) return true;
        return System.nanoTime() + (long) (millis * 1e6) <= workEndNanos;
    }

    /** Whether work estimated at {@code millis} would fit if the whole invocation were its own. */
    public boolean fitsWhole(double millis) {
        if (workEndNanos == Long.MAX_VALUE) return true;
        return startNanos + (long) (millis * 1e6) <= workEndNanos;
    }

    /** Nanoseconds left for waiting on writes (never negative); {@code Long.MAX_VALUE} without a deadline. */
    public long writeWaitNanos() {
        if (writeEndNanos == Long.MAX_VALUE) return Long.MAX_VALUE;
        return Math.max(0, writeEndNanos - System.nanoTime());
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
