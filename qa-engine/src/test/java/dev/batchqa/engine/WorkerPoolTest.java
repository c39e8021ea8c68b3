package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Passes spread over several workers give the single-predictor engine's windows and logits, bit for bit. */
class WorkerPoolTest {

    /** Contexts of different lengths (one to many windows), so the plan has passes of several shapes. */
    private static List<QaQuery> queries() {
        String sentence = "In the final test the score 83.1 was reported by the team from Oslo. ";
        List<QaQuery> qs = new ArrayList<>();
        for (int i = 1; i <= 24; i++) {
            qs.add(new QaQuery(i % 2 == 0 ? "What is the score?" : "Who reported the score?",
                    sentence.repeat(1 + (i * 7) % 11) + "Run " + i + " ended.", 3));
        }
        return qs;
    }

    @Test
    void twoWorkersGiveTheSingleWorkerLogitsBitForBit() {
        // same intra-op threads in both engines: only the pool differs
        EngineOptions.Builder base = Fixture.config().withThreads(1).withMaxTokensPerPass(256).withMaxWindowsPerPass(4);
        try (QaEngine one = Fixture.load(base.withWorkers(1));
                QaEngine two = Fixture.load(base.withWorkers(2))) {
            assertEquals(2, two.options().workers());
            List<PreparedQuery> a = new ArrayList<>();
            List<PreparedQuery> b = new ArrayList<>();
            for (QaQuery q : queries()) {
                a.add(one.prepare(q));
                b.add(two.prepare(q));
            }
            assertTrue(a.stream().anyMatch(p -> p.windows.size() > 2), "multi-window queries");
            long before = two.stats().forwardPasses();
            List<QaResult> ra = one.answerPrepared(a);
            List<QaResult> rb = two.answerPrepared(b);
            assertTrue(two.stats().forwardPasses() - before > 2, "several passes to spread");
            assertEquals(ra, rb);
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).windows.size(), b.get(i).windows.size());
                for (int w = 0; w < a.get(i).windows.size(); w++) {
                    Window x = a.get(i).windows.get(w);
                    Window y = b.get(i).windows.get(w);
                    assertArrayEquals(x.ids, y.ids);
                    assertArrayEquals(x.startLogits, y.startLogits, 0f, "start logits, query " + i + " window " + w);
                    assertArrayEquals(x.endLogits, y.endLogits, 0f, "end logits, query " + i + " window " + w);
                }
            }
        }
    }

    @Test
    void concurrentCallersGetTheirOwnAnswers() throws Exception {
        EngineOptions.Builder base = Fixture.config().withThreads(1).withMaxWindowsPerPass(2);
        try (QaEngine one = Fixture.load(base.withWorkers(1));
                QaEngine three = Fixture.load(base.withWorkers(3))) {
            List<QaResult> expected = one.answerAll(queries());
            List<Thread> callers = new ArrayList<>();
            List<List<QaResult>> got = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int c = 0; c < 4; c++) {
                Thread t = new Thread(() -> got.add(three.answerAll(queries())));
                callers.add(t);
                t.start();
            }
            for (Thread t : callers) t.join();
            assertEquals(4, got.size());
            for (List<QaResult> r : got) assertEquals(expected, r);
        }
    }

    @Test
    void aClosedEngineRefusesWork() {
        QaEngine engine = Fixture.load(Fixture.config().withWorkers(2));
        PreparedQuery p = engine.prepare(queries().get(0));
        engine.close();
        assertThrows(IllegalStateException.class, () -> engine.answerPrepared(List.of(p)));
    }

    @Test
    void workersDefaultToTheProcessorsWithOneThreadEach() {
        try (QaEngine engine = Fixture.load(EngineOptions.builder(Fixture.dir().toString()))) {
            int cpus = Runtime.getRuntime().availableProcessors();
            assertEquals(cpus, engine.options().workers());
            assertEquals(1, engine.options().threads());
        }
        assertThrows(IllegalArgumentException.class,
                () -> QaEngine.load(EngineOptions.builder(Fixture.dir().toString()).withWorkers(0)));
    }
}
