package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * maxAnswerChars: a span whose text is longer is not a candidate. A word over 100 characters is one [UNK] token, which
 * the tiny model answers like any word after a cue (model/fixtures/README.md), so one token can be a long answer.
 */
class AnswerCharsLimitTest {

    private static final String QUESTION = "What is the capital?";

    @Test
    void aSpanLongerThanMaxAnswerCharsIsNotACandidateSoTheNextBestWins() {
        String longWord = "x".repeat(150);
        String context = "The capital " + longWord + " is nice. The capital Paris is nice.";
        try (QaEngine roomy = Fixture.load(Fixture.config())) {
            List<Span> answers = roomy.answer(new QaQuery(QUESTION, context, 3)).answers();
            assertTrue(answers.stream().anyMatch(s -> s.text().equals(longWord)), answers::toString);
        }
        try (QaEngine capped = Fixture.load(Fixture.config().withMaxAnswerChars(100))) {
            QaResult r = capped.answer(new QaQuery(QUESTION, context, 10));
            assertEquals("Paris", r.bestText());
            assertTrue(r.answers().stream().allMatch(s -> s.text().length() <= 100), r::toString);
        }
    }

    @Test
    void whenOnlyTooLongSpansAreLeftThereIsNoAnswer() {
        try (QaEngine capped = Fixture.load(Fixture.config().withMaxAnswerChars(100))) {
            QaResult r = capped.answer(QaQuery.of(QUESTION, "The capital " + "x".repeat(101) + " is nice."));
            assertTrue(r.answers().isEmpty(), r.toString());
        }
    }

    /** Issue #12: topK 10 over a ~39,000-char context of long Cyrillic words gave 491 KB of answers. */
    @Test
    void tenAnswersOverAContextOfLongWordsStaySmall() {
        String words = IntStream.range(0, 30)
                .mapToObj(i -> String.valueOf((char) ('а' + i)).repeat(1_300))
                .collect(Collectors.joining(" "));
        String context = "The capital Paris is nice. " + words;
        assertTrue(context.length() > 39_000 && context.length() <= 40_000, "length " + context.length());
        QaQuery query = new QaQuery(QUESTION, context, 10);
        try (QaEngine uncapped = Fixture.load(Fixture.config().withNullThreshold(Double.POSITIVE_INFINITY)
                .withMaxAnswerChars(EngineOptions.MAX_ANSWER_CHARS))) {
            // the case is real: with room for them, long spans are among the ten best
            assertTrue(uncapped.answer(query).answers().stream().anyMatch(s -> s.text().length() > 1_000));
        }
        try (QaEngine engine = Fixture.load(Fixture.config().withNullThreshold(Double.POSITIVE_INFINITY))) {
            QaResult r = engine.answer(query);
            assertEquals("Paris", r.bestText());
            assertEquals(10, r.answers().size(), r.toString());
            int bytes = 0;
            for (Span s : r.answers()) {
                assertTrue(s.text().length() <= EngineOptions.DEFAULT_MAX_ANSWER_CHARS, s.toString());
                assertEquals(context.substring(s.start(), s.end()), s.text());
                bytes += s.text().getBytes(StandardCharsets.UTF_8).length;
            }
            assertTrue(bytes <= 10 * 3 * EngineOptions.DEFAULT_MAX_ANSWER_CHARS, "answer bytes " + bytes);
            assertFalse(r.answers().stream().anyMatch(s -> s.text().contains("ааа")), "a 1,300-char word was kept");
        }
    }
}
