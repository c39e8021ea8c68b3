package dev.batchqa.bench;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The SQuAD 2.0 null-threshold search ({@code find_best_thresh} of the official v2.0 script): a question abstains
 * ("no answer") when its {@code nullScore - bestSpanLogit > threshold}; the best threshold is the one that maximizes
 * the summed score over the questions. Candidate thresholds are the questions' own differences (plus -infinity =
 * always abstain). Unlike the official loop, questions with equal differences are taken together (a threshold cannot
 * split a tie); among equally good thresholds the lowest wins.
 */
public final class ThresholdSearch {

    /**
     * One question.
     *
     * @param nullMinusSpan {@code nullScore - bestSpanLogit} (may be +infinity when there is no span)
     * @param ifAnswered score (EM or F1, 0..1) of the best non-null prediction
     * @param ifAbstained score of predicting "" (1 for an unanswerable question, else 0)
     */
    public record Item(double nullMinusSpan, double ifAnswered, double ifAbstained) {}

    /** @param threshold the chosen threshold; @param score the mean score (0..1) with it */
    public record Result(double threshold, double score) {}

    private ThresholdSearch() {}

    public static boolean abstains(double nullMinusSpan, double threshold) {
        return nullMinusSpan > threshold;
    }

    public static Result best(List<Item> items) {
        if (items.isEmpty()) {
            return new Result(Double.NEGATIVE_INFINITY, 0.0);
        }
        Item[] sorted = items.toArray(Item[]::new);
        Arrays.sort(sorted, Comparator.comparingDouble(Item::nullMinusSpan));
        double current = 0;
        for (Item item : sorted) {
            current += item.ifAbstained();
        }
        double bestScore = current;
        double bestThreshold = Double.NEGATIVE_INFINITY;
        int i = 0;
        while (i < sorted.length) {
            double value = sorted[i].nullMinusSpan();
            while (i < sorted.length && sorted[i].nullMinusSpan() == value) {
                current += sorted[i].ifAnswered() - sorted[i].ifAbstained();
                i++;
            }
            if (current > bestScore + 1e-12) {
                bestScore = current;
                bestThreshold = value;
            }
        }
        return new Result(bestThreshold, bestScore / sorted.length);
    }

    /** The mean score (0..1) of the items with a given threshold. */
    public static double score(List<Item> items, double threshold) {
        return items.isEmpty() ? 0.0 : items.stream()
                .mapToDouble(it -> abstains(it.nullMinusSpan(), threshold) ? it.ifAbstained() : it.ifAnswered())
                .sum() / items.size();
    }
}
