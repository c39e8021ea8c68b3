package dev.batchqa.bulk;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Progress on stderr: a bar redrawn in place ({@code [#####.....] 4,210/10,000  812 msg/s  ETA 7s}) when stderr is
 * a terminal, otherwise a plain line every few seconds (logs and CI output stay readable). The rate is the last
 * three seconds'; the ETA is what is left at that rate.
 */
final class Progress implements AutoCloseable {
    enum Mode { BAR, LINES, NONE }

    private static final int WIDTH = 30;

    private final PrintStream err;
    private final Mode mode;
    private final String title;
    private final String unit;
    private final long total;
    private final LongSupplier done;
    private final Supplier<String> suffix;
    private final Deque<long[]> samples = new ArrayDeque<>();
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param title  what is counted: {@code sent}, {@code answered}
     * @param unit   the rate's unit: {@code msg}
     * @param total  expected count, or a negative number when unknown (no bar, just the count)
     * @param done   the current count
     * @param suffix extra text after the rate (invalid / failed counts), may be null
     */
    Progress(PrintStream err, Mode mode, String title, String unit, long total, LongSupplier done, Supplier<String> suffix,
            Duration lineInterval) {
        this.err = err;
        this.mode = mode;
        this.title = title;
        this.unit = unit;
        this.total = total;
        this.done = done;
        this.suffix = suffix;
        long interval = mode == Mode.BAR ? 200 : Math.max(100, lineInterval.toMillis());
        this.thread = mode == Mode.NONE ? null : Thread.ofPlatform().daemon().name("progress").start(() -> {
            while (running) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
                if (running) print(false);
            }
        });
    }

    /** {@code auto}: a bar when stderr is a terminal (the scripts say so with -Dbulk.stderr.tty), else lines. */
    static Mode mode(String option) {
        return switch (option.toLowerCase(Locale.ROOT)) {
            case "bar" -> Mode.BAR;
            case "lines" -> Mode.LINES;
            case "none" -> Mode.NONE;
            case "auto" -> stderrIsTerminal() ? Mode.BAR : Mode.LINES;
            default -> throw new IllegalArgumentException("--progress must be auto, bar, lines or none");
        };
    }

    private static boolean stderrIsTerminal() {
        String told = System.getProperty("bulk.stderr.tty");
        if (told != null) return Boolean.parseBoolean(told);
        Console console = System.console();
        if (console == null) return false;
        try { // Java 22+: a Console exists even when redirected; isTerminal() tells
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private synchronized void print(boolean last) {
        long now = System.nanoTime();
        long count = done.getAsLong();
        samples.addLast(new long[] {now, count});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > 3_000_000_000L) samples.removeFirst();
        long[] first = samples.peekFirst();
        double seconds = (now - first[0]) / 1e9;
        double rate = last || seconds < 0.5
                ? count / Math.max(1e-9, (now - start) / 1e9)
                : (count - first[1]) / seconds;
        String extra = suffix == null ? "" : suffix.get();
        String counts = total >= 0
                ? String.format(Locale.ROOT, "%,d/%,d", count, total)
                : String.format(Locale.ROOT, "%,d", count);
        String rateText = String.format(Locale.ROOT, "%,.0f %s/s", rate, unit);
        if (total > 0 && !last) rateText += "  ETA " + eta(total - count, rate);
        if (mode == Mode.BAR) {
            String bar = "";
            if (total > 0) {
                int filled = (int) Math.min(WIDTH, count * WIDTH / total);
                bar = "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] ";
            }
            err.print("\r" + title + " " + bar + counts + "  " + rateText + extra + "\033[K" + (last ? "\n" : ""));
        } else {
            String pct = total > 0 ? String.format(Locale.ROOT, " (%d%%)", count * 100 / total) : "";
            err.println(title + " " + counts + pct + "  " + rateText + extra);
        }
        err.flush();
    }

    /** {@code 2m27s}, {@code 45s}, {@code 1h05m}; {@code -} when nothing moves yet. */
    static String eta(long left, double rate) {
        if (left <= 0) return "0s";
        if (!(rate > 0)) return "-";
        long s = Math.round(left / rate);
        if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        if (thread == null) return;
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        print(true);
    }
}
