package dev.batchqa.shared.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SquadMetricsTest {

    @Test
    void normalizesAsTheOfficialScript() {
        assertEquals("quick brown fox", SquadMetrics.normalize("The  Quick, brown fox!"));
        assertEquals("denver broncos", SquadMetrics.normalize("the Denver Broncos."));
        // articles only as whole words; "an" inside "another" stays
        assertEquals("another answer", SquadMetrics.normalize("An another answer"));
        // punctuation is removed before the articles, so "the-end" -> "theend" keeps its letters
        assertEquals("theend", SquadMetrics.normalize("the-end"));
        // non-ASCII punctuation is not in string.punctuation and stays; non-breaking spaces fold
        assertEquals("“quoted” 1 000", SquadMetrics.normalize("“quoted”  1\u00a0000"));
        assertEquals("", SquadMetrics.normalize(" a an the . "));
    }

    @Test
    void exactMatchAndF1() {
        assertEquals(1.0, SquadMetrics.exactMatch("the Denver Broncos", "Denver Broncos"));
        assertEquals(0.0, SquadMetrics.exactMatch("Denver", "Denver Broncos"));
        // pred {denver}, gold {denver, broncos}: P 1, R 1/2 -> F1 2/3
        assertEquals(2.0 / 3.0, SquadMetrics.f1("Denver", "Denver Broncos"), 1e-12);
        // repeated tokens count with multiplicity: pred {a1,a1,b} vs gold {a1,b,c}: same 2, P 2/3, R 2/3
        assertEquals(2.0 / 3.0, SquadMetrics.f1("x x y", "x y z"), 1e-12);
        assertEquals(0.0, SquadMetrics.f1("cat", "dog"));
        // v2.0 rule for empty answers
        assertEquals(1.0, SquadMetrics.f1("", ""));
        assertEquals(0.0, SquadMetrics.f1("the", "Denver"));
        assertEquals(1.0, SquadMetrics.f1("The", ""));
    }

    @Test
    void maxOverGolds() {
        List<String> golds = List.of("Denver Broncos", "The Denver Broncos", "Broncos");
        assertEquals(1.0, SquadMetrics.maxExactMatch("broncos", golds));
        // "Denver Broncos team" vs "Denver Broncos": P 2/3 R 1 -> 0.8
        assertEquals(0.8, SquadMetrics.maxF1("Denver Broncos team", golds), 1e-12);
    }

    @Test
    void goldAnswersOfUnanswerableQuestionIsEmptyString() {
        assertEquals(List.of(""), SquadMetrics.goldAnswers(List.of()));
        assertEquals(List.of(""), SquadMetrics.goldAnswers(List.of("the", ".")));
        assertEquals(List.of("1990"), SquadMetrics.goldAnswers(List.of("a", "1990")));
        assertEquals(1.0, SquadMetrics.maxExactMatch("", SquadMetrics.goldAnswers(List.of())));
        assertEquals(0.0, SquadMetrics.maxF1("1990", SquadMetrics.goldAnswers(List.of())));
    }
}
