package dev.batchqa.engine;

import java.util.List;

/**
 * A query already split into windows, not yet run through the model. Tokenizing first lets a caller see what a
 * question will cost ({@link #windows()}) before spending any forward pass on it, and refuse or postpone it.
 *
 * <pre>{@code
 * PreparedQuery p = engine.prepare(query);
 * if (p.windows() > cap) reject(query);
 * else result = engine.answerPrepared(List.of(p)).get(0);
 * }</pre>
 *
 * <p>Obtained from {@link Answerer#prepare}; answered once by the answerer that prepared it.
 */
public final class PreparedQuery {
    private final QaQuery query;
    private final int windowCount;
    private final long tokens;
    /** The engine's own windows; null for answerers that do not split (they answer the query itself). */
    final List<Window> windows;

    PreparedQuery(QaQuery query, List<Window> windows, long tokens) {
        this.query = query;
        this.windows = windows;
        this.windowCount = windows.size();
        this.tokens = tokens;
    }

    private PreparedQuery(QaQuery query, int windowCount, long tokens) {
        this.query = query;
        this.windows = null;
        this.windowCount = windowCount;
        this.tokens = tokens;
    }

    /** For answerers without windows of their own (test doubles, remote models): a cost of {@code windows}. */
    public static PreparedQuery unsplit(QaQuery query, int windows) {
        return new PreparedQuery(query, windows, (long) windows * NOMINAL_WINDOW_TOKENS);
    }

    /** As {@link #unsplit(QaQuery, int)}, with the padded tokens those windows cost. */
    public static PreparedQuery unsplit(QaQuery query, int windows, long tokens) {
        return new PreparedQuery(query, windows, tokens);
    }

    /** The tokens a window of an answerer that does not say is assumed to cost: a full window of the usual models. */
    public static final int NOMINAL_WINDOW_TOKENS = 384;

    public QaQuery query() {
        return query;
    }

    /** Model inputs (forward-pass rows) this query needs. */
    public int windows() {
        return windowCount;
    }

    /**
     * The padded tokens of those rows: what the forward passes really cost. A 40-token question about a short
     * paragraph and a full 384-token window are one window each, but the second costs ten times the first, so a
     * caller that plans against a deadline counts tokens.
     */
    public long tokens() {
        return tokens;
    }
}
