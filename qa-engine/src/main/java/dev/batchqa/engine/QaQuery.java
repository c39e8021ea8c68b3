package dev.batchqa.engine;

import java.util.Objects;

/**
 * One extractive question: find the answer to {@code question} inside {@code context}.
 *
 * @param question the question; truncated to the model's {@code max_query_length} tokens
 * @param context the text to search; any length (long contexts are split into overlapping windows)
 * @param topK how many distinct answers to return, 1..10
 */
public record QaQuery(String question, String context, int topK) {

    public static final int MAX_TOP_K = 10;

    public QaQuery {
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(context, "context");
        if (topK < 1 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("topK must be in 1.." + MAX_TOP_K + ", was " + topK);
        }
    }

    /** A query for the single best answer. */
    public static QaQuery of(String question, String context) {
        return new QaQuery(question, context, 1);
    }
}
