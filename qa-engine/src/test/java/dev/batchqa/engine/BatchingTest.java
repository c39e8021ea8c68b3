package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batching must not change answers: the fixture's masked attention makes every logit depend on all unmasked tokens,
 * so a padding or mask bug changes the floats (by ~1e-2) and fails the 1e-4 tolerance here.
 */
class BatchingTest {

    private static final double TOLERANCE = 1e-4;
    private static QaEngine engine;

    @BeforeAll
    static void load() {
        engine = Fixture.load(Fixture.config());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static List<QaQuery> mixedQueries() {
        String filler = "The cat sat on the mat. ";
        List<QaQuery> queries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queries.add(new QaQuery("What is the score?", filler.repeat(i) + "the score 83.1 was good.", 3));
            queries.add(new QaQuery("What is the capital?", "The capital Paris is nice. " + filler.repeat(3 * i), 2));
            queries.add(QaQuery.of("What is the color?", filler.repeat(i + 1)));
        }
        queries.add(new QaQuery("Which name?", "東京 😀 Crème brûlée, the name Müller appears. " + filler.repeat(9), 4));
        queries.add(QaQuery.of("Which model is it?", "They trained a model bidirectional in design."));
        queries.add(QaQuery.of("What is the score?", ""));
        queries.add(new QaQuery("What is the capital?", filler.repeat(30) + "The capital Paris is nice.", 2));
        return queries;
    }

    @Test
    void batchedAnswersEqualOneAtATimeWithFewerPasses() {
        List<QaQuery> queries = mixedQueries();
        EngineStats before = engine.stats();
        List<QaResult> batched = engine.answerAll(queries);
        EngineStats batchStats = engine.stats().minus(before);

        List<QaResult> single = new ArrayList<>();
        before = engine.stats();
        for (QaQuery q : queries) {
            single.add(engine.answer(q));
        }
        EngineStats singleStats = engine.stats().minus(before);

        assertSameResults(single, batched);
        assertEquals(singleStats.windows(), batchStats.windows());
        assertTrue(batchStats.windows() > queries.size(), "some contexts need several windows");
        assertTrue(batchStats.forwardPasses() * 3 <= singleStats.forwardPasses(), batchStats + " vs " + singleStats);
        assertTrue(batched.stream().anyMatch(r -> r.windows() > 4));
        assertTrue(batched.stream().anyMatch(QaResult::hasAnswer));
        assertTrue(batched.stream().anyMatch(r -> !r.hasAnswer()));
    }

    @Test
    void smallPassCapsSplitBatchesWithoutChangingAnswers() {
        List<QaQuery> queries = mixedQueries();
        List<QaResult> reference = engine.answerAll(queries);
        try (QaEngine small = Fixture.load(Fixture.config().withMaxTokensPerPass(150).withMaxWindowsPerPass(3))) {
            List<QaResult> results = small.answerAll(queries);
            EngineStats stats = small.stats();
            assertSameResults(reference, results);
            assertTrue(stats.forwardPasses() >= stats.windows() / 3, stats.toString());
        }
    }

    @Test
    void naiveConfigPadsEveryWindowAloneAndGivesTheSameAnswers() {
        List<QaQuery> queries = mixedQueries();
        List<QaResult> reference = engine.answerAll(queries);
        try (QaEngine naive = Fixture.load(Fixture.config().withPadToMaxLength(true).withMaxWindowsPerPass(1))) {
            List<QaResult> results = naive.answerAll(queries);
            EngineStats stats = naive.stats();
            assertSameResults(reference, results);
            assertEquals(stats.windows(), stats.forwardPasses());
            assertEquals(stats.windows() * naive.options().maxSeqLength(), stats.paddedTokens());
            assertTrue(stats.tokens() < stats.paddedTokens());
        }
    }

    @Test
    void passesPaddedToMultiplesOf16GiveTheSameAnswersAsUnpaddedOnes() {
        List<QaQuery> queries = mixedQueries();
        try (QaEngine exact = Fixture.load(Fixture.config().withPadToMultipleOf(1));
                QaEngine tiled = Fixture.load(Fixture.config().withPadToMultipleOf(16))) {
            List<QaResult> reference = exact.answerAll(queries);
            List<QaResult> results = tiled.answerAll(queries);
            assertSameResults(reference, results);
            assertTrue(tiled.stats().paddedTokens() > exact.stats().paddedTokens(), tiled.stats() + " vs "
                    + exact.stats());
        }
    }

    @Test
    void lengthSortedPassesPadLittle() {
        EngineStats before = engine.stats();
        engine.answerAll(mixedQueries());
        EngineStats stats = engine.stats().minus(before);
        // grouped by length, every row is at least 3/4 real tokens (or wastes at most 16)
        assertTrue(stats.paddedTokens() < stats.tokens() * 1.25, stats.toString());
        assertTrue(stats.forwardPasses() > 1, stats.toString());
    }

    static void assertSameResults(List<QaResult> expected, List<QaResult> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            QaResult e = expected.get(i);
            QaResult a = actual.get(i);
            String where = "query " + i + ": " + e + " vs " + a;
            assertEquals(e.windows(), a.windows(), where);
            assertEquals(e.nullScore(), a.nullScore(), TOLERANCE, where);
            assertEquals(e.bestSpanLogit(), a.bestSpanLogit(), TOLERANCE, where);
            assertEquals(e.answers().size(), a.answers().size(), where);
            for (int k = 0; k < e.answers().size(); k++) {
                Span es = e.answers().get(k);
                Span as = a.answers().get(k);
                assertEquals(es.text(), as.text(), where);
                assertEquals(es.start(), as.start(), where);
                assertEquals(es.end(), as.end(), where);
                assertEquals(es.score(), as.score(), TOLERANCE, where);
            }
        }
    }
}
