package dev.batchqa.bench;

import dev.batchqa.tools.Stats;
import java.util.Arrays;
import java.util.List;

/** Latency samples (milliseconds) of one benchmark cell: nearest-rank percentiles and throughput. */
public record LatencyStats(double[] sortedMillis, int questionsPerSample) {

    public static LatencyStats of(List<Double> millis, int questionsPerSample) {
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new LatencyStats(sorted, questionsPerSample);
    }

    /** Nearest-rank percentile ({@link Stats#percentile}); NaN without samples. */
    public double percentile(double p) {
        return Stats.percentile(sortedMillis, p);
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
