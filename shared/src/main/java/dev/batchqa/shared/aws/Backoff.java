package dev.batchqa.shared.aws;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Capped, jittered exponential backoff for the retries the SDK does not do itself (unprocessed keys of a batch
 * read, failed entries of a batch send). The ceiling starts at {@code initial} and doubles each attempt up to
 * {@code max}; the wait is random in the upper half of the ceiling, so many clients that failed together do not
 * retry together, yet none retries at once.
 *
 * <pre>{@code
 * Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
 * for (int attempt = 1; ; attempt++) {
 *     try { return call(); }
 *     catch (SdkException e) { if (!Backoff.isRetryable(e) || attempt == 5) throw e; }
 *     if (!Backoff.sleep(backoff.delay(attempt))) throw new IllegalStateException("interrupted");
 * }
 * }</pre>
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 <= initial <= max, got " + initial + ", " + max);
        }
    }

    /** The wait before retry number {@code attempt} (1 = the first retry). */
    public Duration delay(int attempt) {
        long exp = initial.toNanos() << Math.min(Math.max(attempt, 1) - 1, 20);
        long ceiling = Math.max(1, Math.min(max.toNanos(), exp));
        return Duration.ofNanos(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }

    /** Worth retrying: client-side failures (network, timeouts), throttling, 5xx, or what the SDK marks retryable. */
    public static boolean isRetryable(SdkException e) {
        if (e instanceof SdkClientException) return true;
        if (e instanceof AwsServiceException s) {
            return s.retryable() || s.isThrottlingException() || s.statusCode() >= 500;
        }
        return e.retryable();
    }

    /** Sleeps; false (with the interrupt flag set again) when interrupted, so the caller decides how to stop. */
    public static boolean sleep(Duration d) {
        try {
            Thread.sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
