package dev.batchqa.tools.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where this process's CPU time goes, by thread: the on-CPU nanoseconds Linux keeps per thread
 * ({@code /proc/self/task/TID/schedstat}), JVM threads (JIT compiler, GC) included, which the JVM's own thread
 * beans do not show. Threads are grouped by name without their number ({@code answer-writer-3} counts as
 * {@code answer-writer}); names are the kernel's, cut to 15 characters.
 *
 * <pre>{@code
 * ThreadCpu before = ThreadCpu.now();
 * ... work ...
 * Map<String, Long> nanosByGroup = ThreadCpu.now().since(before);
 * }</pre>
 */
final class ThreadCpu {
    private static final Path TASKS = Path.of("/proc/self/task");

    /** Group of the threads that ended between two readings (their time is the process's less the live ones'). */
    static final String ENDED = "(ended threads)";
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** The whole process's CPU nanoseconds, ended threads included. */
    private final long process;
    /** Each live thread's group and nanoseconds on CPU, by thread id. */
    private final Map<String, Sample> threads;

    private record Sample(String group, long nanos) {}

    private ThreadCpu(long process, Map<String, Sample> threads) {
        this.process = process;
        this.threads = threads;
    }

    /** Now; empty where /proc has no per-thread schedstat (not Linux). */
    static ThreadCpu now() {
        long process = OS.getProcessCpuTime();
        Map<String, Sample> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat")).trim();
                    String comm = Files.readString(task.resolve("comm")).trim();
                    threads.put(task.getFileName().toString(),
                            new Sample(group(comm), Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')))));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended while it was read
                }
            }
        } catch (IOException notLinux) {
            // nothing to report
        }
        return new ThreadCpu(process, threads);
    }

    /**
     * CPU nanoseconds by thread group since {@code before}, largest first; threads started since count whole, and
     * those that ended since (in e2e-squad the inference function's invocation threads and the bulk sender's pool)
     * under {@link #ENDED}. Groups that come out negative (a thread id reused) are left out, so the groups may add
     * up to a little less than the process's CPU; the process's own clock may tick coarser than a thread's.
     */
    Map<String, Long> since(ThreadCpu before) {
        Map<String, Long> byGroup = new HashMap<>();
        threads.forEach((tid, now) -> {
            Sample then = before.threads.get(tid);
            byGroup.merge(now.group(), now.nanos() - (then == null ? 0 : then.nanos()), Long::sum);
        });
        if (!threads.isEmpty()) {
            long live = byGroup.values().stream().mapToLong(Long::longValue).sum();
            byGroup.put(ENDED, process - before.process - live);
        }
        return byGroup.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    static String group(String comm) {
        String name = comm.replaceFirst("[-#_ ]?\\d+$", "").trim();
        return name.isEmpty() ? comm : name;
    }
}
