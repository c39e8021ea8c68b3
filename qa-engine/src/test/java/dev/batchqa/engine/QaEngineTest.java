package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exact answers of the constructed fixture model (cue word in the question -> the next context word). */
class QaEngineTest {

    private static QaEngine engine;

    @BeforeAll
    static void load() {
        engine = Fixture.load(Fixture.config());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void warmUpRunsRealPassesAndChangesNoAnswer() {
        QaQuery query = new QaQuery("What is the score?", "In the final test the score 83.1 was reported.", 1);
        QaResult before = engine.answer(query);
        EngineStats start = engine.stats();

        engine.warmUp(java.time.Duration.ofMinutes(1));

        // two single-row passes of one short sentence: the one-off first-pass costs, no batch shapes
        EngineStats warm = engine.stats().minus(start);
        assertEquals((long) QaEngine.WARM_UP_PASSES * engine.options().workers(), warm.forwardPasses(),
                "the warm-up's passes, on every worker");
        assertEquals(warm.forwardPasses(), warm.windows(), "one window per warm-up pass");
        assertEquals(before, engine.answer(query));
    }

    @Test
    void warmUpStartsNoPassOnceItsBudgetIsSpent() {
        EngineStats start = engine.stats();
        engine.warmUp(java.time.Duration.ZERO);
        assertEquals(0, engine.stats().minus(start).forwardPasses(), "a spent budget starts no pass");
    }

    @Test
    void settingsComeFromConfigJson() {
        EngineOptions s = engine.options();
        assertEquals(64, s.maxSeqLength());
        assertEquals(16, s.docStride());
        assertEquals(16, s.maxQueryLength());
        assertEquals(30, s.maxAnswerLength());
        assertEquals(20, s.nBest());
        assertEquals(0.0, s.nullThreshold());
        assertTrue(s.tokenTypeIds());
        assertEquals(1, s.threads());
    }

    @Test
    void answersWholeNumbersAndWordsCutFromTheOriginalText() {
        assertAnswer("What is the score?", "In the final test the score 83.1 was reported.", "83.1");
        assertAnswer("Which model is it?", "They trained a model bidirectional in design.", "bidirectional");
        assertAnswer("What is the capital?", "The capital Paris is a nice city.", "Paris");
        assertAnswer("What was the GLUE score?", "BERT pushed the GLUE 80.5% and more.", "80.5%");
    }

    @Test
    void findsAnAnswerBeyondTheFirstWindow() {
        String filler = "The cat sat on the mat. ".repeat(20);
        String context = filler + "The capital Paris is nice.";
        QaResult r = engine.answer(QaQuery.of("What is the capital?", context));
        assertTrue(r.windows() > 3, "windows: " + r.windows());
        assertEquals("Paris", r.bestText());
        assertEquals(context.indexOf("Paris"), r.answers().get(0).start());
    }

    @Test
    void abstainsWhenTheNullScoreWins() {
        QaResult r = engine.answer(QaQuery.of("What is the color?", "The score 83.1 was reported."));
        assertTrue(r.answers().isEmpty(), r.toString());
        assertTrue(r.nullScore() - r.bestSpanLogit() > 3, r.toString());
        assertEquals(1, r.windows());
    }

    @Test
    void emptyContextHasNoAnswer() {
        QaResult r = engine.answer(QaQuery.of("What is the score?", ""));
        assertTrue(r.answers().isEmpty());
        assertEquals(Double.NEGATIVE_INFINITY, r.bestSpanLogit());
    }

    @Test
    void topKAnswersAreDistinctSortedAndSubstrings() {
        String context = "In the final test the score 83.1 was good.";
        QaResult r = engine.answer(new QaQuery("What is the score?", context, 5));
        List<Span> answers = r.answers();
        assertEquals(5, answers.size());
        assertEquals("83.1", answers.get(0).text());
        Set<List<Integer>> offsets = new HashSet<>();
        for (int i = 0; i < answers.size(); i++) {
            Span s = answers.get(i);
            assertEquals(context.substring(s.start(), s.end()), s.text());
            assertTrue(offsets.add(List.of(s.start(), s.end())), "duplicate " + s);
            assertTrue(s.score() > 0 && s.score() <= 1, s.toString());
            if (i > 0) {
                assertTrue(answers.get(i - 1).score() >= s.score(), answers.toString());
            }
        }
        assertTrue(answers.get(0).score() > 0.5, answers.toString());
    }

    @Test
    void offsetsAreUtf16IndicesWithAccentsCjkAndEmojiBeforeTheAnswer() {
        assertAnswer("What score?", "Café über 東京 😀 naïve 🎉 the score 42 was fine.", "42");
        assertAnswer("Which name?", "東京 😀 Crème brûlée, the name Müller appears.", "Müller");
        assertAnswer("Which name?", "👍🏽 the name 😀 appears.", "😀");
        assertAnswer("Which name?", "e\u0301 𝔘 the name Zoë\u0308 appears.", "Zoë\u0308");
    }

    @Test
    void questionIsTruncatedToMaxQueryLength() {
        String question = "the ".repeat(20) + "capital?";
        String context = "The capital Paris is nice.";
        assertTrue(engine.answer(QaQuery.of(question, context)).answers().isEmpty(), "cue word cut off");
        try (QaEngine longQuestions = Fixture.load(Fixture.config().withMaxQueryLength(40))) {
            assertEquals("Paris", longQuestions.answer(QaQuery.of(question, context)).bestText());
        }
    }

    @Test
    void neverAbstainsWithAnInfiniteThreshold() {
        try (QaEngine never = Fixture.load(Fixture.config().withNullThreshold(Double.POSITIVE_INFINITY))) {
            QaResult r = never.answer(QaQuery.of("What is the color?", "The score 83.1 was reported."));
            assertEquals(1, r.answers().size());
        }
    }

    @Test
    void aQueryMayForbidNoAnswerAndGetsTheNoAnswerScoreEitherWay() {
        String context = "The score 83.1 was reported.";
        QaResult abstained = engine.answer(QaQuery.of("What is the color?", context));
        assertTrue(abstained.answers().isEmpty(), "threshold 0: the null score wins");
        QaResult forced = engine.answer(new QaQuery("What is the color?", context, 1, null, false));
        assertEquals(1, forced.answers().size(), "allowNoAnswer=false: the best span anyway");
        assertEquals(abstained.noAnswerScore(), forced.noAnswerScore(), 1e-12);
        assertTrue(forced.noAnswerScore() > forced.answers().get(0).score(),
                "the null score won, so on the answers' scale it is above the best span");
        QaResult answered = engine.answer(QaQuery.of("What is the score?", context));
        assertTrue(answered.noAnswerScore() >= 0 && answered.noAnswerScore() < answered.answers().get(0).score());
    }

    @Test
    void aQueryMayShortenTheLongestAnswer() {
        String context = "In the final test the score 83.1 was reported.";
        QaResult one = engine.answer(new QaQuery("What is the score?", context, 10, 1, true));
        QaResult all = engine.answer(new QaQuery("What is the score?", context, 10));
        assertTrue(all.answers().stream().anyMatch(a -> a.text().contains(" ")), "multi-token spans by default: " + all);
        assertEquals("83.1", all.bestText(), "three tokens: 83 . 1");
        assertTrue(one.answers().stream().noneMatch(a -> a.text().contains(" ") || a.text().contains(".")),
                "one token at most: " + one);
    }

    @Test
    void theEngineNamesItsModel() {
        assertEquals(new ModelIdentity("tiny-qa", "fp32"), engine.identity());
    }

    private static void assertAnswer(String question, String context, String expected) {
        QaResult r = engine.answer(QaQuery.of(question, context));
        assertEquals(expected, r.bestText(), () -> question + " | " + context + " -> " + r);
        Span best = r.answers().get(0);
        assertEquals(context.indexOf(expected), best.start());
        assertEquals(context.substring(best.start(), best.end()), best.text());
    }
}
