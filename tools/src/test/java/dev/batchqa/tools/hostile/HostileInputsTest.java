package dev.batchqa.tools.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.message.Limits;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The battery end to end on the fixture model, with the runner's default settings: every hostile input at its
 * maximum size ends DONE or FAILED, and the ordinary questions sent right after them are answered in time.
 */
class HostileInputsTest {

    @Test
    void theCorpusIsAtTheLimitsTheApiAccepts() {
        List<HostileCorpus.Case> cases = HostileCorpus.hostile(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS);
        assertTrue(cases.size() >= 12, "every class");
        for (HostileCorpus.Case c : cases) {
            assertTrue(c.context().length() <= Limits.MAX_CONTEXT_CHARS, c.inputClass());
            assertTrue(c.question().length() <= Limits.MAX_QUESTION_CHARS, c.inputClass());
            assertEquals(Limits.MAX_TOP_K, c.topK(), c.inputClass());
        }
        assertTrue(cases.stream().filter(c -> c.context().length() > Limits.MAX_CONTEXT_CHARS - 10).count() >= 10,
                "most contexts are at the maximum size");
        assertTrue(cases.stream().anyMatch(c -> c.question().length() > Limits.MAX_QUESTION_CHARS - 10),
                "the longest question");
    }

    @Test
    void everyHostileQuestionEndsAndOrdinaryQuestionsAreAnsweredRightAfterThem() {
        Map<String, String> env = new HashMap<>();
        env.put("QA_MODEL_DIR", System.getProperty("qa.fixture.dir"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HostileInputs battery = new HostileInputs(new PrintStream(out, true, StandardCharsets.UTF_8), env);

        int exit = new CommandLine(battery).execute("--hostile-bound", "300", "--normal-bound", "60");

        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        HostileInputs.Report report = battery.report();
        for (HostileInputs.Row r : report.hostile()) {
            assertTrue(r.status().equals("DONE") || r.status().equals("FAILED"), r + "\n" + printed);
        }
        assertTrue(report.normal().stream().allMatch(r -> r.status().equals("DONE")), printed);
        assertTrue(printed.contains("Korean question, short context"), printed);
        System.out.println(printed);
    }
}
