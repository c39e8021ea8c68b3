package dev.batchqa.engine;

import java.util.Objects;

/**
 * One extractive question: find the answer to {@code question} inside {@code context}.
 *
 * <pre>{@code
 * QaQuery query = new QaQuery("Which score?", context, 3, 10, false); // 3 answers of at most 10 tokens, never "none"
 * }</pre>
 *
 * @param question the question; truncated to the model's {@code max_query_length} tokens
 * @param context the text to search; any length (long contexts are split into overlapping windows)
 * @param topK how many distinct answers to return, 1..10
 * @param maxAnswerLength longest answer in tokens for this query; null: the engine's {@code maxAnswerLength}
 * @param allowNoAnswer false: always return the best spans, whatever the no-answer score (the engine's
 *     {@code nullThreshold} applies only when true)
 */
public record QaQuery(String question, String context, int topK, Integer maxAnswerLength, boolean allowNoAnswer) {

    public static final int MAX_TOP_K = 10;

    public QaQuery {
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(context, "context");
        if (topK < 1 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("topK must be in 1.." + MAX_TOP_K + ", was " + topK);
        }
        if (maxAnswerLength != null && maxAnswerLength < 1) {
            throw new IllegalArgumentException("maxAnswerLength must be >= 1, was " + maxAnswerLength);
        }
    }

    /** With the engine's answer length and no-answer rule. */
    public QaQuery(String question, String context, int topK) {
        this(question, context, topK, null, true);
    }

    /** A query for the single best answer. */
    public static QaQuery of(String question, String context) {
        return new QaQuery(question, context, 1);
    }
}
