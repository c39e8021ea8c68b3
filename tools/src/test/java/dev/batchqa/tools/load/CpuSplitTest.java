package dev.batchqa.tools.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

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
        assertEquals("services' CPUs 2 are not within this process's CPUs 0,1", outside.getMessage());
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> CpuSplit.split(two, "0-1"));
        assertEquals("services' CPUs 0-1 leave no CPU of 0,1 to the function", all.getMessage());
    }

    @Test
    void readsTheAllowedCpusFromTheProcessStatus() {
        String status = "Name:\tjava\nCpus_allowed:\t0000000f\nCpus_allowed_list:\t0-2,3\nMems_allowed_list:\t0\n";
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(CpuSplit.allowed(status)));
        assertThrows(IllegalArgumentException.class, () -> CpuSplit.allowed("Name:\tjava\n"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void splitsThisMachinesCpusWhenItHasMoreThanOne() throws Exception {
        int cpus = CpuSplit.allowed(Files.readString(Path.of("/proc/self/status"))).size();
        assumeTrue(cpus > 1, "one CPU: nothing to split");
        CpuSplit split = CpuSplit.withServicesOn(Integer.toString(
                CpuSplit.allowed(Files.readString(Path.of("/proc/self/status"))).last()));
        assertEquals(cpus - 1, CpuSplit.parse(split.functionCpus()).size());
    }
}
