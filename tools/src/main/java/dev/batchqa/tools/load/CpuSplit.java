package dev.batchqa.tools.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * This machine's CPUs split between the function and the stand-ins for AWS's services, with {@code taskset}
 * (util-linux): on Lambda, SQS and DynamoDB do not run on the function's vCPUs, so a measurement of what the
 * pipeline costs the function keeps the emulators off them.
 *
 * <pre>{@code
 * CpuSplit split = CpuSplit.withServicesOn("1");   // the function gets the CPUs this process may use, but 1
 * Process emulators = new ProcessBuilder(split.onServiceCpus(List.of("java", ...))).start();
 * split.pinThisProcess();                          // every thread, and those it starts later
 * }</pre>
 */
final class CpuSplit {
    private final SortedSet<Integer> function;
    private final SortedSet<Integer> services;

    private CpuSplit(SortedSet<Integer> function, SortedSet<Integer> services) {
        this.function = function;
        this.services = services;
    }

    /** @param servicesList a CPU list as taskset takes it ({@code 1}, {@code 2-3}, {@code 0,2}) */
    static CpuSplit withServicesOn(String servicesList) throws IOException {
        return split(allowed(Files.readString(Path.of("/proc/self/status"))), servicesList);
    }

    /** The CPUs a process may run on, from its {@code /proc/PID/status} ({@code Cpus_allowed_list:}). */
    static SortedSet<Integer> allowed(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) return parse(line.substring(line.indexOf(':') + 1).trim());
        }
        throw new IllegalArgumentException("no Cpus_allowed_list in the process status");
    }

    /** @param allowed the CPUs this process may use */
    static CpuSplit split(SortedSet<Integer> allowed, String servicesList) {
        SortedSet<Integer> services = parse(servicesList);
        if (!allowed.containsAll(services)) {
            throw new IllegalArgumentException("services' CPUs " + servicesList + " are not within this process's CPUs "
                    + format(allowed));
        }
        SortedSet<Integer> function = new TreeSet<>(allowed);
        function.removeAll(services);
        if (function.isEmpty()) {
            throw new IllegalArgumentException("services' CPUs " + servicesList + " leave no CPU of "
                    + format(allowed) + " to the function");
        }
        return new CpuSplit(function, services);
    }

    /** The command, run on the services' CPUs. */
    List<String> onServiceCpus(List<String> command) {
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", format(services)));
        pinned.addAll(command);
        return pinned;
    }

    /** Pins every thread of this process to the function's CPUs; threads started later inherit it. */
    void pinThisProcess() throws IOException {
        List<String> command = List.of("taskset", "-a", "-c", "-p", format(function),
                Long.toString(ProcessHandle.current().pid()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + out.trim());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    String functionCpus() {
        return format(function);
    }

    String serviceCpus() {
        return format(services);
    }

    static SortedSet<Integer> parse(String list) {
        SortedSet<Integer> cpus = new TreeSet<>();
        for (String part : list.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            try {
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
                if (from < 0 || to < from) throw new NumberFormatException(p);
                for (int cpu = from; cpu <= to; cpu++) cpus.add(cpu);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CPU list: " + list);
            }
        }
        return cpus;
    }

    static String format(SortedSet<Integer> cpus) {
        return cpus.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
