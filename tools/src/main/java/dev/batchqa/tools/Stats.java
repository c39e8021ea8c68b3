package dev.batchqa.tools;

import java.util.List;

/**
 * The order statistics every tool reports: nearest-rank percentiles of sorted samples and the median of a few
 * rounds. One definition, so that a p99 of the load test and of a benchmark mean the same thing.
 *
 * <pre>
 * long[] sorted = latencies.clone(); Arrays.sort(sorted);
 * long p99 = Stats.percentile(sorted, 99);          // the smallest sample with 99 % of the samples at or below it
 * double typical = Stats.median(List.of(1.0, 4.0, 2.0, 3.0));   // 2.5
 * </pre>
 */
public final class Stats {
    private Stats() {}

    /** Nearest-rank percentile ({@code p} in 0..100) of ascending samples; NaN when there are none. */
    public static double percentile(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[rank(sorted.length, p)];
    }

    /** Nearest-rank percentile ({@code p} in 0..100) of ascending samples; 0 when there are none. */
    public static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[rank(sorted.length, p)];
    }

    /** The middle value, or the mean of the two middle ones for an even count; {@code values} must not be empty. */
    public static double median(List<Double> values) {
        if (values.isEmpty()) throw new IllegalArgumentException("the median of no values");
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Index of the smallest sample with at least p % of {@code n} samples at or below it. */
    private static int rank(int n, double p) {
        int rank = (int) Math.ceil(p / 100.0 * n);
        return Math.max(0, Math.min(n - 1, rank - 1));
    }
}
