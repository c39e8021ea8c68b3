package dev.batchqa.local.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CpuSplitTest {

    @Test
    void readsTasksetListsWithRangesAndCommas() {
        assertEquals(List.of(0, 1, 2, 5), List.copyOf(CpuSplit.parse("0-2,5")));
        assertEquals("0,1,2,5", CpuSplit.format(CpuSplit.parse(" 5, 0-2 ")));
        assertThrows(IllegalArgumentException.class, () -> CpuSplit.parse("1-"));
        assertThrows(IllegalArgumentException.class, () -> CpuSplit.parse("3-1"));
        assertThrows(IllegalArgumentException.class, () -> CpuSplit.parse("one"));
    }

    @Test
    void theFunctionGetsTheAllowedCpusTheServicesDoNotTake() {
        CpuSplit split = CpuSplit.split(new TreeSet<>(List.of(0, 1, 2, 3)), "1,3");
        assertEquals("0,2", split.functionCpus());
        assertEquals("1,3", split.serviceCpus());
        assertEquals(List.of("taskset", "-c", "1,3", "java", "-version"), split.onServiceCpus(List.of("java", "-version")));
    }

    @Test
    void refusesCpusOutsideTheProcessOrASplitThatLeavesTheFunctionNothing() {
        TreeSet<Integer> two = new TreeSet<>(List.of(0, 1));
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> CpuSplit.split(two, "2"));
        assertEquals("--services-cpus 2 is not within this process's CPUs 0,1", outside.getMessage());
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> CpuSplit.split(two, "0-1"));
        assertEquals("--services-cpus 0-1 leaves no CPU of 0,1 to the function", all.getMessage());
    }
}
