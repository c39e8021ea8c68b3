package dev.batchqa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The benchmark programs' command lines: --help, the documented exit codes, required options. */
class CommandLinesTest {

    @Test
    void squadEvalHelpListsItsOptionsAndExitCodes() {
        assertHelp(new SquadEval.Options(), "--stride-mode", "--data");
    }

    @Test
    void engineBenchmarkHelpListsItsOptionsAndExitCodes() {
        assertHelp(new EngineBenchmark.Options(), "--batch-sizes", "--tuned-max-tokens-per-pass");
    }

    @Test
    void aMissingModelIsAUsageError() {
        assertEquals(2, quiet(new SquadEval.Options()).execute("--data", "x.json"));
        assertEquals(2, quiet(new EngineBenchmark.Options()).execute("--iterations", "3"));
        assertEquals(2, quiet(new EngineBenchmark.Options()).execute("--model", "m", "--iterations", "many"));
    }

    @Test
    void listOptionsSplitOnCommas() {
        EngineBenchmark.Options o = new EngineBenchmark.Options();
        new CommandLine(o).parseArgs("--model", "m", "--batch-sizes", "2,4");
        assertEquals(java.util.List.of(2, 4), o.batchSizes);
        assertEquals(java.util.List.of(128, 256, 384), o.seqLengths);
    }

    private static void assertHelp(Callable<Integer> command, String... options) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(command).setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--help"));
        String help = out.toString();
        for (String o : options) assertTrue(help.contains(o), help);
        assertTrue(help.contains("Exit codes:") && help.contains("2   invalid command line"), help);
    }

    private static CommandLine quiet(Callable<Integer> command) {
        return new CommandLine(command).setErr(new PrintWriter(new StringWriter()));
    }
}
