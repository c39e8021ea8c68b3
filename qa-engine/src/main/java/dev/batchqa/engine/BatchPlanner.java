package dev.batchqa.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Groups windows into forward passes. Windows are sorted longest first, so each pass is padded only to its first
 * (longest) window, rounded up to a multiple of padToMultipleOf, and similar lengths share a pass. A pass is closed
 * when one more window would exceed its token budget (batch * padded length) or maxWindowsPerPass, or would be
 * mostly padding.
 *
 * <p>The token budget is not simply maxTokensPerPass: a call's windows are cut into passes of about equal cost, each at
 * most maxTokensPerPass, chosen so that 1, 2 or 3 workers (the vCPU counts of the smaller Lambda memory sizes) finish
 * a call's passes together instead of one waiting for another's big pass. The plan depends only on the windows and the
 * options, never on the engine's number of workers: a window's logits are the same whatever the pool size.
 */
final class BatchPlanner {

    /** A window joins a pass only if at least this share of its padded row is real tokens... */
    static final double MIN_FILL = 0.75;
    /** ...or if it wastes at most this many padding tokens (short windows: a new pass would cost more). */
    static final int MAX_WASTE = 16;
    /** Budgets down to a call's total over this many passes are tried. */
    static final int MAX_SPLIT = 24;
    /**
     * What a pass costs besides its tokens, in tokens' worth: MiniLM bf16 on one thread costs 0.125 ms per token in a
     * [1, 160] pass and 0.08 in [8, 160] to [16, 160] ones (PassProbe), about 7 ms (~90 tokens) per pass.
     */
    static final long PASS_OVERHEAD = 96;

    private BatchPlanner() {}

    /** A pass: the window indices it runs and the length every row is padded to. */
    record Pass(int[] windows, int paddedLength) {
        long cost() {
            return (long) windows.length * paddedLength;
        }
    }

    static List<Pass> plan(int[] lengths, EngineOptions settings) {
        int[] order = IntStream.range(0, lengths.length).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> lengths[i]).reversed().thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();
        List<Pass> best = greedy(order, lengths, settings, settings.maxTokensPerPass());
        long total = best.stream().mapToLong(Pass::cost).sum();
        double bestScore = score(best, total);
        // smaller budgets, down to a 24th of the call: the plan whose passes the pool sizes finish most evenly
        for (int k = 2; k <= MAX_SPLIT; k++) {
            int budget = (int) Math.min(settings.maxTokensPerPass(), (total + k - 1) / k);
            List<Pass> p = greedy(order, lengths, settings, budget);
            double score = score(p, total);
            if (score < bestScore) {
                best = p;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * How long 1, 2 and 3 workers take over the plan (each free worker takes the next pass, as the engine's workers
     * do), each against a perfect split, summed: 3.0 is perfect. A pass also costs a fixed {@link #PASS_OVERHEAD}, so
     * splitting finer than the workers need does not pay. Six workers (10,240 MB) are left out on purpose: a call
     * split for them pays ~15% in small passes on the 1-3 vCPU sizes, and big calls are split finely anyway.
     */
    private static double score(List<Pass> plan, long total) {
        double score = 0;
        for (int workers : new int[] {1, 2, 3}) {
            long[] busy = new long[workers];
            for (Pass p : plan) {
                int free = 0;
                for (int w = 1; w < workers; w++) if (busy[w] < busy[free]) free = w;
                busy[free] += p.cost() + PASS_OVERHEAD;
            }
            score += Arrays.stream(busy).max().orElse(0) / Math.max(1.0, (double) total / workers);
        }
        return score;
    }

    /** Fills passes in order, each up to `budget` tokens (at least one window per pass). */
    private static List<Pass> greedy(int[] order, int[] lengths, EngineOptions settings, int budget) {
        List<Pass> passes = new ArrayList<>();
        int from = 0;
        while (from < order.length) {
            int padded = paddedLength(lengths[order[from]], settings);
            int maxRows = Math.max(1, Math.min(settings.maxWindowsPerPass(), budget / padded));
            int run = 1; // the windows from here that may share this pass's padded length
            while (from + run < order.length && fits(lengths[order[from + run]], padded, settings)) {
                run++;
            }
            // a run cut by the caps is cut into even passes: 5 full windows at 4 per pass make 3 + 2, not 4 + 1
            int cuts = (run + maxRows - 1) / maxRows;
            int to = from + (run + cuts - 1) / cuts;
            int[] rows = new int[to - from];
            System.arraycopy(order, from, rows, 0, rows.length);
            passes.add(new Pass(rows, padded));
            from = to;
        }
        return passes;
    }

    /**
     * The length a pass led by a window of this length is padded to: maxSeqLength with padToMaxLength, else the next
     * multiple of padToMultipleOf (the CPU kernels' tile), never beyond maxSeqLength nor below the window itself.
     */
    static int paddedLength(int longest, EngineOptions settings) {
        if (settings.padToMaxLength()) {
            return Math.max(longest, settings.maxSeqLength());
        }
        int m = settings.padToMultipleOf();
        int rounded = (longest + m - 1) / m * m;
        return Math.max(longest, Math.min(rounded, settings.maxSeqLength()));
    }

    /**
     * Whether a window may join a pass: alone it would be padded to the same length (joining costs nothing), or the
     * padding it gets here, measured against the rounded length it really gets, is small.
     */
    private static boolean fits(int length, int padded, EngineOptions settings) {
        return settings.padToMaxLength() || paddedLength(length, settings) == padded || length >= padded * MIN_FILL
                || padded - length <= MAX_WASTE;
    }
}
