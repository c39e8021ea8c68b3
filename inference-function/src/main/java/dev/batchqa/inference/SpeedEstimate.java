package dev.batchqa.inference;

/**
 * What a forward pass costs on this container, per padded token: the loop asks it whether a piece of work fits
 * the time left before starting it. Kept across the invocations of a container (its hardware and its neighbours
 * do not change between two batches), and thread-safe.
 *
 * <p>Three figures, for three decisions:
 * <ul>
 *   <li>{@link #pessimisticMillis}: whether a piece may start now. The recent speed (a weighted average with the
 *       last piece) or the last piece, whichever is slower, times {@value #SAFETY} — a piece started on a hopeful
 *       estimate is the one that runs the invocation into its timeout, and a timeout costs every message of the
 *       batch a receive;</li>
 *   <li>{@link #optimisticMillis}: whether a question could ever be answered, by the best speed seen. Only that
 *       refuses a question for good ({@code EXCEEDS_TIME_BUDGET}), so a busy moment never fails one;</li>
 *   <li>the initial figure, from a full-length pass at init ({@link #seeded}): short warm-up passes cost far less
 *       per token than full windows, and an estimate from them started long questions with too little time.</li>
 * </ul>
 *
 * <pre>{@code
 * SpeedEstimate speed = SpeedEstimate.seeded(0.05); // ms per token, measured at init
 * if (deadline.fits(speed.pessimisticMillis(tokens))) { run(); speed.observe(tokens, nanos); }
 * }</pre>
 */
public final class SpeedEstimate {
    /** How much slower than the recent speed a piece may turn out before it runs into the deadline margin. */
    static final double SAFETY = 1.5;
    /** Pieces this small are dominated by fixed costs per call: they do not set the best speed. */
    static final long MIN_TOKENS_FOR_BEST = 4L * 384;

    private double millisPerToken;
    private double lastMillisPerToken;
    private double bestMillisPerToken;
    private boolean measured;

    private SpeedEstimate(double millisPerToken) {
        if (!(millisPerToken > 0)) throw new IllegalArgumentException("millisPerToken must be > 0");
        this.millisPerToken = millisPerToken;
        this.lastMillisPerToken = millisPerToken;
        this.bestMillisPerToken = millisPerToken;
    }

    /** An estimate that starts at {@code millisPerToken}, measured at init or assumed. */
    public static SpeedEstimate seeded(double millisPerToken) {
        return new SpeedEstimate(millisPerToken);
    }

    /** Records a piece that ran: {@code tokens} padded tokens in {@code nanos}. */
    public synchronized void observe(long tokens, long nanos) {
        if (tokens <= 0) return;
        double observed = nanos / 1e6 / tokens;
        // weighted: one slow piece (a noisy neighbour) moves the estimate, but not all the way
        millisPerToken = 0.5 * millisPerToken + 0.5 * observed;
        lastMillisPerToken = observed;
        if (tokens >= MIN_TOKENS_FOR_BEST) {
            bestMillisPerToken = measured ? Math.min(bestMillisPerToken, observed) : observed;
            measured = true;
        }
    }

    /** What {@code tokens} may cost at worst, in milliseconds: start a piece only if this fits. */
    public synchronized double pessimisticMillis(long tokens) {
        return tokens * Math.max(millisPerToken, lastMillisPerToken) * SAFETY;
    }

    /** What {@code tokens} cost at the best speed seen, in milliseconds. */
    public synchronized double optimisticMillis(long tokens) {
        return tokens * bestMillisPerToken;
    }

    /** Whether the best speed comes from real work, not from the initial figure: only then may it refuse a question. */
    public synchronized boolean measured() {
        return measured;
    }

    /** The current estimate, for logs and metrics. */
    public synchronized double millisPerToken() {
        return millisPerToken;
    }
}
