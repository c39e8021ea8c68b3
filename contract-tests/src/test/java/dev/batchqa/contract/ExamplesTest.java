package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every client in examples/ against a local runner with the fixture model, through the one driver,
 * examples/run-all: it exits non-zero, and this test fails with its output, when an example fails. Python examples
 * are skipped (with a line saying so) where python3 lacks requests/boto3, unless BATCHQA_REQUIRE_TOOLS=1.
 */
class ExamplesTest {
    @Test
    void everyExampleRunsAgainstTheLocalRunner() throws Exception {
        Path root = Contract.repoRoot();
        Map<String, String> env = new HashMap<>();
        env.put("QA_MODEL_DIR", System.getProperty("qa.fixture.dir"));
        env.put("QA_HTTP_PORT", "0");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        env.put("QA_TABLE_NAME", "qa-examples-" + suffix);
        try (LocalPipeline pipeline = LocalPipeline.start(LocalConfig.builder(env)
                .batchingWindow(Duration.ofMillis(50)).queueName("qa-examples-" + suffix).build())) {
            ProcessBuilder builder = new ProcessBuilder(root.resolve("examples/run-all").toString(),
                    "--api-url", pipeline.apiUrl().toString(),
                    "--sqs-endpoint", pipeline.sqsEndpoint().toString(),
                    "--queue-url", pipeline.queueUrl())
                    .directory(root.toFile())
                    .redirectErrorStream(true);
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process process = builder.start();
            String output;
            try (var in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(process.waitFor(5, TimeUnit.MINUTES), "examples/run-all timed out");
            System.out.println(output);
            assertEquals(0, process.exitValue(), "examples/run-all failed:\n" + output);
            assertTrue(output.contains("=== curl: OK") && output.contains("=== java: OK"), output);
        }
    }
}
