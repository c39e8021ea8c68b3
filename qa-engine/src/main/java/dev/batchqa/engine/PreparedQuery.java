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
    /** The engine's own windows; null for answerers that do not split (they answer the query itself). */
    final List<Window> windows;

    PreparedQuery(QaQuery query, List<Window> windows) {
        this.query = query;
        this.windows = windows;
        this.windowCount = windows.size();
    }

    private PreparedQuery(QaQuery query, int windowCount) {
        this.query = query;
        this.windows = null;
        this.windowCount = windowCount;
    }

    /** For answerers without windows of their own (test doubles, remote models): a cost of {@code windows}. */
    public static PreparedQuery unsplit(QaQuery query, int windows) {
        return new PreparedQuery(query, windows);
    }

    public QaQuery query() {
        return query;
    }

    /** Model inputs (forward-pass rows) this query needs: its cost. */
    public int windows() {
        return windowCount;
    }
}
