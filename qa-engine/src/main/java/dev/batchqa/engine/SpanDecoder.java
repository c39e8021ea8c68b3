package dev.batchqa.engine;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SQuAD reference post-processing over all windows of one query: the n-best start and end tokens per window,
 * {@code end >= start}, both context tokens, at most maxAnswerLength tokens, span logit = start + end logit; answer
 * text cut from the original context by character offsets; SQuAD 2.0 null rule against the [CLS] score.
 *
 * <p>One addition: a span whose text is longer than maxAnswerChars UTF-16 chars is not a candidate either, exactly
 * like a span over maxAnswerLength tokens, so the next best span wins (or no answer, if none is left). A token can
 * cover a long text (WordPiece makes a word over 100 characters one [UNK]), and without this cap ten answers could
 * exceed DynamoDB's 400 KB item limit.
 */
final class SpanDecoder {

    private final EngineOptions settings;

    SpanDecoder(EngineOptions settings) {
        this.settings = settings;
    }

    QaResult decode(QaQuery query, List<Window> windows) {
        String context = query.context();
        int maxAnswerLength = query.maxAnswerLength() != null ? query.maxAnswerLength() : settings.maxAnswerLength();
        double nullScore = Double.POSITIVE_INFINITY;
        Map<Long, Candidate> candidates = new HashMap<>();
        for (Window w : windows) {
            nullScore = Math.min(nullScore, (double) w.startLogits[0] + w.endLogits[0]);
            collect(w, context, maxAnswerLength, candidates);
        }
        double best = candidates.values().stream().mapToDouble(Candidate::logit).max()
                .orElse(Double.NEGATIVE_INFINITY);
        // score = p_start * p_end, both softmaxes over [CLS] + context positions of all windows of this query
        double logNorm = windows.isEmpty() ? Double.NaN : logSumExp(windows, true) + logSumExp(windows, false);
        double noAnswerScore = windows.isEmpty() ? Double.NaN : Math.exp(nullScore - logNorm);
        if (candidates.isEmpty() || query.allowNoAnswer() && nullScore - best > settings.nullThreshold()) {
            return new QaResult(List.of(), nullScore, best, windows.size(), noAnswerScore);
        }
        List<Span> answers = candidates.values().stream()
                .sorted(Comparator.comparingDouble(Candidate::logit).reversed()
                        .thenComparingInt(Candidate::start)
                        .thenComparingInt(Candidate::end))
                .limit(query.topK())
                .map(c -> new Span(context.substring(c.start, c.end), c.start, c.end, Math.exp(c.logit - logNorm)))
                .toList();
        return new QaResult(answers, nullScore, best, windows.size(), noAnswerScore);
    }

    /** Adds this window's valid spans; a span seen in several overlapping windows keeps its best logit. */
    private void collect(Window w, String context, int maxAnswerLength, Map<Long, Candidate> candidates) {
        int[] starts = nBest(w, w.startLogits);
        int[] ends = nBest(w, w.endLogits);
        for (int s : starts) {
            for (int e : ends) {
                if (e < s || e - s + 1 > maxAnswerLength) {
                    continue;
                }
                int from = w.charStart[s];
                int to = extendOverMarks(context, w.charEnd[e]);
                if (to <= from || to - from > settings.maxAnswerChars()) {
                    continue;
                }
                Candidate c = new Candidate(from, to, (double) w.startLogits[s] + w.endLogits[e]);
                candidates.merge(((long) from << 32) | to, c, (a, b) -> a.logit >= b.logit ? a : b);
            }
        }
    }

    /**
     * The positions of the nBest highest logits among the window's context tokens, highest first, ties in position
     * order (as a stable sort would give them). One pass with a small insertion-sorted array: this runs twice per
     * window, and sorting every position of a 384-token window (boxed) was a visible share of a batch's CPU.
     */
    private int[] nBest(Window w, float[] logits) {
        int n = settings.nBest();
        int[] best = new int[n];
        int size = 0;
        for (int i = 0; i < w.length(); i++) {
            if (!w.isContext(i)) continue;
            float v = logits[i];
            if (size == n && Float.compare(v, logits[best[n - 1]]) <= 0) continue;
            int pos = size < n ? size++ : n - 1;
            while (pos > 0 && Float.compare(logits[best[pos - 1]], v) < 0) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = i;
        }
        return size == n ? best : Arrays.copyOf(best, size);
    }

    /**
     * Accent-stripping normalizers drop combining marks, so a trailing mark (e.g. U+0308 after a letter) belongs to
     * no token; keep it with the letter it modifies.
     */
    private static int extendOverMarks(String context, int end) {
        while (end < context.length()) {
            int cp = context.codePointAt(end);
            int type = Character.getType(cp);
            if (type != Character.NON_SPACING_MARK && type != Character.ENCLOSING_MARK
                    && type != Character.COMBINING_SPACING_MARK) {
                break;
            }
            end += Character.charCount(cp);
        }
        return end;
    }

    /** log of the sum of exp(logit) over [CLS] and the context positions of all windows. */
    private static double logSumExp(List<Window> windows, boolean start) {
        double max = Double.NEGATIVE_INFINITY;
        for (Window w : windows) {
            float[] logits = start ? w.startLogits : w.endLogits;
            for (int i = 0; i < w.length(); i++) {
                if (i == 0 || w.isContext(i)) {
                    max = Math.max(max, logits[i]);
                }
            }
        }
        double sum = 0;
        for (Window w : windows) {
            float[] logits = start ? w.startLogits : w.endLogits;
            for (int i = 0; i < w.length(); i++) {
                if (i == 0 || w.isContext(i)) {
                    sum += Math.exp(logits[i] - max);
                }
            }
        }
        return max + Math.log(sum);
    }

    private record Candidate(int start, int end, double logit) {}
}
