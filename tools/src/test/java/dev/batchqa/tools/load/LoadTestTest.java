package dev.batchqa.tools.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load-test harness itself, small: 300 questions through both paths, every check applied. */
class LoadTestTest {

    @Test
    @Timeout(120)
    void threeHundredQuestionsAreAllAnsweredOnceAndCorrectly() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        LoadTest.Result result = LoadTest.run(LoadTest.Options.defaults().withQuestions(300).withHttpClients(8)
                .withPollers(2).withSpotChecks(50).withTimeout(Duration.ofSeconds(45)), out);

        String printed = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertTrue(result.ok(), result.problems() + "\n" + printed);
        assertEquals(150, result.viaHttp());
        assertEquals(150, result.viaBulk());
        assertEquals(300, result.done() + result.failed());
        assertEquals(300, result.answeredCorrectly());
        assertEquals(150, result.pendingCreated());
        assertTrue(printed.contains("PASS"), printed);
        assertTrue(printed.contains("HTTP POST /qa"), printed);
    }

    @Test
    void fixtureQuestionsHaveDistinctAnswersAndSomeHaveNone() {
        List<FixtureQuestions.Question> questions = FixtureQuestions.generate(100);
        Set<String> answers = new HashSet<>();
        int unanswerable = 0;
        for (FixtureQuestions.Question q : questions) {
            if (q.expected() == null) {
                unanswerable++;
                assertTrue(q.question().contains("color"));
            } else {
                assertTrue(answers.add(q.expected()), "distinct: " + q.expected());
                assertTrue(q.context().contains(" " + q.expected() + " "), q.context());
            }
        }
        assertEquals(4, unanswerable);
        assertNull(questions.get(24).expected());
    }

    @Test
    void optionsParse() {
        LoadTest.Options o = LoadTest.parse(new String[] {"--questions", "500", "--http-clients=8", "--timeout", "90s"});
        assertEquals(500, o.questions());
        assertEquals(8, o.httpClients());
        assertEquals(Duration.ofSeconds(90), o.timeout());
        assertNull(LoadTest.parse(new String[] {"--help"}));
    }
}
