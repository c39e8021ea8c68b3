package dev.batchqa.inference;

import dev.batchqa.shared.config.Env;
import java.time.Duration;
import java.util.Map;

/**
 * How one SQS batch is spent: the cost a single question may have, how much work runs between two looks at the
 * clock, and how much of the invocation's time is kept back for the last writes.
 *
 * <pre>{@code
 * BatchPolicy policy = BatchPolicy.DEFAULT.withMaxWindowsPerQuestion(250);
 * }</pre>
 *
 * @param maxWindowsPerQuestion a question whose context needs more model windows than this ends FAILED
 *     {@code TOO_MANY_WINDOWS} before any forward pass: its cost is bounded whatever the script or the input
 * @param chunkWindows windows answered together before the clock is checked again and the answers are stored; at
 *     least one whole question per piece (a question's windows are decoded together). It also bounds memory: only
 *     the piece being answered is tokenized
 * @param deadlineMargin time kept back at the end of an invocation to finish writes, send continuations and return
 *     the response: at most this, and a tenth of the invocation's time when that is less (at least a second): the
 *     writes run beside the passes, so what is left at the end is one piece's writes, and 5 s of a 15 s function
 *     would be a third of its work
 * @param initialMillisPerToken the cost of one padded token until this process has measured its own (the handler
 *     measures a full-length pass at init)
 * @param writeConcurrency DynamoDB writes in flight at once, so that the model never waits on the table
 */
public record BatchPolicy(
        int maxWindowsPerQuestion,
        int chunkWindows,
        Duration deadlineMargin,
        double initialMillisPerToken,
        int writeConcurrency) {

    /**
     * 500 windows of 384 tokens cover every 40,000-character context measured (Hangul needs 241). The initial cost,
     * 0.25 ms a token (about 100 ms a full window), is pessimistic for every model measured on CPU.
     */
    public static final BatchPolicy DEFAULT = new BatchPolicy(500, 32, Duration.ofSeconds(5), 0.25, 8);

    public BatchPolicy {
        if (maxWindowsPerQuestion < 1) throw new IllegalArgumentException("maxWindowsPerQuestion must be >= 1");
        if (chunkWindows < 1) throw new IllegalArgumentException("chunkWindows must be >= 1");
        if (deadlineMargin.isNegative()) throw new IllegalArgumentException("deadlineMargin must not be negative");
        if (!(initialMillisPerToken > 0)) throw new IllegalArgumentException("initialMillisPerToken must be > 0");
        if (writeConcurrency < 1) throw new IllegalArgumentException("writeConcurrency must be >= 1");
    }

    /** The inference function's timeout, as the template sets it from {@code InferenceTimeoutSeconds}. */
    public static final String FUNCTION_TIMEOUT_SECONDS = "QA_FUNCTION_TIMEOUT_SECONDS";
    /** The template's default timeout, and the local runner's. */
    public static final int DEFAULT_FUNCTION_TIMEOUT_SECONDS = 120;
    /** Lambda's longest timeout. */
    public static final int MAX_FUNCTION_TIMEOUT_SECONDS = 900;
    /** Windows per second of timeout in the cap: half the timeout at the documented 3 windows a second. */
    static final double CAP_WINDOWS_PER_SECOND = 1.5;

    /** {@value #FUNCTION_TIMEOUT_SECONDS}, 1 to {@value #MAX_FUNCTION_TIMEOUT_SECONDS} s; 120 s when unset. */
    public static Duration functionTimeout(Map<String, String> vars) {
        return Duration.ofSeconds(new Env(vars).integer(FUNCTION_TIMEOUT_SECONDS, DEFAULT_FUNCTION_TIMEOUT_SECONDS, 1,
                MAX_FUNCTION_TIMEOUT_SECONDS));
    }

    /**
     * {@link #DEFAULT} with the window cap a function of this timeout can afford: half the timeout at 3 windows a
     * second (the MobileBERT-shaped model measured 2.2 windows/s on one thread, docs/evaluation.md; x1.4 modelled for
     * the second vCPU of 3008 MB), so that one costly question never takes a whole invocation; at most the default's
     * 500 (a 40,000-character context needs at most 241 windows). A question over it fails {@code TOO_MANY_WINDOWS}
     * at once instead of running into the deadline. 30 s: 45 windows, 120 s: 180, 300 s: 450, 600 s and more: 500.
     */
    public static BatchPolicy forTimeout(Duration functionTimeout) {
        long windows = Math.round(functionTimeout.toSeconds() * CAP_WINDOWS_PER_SECOND);
        return DEFAULT.withMaxWindowsPerQuestion((int) Math.max(1, Math.min(DEFAULT.maxWindowsPerQuestion, windows)));
    }

    /** The margin an invocation with {@code remainingMillis} keeps back (see {@code deadlineMargin}). */
    public Duration marginFor(long remainingMillis) {
        long tenth = Math.max(1_000, remainingMillis / 10);
        return Duration.ofMillis(Math.min(deadlineMargin.toMillis(), tenth));
    }

    public BatchPolicy withMaxWindowsPerQuestion(int windows) {
        return new BatchPolicy(windows, chunkWindows, deadlineMargin, initialMillisPerToken, writeConcurrency);
    }

    public BatchPolicy withInitialMillisPerToken(double millis) {
        return new BatchPolicy(maxWindowsPerQuestion, chunkWindows, deadlineMargin, millis, writeConcurrency);
    }

    public BatchPolicy withDeadlineMargin(Duration margin) {
        return new BatchPolicy(maxWindowsPerQuestion, chunkWindows, margin, initialMillisPerToken, writeConcurrency);
    }

    public BatchPolicy withChunkWindows(int windows) {
        return new BatchPolicy(maxWindowsPerQuestion, windows, deadlineMargin, initialMillisPerToken, writeConcurrency);
    }
}
