package dev.batchqa.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatcherTest {
    private static final int KIB_256 = 262_144;

    @Test
    void closesABatchAtTenEntries() {
        List<List<Batcher.Entry>> batches = run(new Batcher(10, KIB_256), 25, 100);
        assertEquals(List.of(10, 10, 5), batches.stream().map(List::size).toList());
    }

    @Test
    void closesABatchBeforeTheBodiesExceed256KiB() {
        // 100,000-byte bodies: two fit (200,000), a third would not (300,000 > 262,144)
        List<List<Batcher.Entry>> batches = run(new Batcher(10, KIB_256), 5, 100_000);
        assertEquals(List.of(2, 2, 1), batches.stream().map(List::size).toList());
        for (List<Batcher.Entry> b : batches) {
            assertTrue(b.stream().mapToInt(Batcher.Entry::bytes).sum() <= KIB_256);
        }
    }

    @Test
    void aBatchMayBeExactlyFull() {
        Batcher batcher = new Batcher(10, KIB_256);
        assertEquals(List.of(), batcher.add(entry(0, KIB_256 - 1)));
        assertEquals(List.of(), batcher.add(entry(1, 1)));
        List<List<Batcher.Entry>> closed = batcher.add(entry(2, 1));
        assertEquals(1, closed.size());
        assertEquals(2, closed.get(0).size());
        assertEquals(1, batcher.flush().size());
        assertEquals(List.of(), batcher.flush());
    }

    @Test
    void mixedSizesNeverBreakEitherLimit() {
        Batcher batcher = new Batcher(10, KIB_256);
        List<List<Batcher.Entry>> batches = new ArrayList<>();
        int[] sizes = {250_000, 10, 10, 12_000, 200_000, 60_000, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 262_144, 1};
        for (int i = 0; i < sizes.length; i++) batches.addAll(batcher.add(entry(i, sizes[i])));
        batches.add(batcher.flush());
        assertEquals(sizes.length, batches.stream().mapToInt(List::size).sum());
        int next = 0;
        for (List<Batcher.Entry> b : batches) {
            assertTrue(b.size() <= 10);
            assertTrue(b.stream().mapToInt(Batcher.Entry::bytes).sum() <= KIB_256);
            for (Batcher.Entry e : b) assertEquals("id" + next++, e.id(), "order is kept");
        }
    }

    @Test
    void anEntryLargerThanABatchIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> new Batcher(10, KIB_256).add(entry(0, KIB_256 + 1)));
    }

    private static List<List<Batcher.Entry>> run(Batcher batcher, int n, int bytes) {
        List<List<Batcher.Entry>> batches = new ArrayList<>();
        for (int i = 0; i < n; i++) batches.addAll(batcher.add(entry(i, bytes)));
        List<Batcher.Entry> rest = batcher.flush();
        if (!rest.isEmpty()) batches.add(rest);
        return batches;
    }

    private static Batcher.Entry entry(int i, int bytes) {
        return new Batcher.Entry("id" + i, "line " + i, "", bytes);
    }
}
