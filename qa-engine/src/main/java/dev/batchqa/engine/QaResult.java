package dev.batchqa.engine;

import java.util.List;

/**
 * The answers to one {@link QaQuery}.
 *
 * @param answers at most {@code topK} distinct spans (distinct by character offsets), best first; empty means
 *     "no answer" (the null score won, or the context has no tokens)
 * @param nullScore the SQuAD 2.0 no-answer logit: {@code start[CLS] + end[CLS]}, minimum over the windows
 * @param bestSpanLogit the best valid span's {@code start + end} logit over all windows, or
 *     {@link Double#NEGATIVE_INFINITY} if no valid span exists
 * @param windows how many windows (model inputs) the context was split into
 * @param noAnswerScore "no answer" on the answers' scale: {@code p_start[CLS] * p_end[CLS]} with the softmaxes the
 *     answers' scores use (the Hugging Face pipeline's null score), so a client can set its own threshold; NaN when
 *     the context has no tokens
 */
public record QaResult(List<Span> answers, double nullScore, double bestSpanLogit, int windows, double noAnswerScore) {

    public QaResult {
        answers = List.copyOf(answers);
    }

    /** Without a no-answer score (NaN). */
    public QaResult(List<Span> answers, double nullScore, double bestSpanLogit, int windows) {
        this(answers, nullScore, bestSpanLogit, windows, Double.NaN);
    }

    /** The best answer's text, or {@code ""} for "no answer". */
    public String bestText() {
        return answers.isEmpty() ? "" : answers.get(0).text();
    }

    public boolean hasAnswer() {
        return !answers.isEmpty();
    }
}
