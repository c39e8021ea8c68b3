package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The plan: every window once, caps kept, and a call cut into passes that keep 2 or 3 workers equally busy. */
class BatchPlannerTest {

    /** Resolved options without loading a model: 384-token windows, 4,096 tokens and 64 windows per pass. */
    private static EngineOptions settings(int maxTokens) {
        return settings(maxTokens, b -> b);
    }

    /** As {@link #settings(int)}, changed by {@code change} before they are resolved. */
    private static EngineOptions settings(int maxTokens, java.util.function.UnaryOperator<EngineOptions.Builder> change) {
        EngineOptions.Builder builder = EngineOptions.builder("m").withMaxSeqLength(384).withMaxTokensPerPass(maxTokens)
                .withMaxWindowsPerPass(64).withPadToMaxLength(false).withPadToMultipleOf(16).withThreads(1).withWorkers(1);
        try {
            return change.apply(builder).resolve(java.nio.file.Path.of("no-model-here"), "model.pt", null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** SQuAD-like window lengths: most paragraphs 100-250 tokens, some full 384-token windows. */
    private static int[] squadLike(int n, long seed) {
        Random random = new Random(seed);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) lengths[i] = random.nextInt(8) == 0 ? 384 : 100 + random.nextInt(150);
        return lengths;
    }

    private static long cost(BatchPlanner.Pass p) {
        return (long) p.windows().length * p.paddedLength();
    }

    /** How long `workers` workers take over the plan, each free worker taking the next pass, against a perfect split. */
    private static double makespan(List<BatchPlanner.Pass> plan, int workers) {
        long[] busy = new long[workers];
        long total = 0;
        for (BatchPlanner.Pass p : plan) {
            int free = 0;
            for (int w = 1; w < workers; w++) if (busy[w] < busy[free]) free = w;
            busy[free] += cost(p);
            total += cost(p);
        }
        return Arrays.stream(busy).max().orElseThrow() / ((double) total / workers);
    }

    @Test
    void oneCallsPassesKeepTwoWorkersEquallyBusy() {
        for (long seed = 1; seed <= 10; seed++) {
            int[] lengths = squadLike(43, seed); // one chunk of 32 SQuAD questions, ~7,000 tokens
            List<BatchPlanner.Pass> plan = BatchPlanner.plan(lengths, settings(4096));
            assertTrue(makespan(plan, 2) <= 1.1, describe(plan) + " " + makespan(plan, 2));
            assertTrue(makespan(plan, 3) <= 1.2, describe(plan) + " " + makespan(plan, 3));
            assertTrue(plan.size() <= 12, "no finer than the pools need: " + describe(plan));
        }
    }

    @Test
    void everyWindowOnceAndTheCapsHold() {
        for (long seed = 1; seed <= 20; seed++) {
            int[] lengths = squadLike(1 + (int) (seed * 37 % 400), seed);
            List<BatchPlanner.Pass> plan = BatchPlanner.plan(lengths, settings(4096));
            int[] seen = new int[lengths.length];
            for (BatchPlanner.Pass p : plan) {
                assertTrue(p.windows().length <= 64 && cost(p) <= 4096, describe(plan));
                for (int w : p.windows()) {
                    seen[w]++;
                    assertTrue(lengths[w] <= p.paddedLength());
                }
            }
            int[] once = new int[lengths.length];
            Arrays.fill(once, 1);
            assertEquals(Arrays.toString(once), Arrays.toString(seen));
            if (lengths.length >= 40) {
                assertTrue(makespan(plan, 2) <= 1.1, describe(plan));
            }
        }
    }

    @Test
    void fewWindowsAreNotSplitBelowOnePerPass() {
        assertEquals(1, BatchPlanner.plan(new int[] {200}, settings(4096)).size());
        assertEquals(3, BatchPlanner.plan(new int[] {200, 190, 180}, settings(4096)).size());
        assertEquals(0, BatchPlanner.plan(new int[0], settings(4096)).size());
    }

    @Test
    void passesArePaddedToTheKernelsTileButNeverBeyondTheWindowLength() {
        for (long seed = 1; seed <= 10; seed++) {
            int[] lengths = squadLike(43, seed);
            for (BatchPlanner.Pass p : BatchPlanner.plan(lengths, settings(4096))) {
                int longest = Arrays.stream(p.windows()).map(w -> lengths[w]).max().orElseThrow();
                assertTrue(p.paddedLength() % 16 == 0, describe(List.of(p)));
                assertTrue(p.paddedLength() - longest < 16, describe(List.of(p)) + " longest " + longest);
            }
            // 1 = no rounding: each pass exactly as long as its longest window (the seed's way, unpadded)
            for (BatchPlanner.Pass p : BatchPlanner.plan(lengths, settings(4096, b -> b.withPadToMultipleOf(1)))) {
                int longest = Arrays.stream(p.windows()).map(w -> lengths[w]).max().orElseThrow();
                assertEquals(longest, p.paddedLength());
            }
        }
        EngineOptions odd = settings(4096, b -> b.withMaxSeqLength(383));
        assertEquals(383, BatchPlanner.paddedLength(380, odd), "never beyond maxSeqLength");
        assertEquals(383, BatchPlanner.paddedLength(383, odd));
        assertEquals(176, BatchPlanner.paddedLength(161, odd));
        assertEquals(176, BatchPlanner.paddedLength(176, odd));
        assertEquals(384, BatchPlanner.paddedLength(10, settings(4096, b -> b.withPadToMaxLength(true))));
    }

    @Test
    void windowsPaddedToTheSameLengthAloneShareAPass() {
        // with a tile of 64, windows of 20 and of 60 are both padded to 64 alone: mixing them must cost no more
        // passes than if every window were 60 long (the waste rule alone, 64 - 20 > 16, would split them)
        EngineOptions tile64 = settings(4096, b -> b.withPadToMultipleOf(64));
        int[] mixed = new int[40];
        int[] uniform = new int[40];
        for (int i = 0; i < 40; i++) {
            mixed[i] = i % 2 == 0 ? 60 : 20;
            uniform[i] = 60;
        }
        List<BatchPlanner.Pass> plan = BatchPlanner.plan(mixed, tile64);
        assertEquals(BatchPlanner.plan(uniform, tile64).size(), plan.size(), describe(plan));
        assertTrue(plan.stream().allMatch(p -> p.paddedLength() == 64), describe(plan));
    }

    private static String describe(List<BatchPlanner.Pass> plan) {
        StringBuilder s = new StringBuilder();
        for (BatchPlanner.Pass p : plan) s.append(p.windows().length).append('x').append(p.paddedLength()).append(' ');
        return s.toString();
    }
}
