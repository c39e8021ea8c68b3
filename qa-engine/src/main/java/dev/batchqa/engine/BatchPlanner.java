package dev.batchqa.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Groups windows into forward passes. Windows are sorted longest first, so each pass is padded only to its first
 * (longest) window and similar lengths share a pass. A pass is closed when one more window would exceed
 * maxTokensPerPass (batch * padded length) or maxWindowsPerPass, or would be mostly padding.
 */
final class BatchPlanner {

    /** A window joins a pass only if at least this share of its padded row is real tokens... */
    static final double MIN_FILL = 0.75;
    /** ...or if it wastes at most this many padding tokens (short windows: a new pass would cost more). */
    static final int MAX_WASTE = 16;

    private BatchPlanner() {}

    /** A pass: the window indices it runs and the length every row is padded to. */
    record Pass(int[] windows, int paddedLength) {}

    static List<Pass> plan(int[] lengths, EngineOptions settings) {
        int[] order = IntStream.range(0, lengths.length).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> lengths[i]).reversed().thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();
        List<Pass> passes = new ArrayList<>();
        int from = 0;
        while (from < order.length) {
            int padded = settings.padToMaxLength() ? settings.maxSeqLength() : lengths[order[from]];
            int maxRows = Math.max(1, Math.min(settings.maxWindowsPerPass(), settings.maxTokensPerPass() / padded));
            int to = from + 1;
            while (to < order.length && to - from < maxRows && fits(lengths[order[to]], padded, settings)) {
                to++;
            }
            int[] rows = new int[to - from];
            System.arraycopy(order, from, rows, 0, rows.length);
            passes.add(new Pass(rows, padded));
            from = to;
        }
        return passes;
    }

    private static boolean fits(int length, int padded, EngineOptions settings) {
        return settings.padToMaxLength() || length >= padded * MIN_FILL || padded - length <= MAX_WASTE;
    }
}
