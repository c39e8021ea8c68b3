package dev.batchqa.bench;

import java.util.Arrays;
import java.util.List;

/** Latency samples (milliseconds) of one benchmark cell: nearest-rank percentiles and throughput. */
public record LatencyStats(double[] sortedMillis, int questionsPerSample) {

    public static LatencyStats of(List<Double> millis, int questionsPerSample) {
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new LatencyStats(sorted, questionsPerSample);
    }

    /** Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
    public double percentile(double p) {
        if (sortedMillis.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedMillis.length);
        return sortedMillis[Math.max(0, Math.min(sortedMillis.length - 1, rank - 1))];
    }

    public double totalMillis() {
        return Arrays.stream(sortedMillis).sum();
    }

    /** Questions answered per second over all samples. */
    public double questionsPerSecond() {
        double total = totalMillis();
        return total == 0 ? Double.NaN : sortedMillis.length * (double) questionsPerSample / (total / 1000.0);
    }

    public int samples() {
        return sortedMillis.length;
    }
}
