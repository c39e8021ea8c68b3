package dev.batchqa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.batchqa.bench.ThresholdSearch.Item;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThresholdSearchTest {

    @Test
    void picksTheThresholdThatMaximizesTheScore() {
        List<Item> items = List.of(
                new Item(-5.0, 1.0, 0.0), // answerable, right answer, span clearly better than null
                new Item(-1.0, 0.5, 0.0), // answerable, half right
                new Item(2.0, 0.0, 1.0),  // unanswerable, null clearly better
                new Item(0.5, 0.0, 1.0),  // unanswerable
                new Item(1.0, 1.0, 0.0)); // answerable although null is higher
        // thresholds: -inf -> 2/5; -5 -> 3; -1 -> 3.5; 0.5 -> 2.5; 1.0 -> 3.5; 2.0 -> 2.5. Lowest best: -1
        ThresholdSearch.Result r = ThresholdSearch.best(items);
        assertEquals(-1.0, r.threshold());
        assertEquals(3.5 / 5, r.score(), 1e-12);
        assertEquals(3.5 / 5, ThresholdSearch.score(items, -1.0), 1e-12);
        assertEquals(2.5 / 5, ThresholdSearch.score(items, Double.POSITIVE_INFINITY), 1e-12);
        assertEquals(2.0 / 5, ThresholdSearch.score(items, Double.NEGATIVE_INFINITY), 1e-12);
    }

    @Test
    void tiesAreNotSplit() {
        // two questions with the same difference: answering one means answering both
        List<Item> items = List.of(new Item(0.0, 1.0, 0.0), new Item(0.0, 0.0, 1.0), new Item(0.0, 0.0, 1.0));
        ThresholdSearch.Result r = ThresholdSearch.best(items);
        assertEquals(Double.NEGATIVE_INFINITY, r.threshold());
        assertEquals(2.0 / 3, r.score(), 1e-12);
    }

    @Test
    void abstainsOnlyAboveTheThreshold() {
        assertEquals(false, ThresholdSearch.abstains(-9.7193, -9.7193));
        assertEquals(true, ThresholdSearch.abstains(-9.7, -9.7193));
        assertEquals(false, ThresholdSearch.abstains(5.0, Double.POSITIVE_INFINITY));
        assertEquals(true, ThresholdSearch.abstains(Double.POSITIVE_INFINITY, 1e9));
    }
}
