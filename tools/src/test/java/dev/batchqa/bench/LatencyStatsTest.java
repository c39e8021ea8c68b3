package dev.batchqa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void nearestRankPercentilesAndThroughput() {
        LatencyStats s = LatencyStats.of(List.of(400.0, 100.0, 300.0, 200.0), 8);
        assertEquals(200.0, s.percentile(50));
        assertEquals(400.0, s.percentile(99));
        assertEquals(100.0, s.percentile(1));
        // 4 batches of 8 questions in 1.0 s
        assertEquals(32.0, s.questionsPerSecond(), 1e-9);
        assertEquals(4, s.samples());
    }
}
