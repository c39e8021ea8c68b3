package dev.batchqa.bench.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ColdStartCommandLineTest {

    @Test
    void helpListsTheOptionsAndExitCodes() {
        StringWriter out = new StringWriter();
        assertEquals(0, new CommandLine(new ColdStartBenchmark.Options()).setOut(new PrintWriter(out)).execute("--help"));
        assertTrue(out.toString().contains("--report-from") && out.toString().contains("Exit codes:"), out.toString());
    }

    @Test
    void usageErrorsExitTwoBeforeAnyRun() {
        assertEquals(2, quiet().execute("--runs", "3"), "no --model");
        assertEquals(2, quiet().execute("--model", "m", "--variants", "A,E"));
        assertEquals(2, quiet().execute("--model", "m", "--modes", "lambda"));
        assertEquals(2, quiet().execute("--model", "m", "--runs", "0"));
    }

    @Test
    void listsAreNormalized() {
        ColdStartBenchmark.Options o = new ColdStartBenchmark.Options();
        new CommandLine(o).parseArgs("--model", "m", "--variants", "a, c", "--jvm-opt", "-Xmx1g", "--jvm-opt", "-Xss1m");
        o.check();
        assertEquals(List.of("A", "C"), o.variants);
        assertEquals(List.of("handler", "split"), o.modes);
        assertEquals(List.of("-Xmx1g", "-Xss1m"), o.jvmOpts);
        assertTrue(o.model.isAbsolute());
    }

    private static CommandLine quiet() {
        return new CommandLine(new ColdStartBenchmark.Options()).setErr(new PrintWriter(new StringWriter()));
    }
}
