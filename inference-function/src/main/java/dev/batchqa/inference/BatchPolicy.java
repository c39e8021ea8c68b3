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
 * @param deadlineMargin time kept back at the end of an invocation to finish writes and return the response
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

    public static final String ENV_MAX_WINDOWS_PER_QUESTION = "QA_MAX_WINDOWS_PER_QUESTION";
    public static final String ENV_CHUNK_WINDOWS = "QA_CHUNK_WINDOWS";
    public static final String ENV_DEADLINE_MARGIN_MS = "QA_DEADLINE_MARGIN_MS";
    /** The function's timeout, as the template sets it: only used to check the window cap against it at init. */
    public static final String ENV_FUNCTION_TIMEOUT_SECONDS = "QA_FUNCTION_TIMEOUT_SECONDS";

    /** {@link #DEFAULT} with the {@code QA_*} overrides of this class's {@code ENV_*} names. */
    public static BatchPolicy fromEnvironment(Map<String, String> vars) {
        Env env = new Env(vars);
        return new BatchPolicy(
                env.integer(ENV_MAX_WINDOWS_PER_QUESTION, DEFAULT.maxWindowsPerQuestion, 1, 100_000),
                env.integer(ENV_CHUNK_WINDOWS, DEFAULT.chunkWindows, 1, 10_000),
                Duration.ofMillis(env.integer(ENV_DEADLINE_MARGIN_MS, (int) DEFAULT.deadlineMargin.toMillis(), 0, 600_000)),
                DEFAULT.initialMillisPerToken,
                DEFAULT.writeConcurrency);
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
