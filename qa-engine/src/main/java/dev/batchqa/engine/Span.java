package dev.batchqa.engine;

/**
 * One answer: a substring of the query's context.
 *
 * @param text always {@code context.substring(start, end)}: cut from the original text, never rebuilt from tokens
 * @param start UTF-16 index (Java {@code String} index) of the first char in the context, inclusive
 * @param end UTF-16 index in the context, exclusive
 * @param score probability of this span, {@code p_start * p_end}: each a softmax over the valid start (end)
 *     positions, i.e. {@code [CLS]} and the context tokens, of all windows of the query. For a one-window context this
 *     is the usual HuggingFace pipeline score; it lies in [0, 1], is monotone in the span logit
 *     ({@code start_logit + end_logit}) within a query, and is comparable across queries.
 */
public record Span(String text, int start, int end, double score) {}
