package dev.batchqa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void nearestRankPercentiles() {
        long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
        assertEquals(50, Stats.percentile(sorted, 50));
        assertEquals(100, Stats.percentile(sorted, 99));
        assertEquals(100, Stats.percentile(sorted, 100));
        assertEquals(10, Stats.percentile(sorted, 0));
        assertEquals(10, Stats.percentile(sorted, 10));
        assertEquals(20, Stats.percentile(sorted, 10.5));
        assertEquals(7.0, Stats.percentile(new double[] {7.0}, 99));
    }

    @Test
    void noSamples() {
        assertEquals(0, Stats.percentile(new long[0], 50));
        assertEquals(Double.NaN, Stats.percentile(new double[0], 50));
        assertThrows(IllegalArgumentException.class, () -> Stats.median(List.of()));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3.0, Stats.median(List.of(5.0, 1.0, 3.0)));
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 3.0, 2.0)));
    }
}
