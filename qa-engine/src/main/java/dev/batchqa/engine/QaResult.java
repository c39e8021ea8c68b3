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
 */
public record QaResult(List<Span> answers, double nullScore, double bestSpanLogit, int windows) {

    public QaResult {
        answers = List.copyOf(answers);
    }

    /** The best answer's text, or {@code ""} for "no answer". */
    public String bestText() {
        return answers.isEmpty() ? "" : answers.get(0).text();
    }

    public boolean hasAnswer() {
        return !answers.isEmpty();
    }
}
