package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The local runner's configuration: the environment read once, the flags and builder options strict. */
class LocalConfigTest {
    private static final Map<String, String> ENV = Map.of("QA_MODEL_DIR", "/m", "QA_TABLE_NAME", "t",
            "QA_FUNCTION_TIMEOUT_SECONDS", "60");

    @Test
    void theTableQueueAndModelComeFromTheFunctionsReaders() {
        LocalConfig config = LocalConfig.fromEnvironment(ENV);
        assertEquals("t", config.tableName());
        assertEquals("t", config.settings().tableName());
        assertNull(config.queueUrl());
        assertEquals("/m", config.modelLocation());
        assertTrue(config.embeddedEmulators());
        assertEquals(Duration.ofSeconds(60), config.functionTimeout());
        assertEquals(90, config.visibilityTimeoutSeconds(), "the timeout + 30 s, as the template's");
        assertEquals(LocalConfig.Role.ALL, config.role());
        assertEquals(32, config.batchSize());
        assertEquals(90, config.policy().maxWindowsPerQuestion(), "the function's cap at 60 s");
        assertEquals(500, LocalConfig.builder(ENV).maxWindowsPerQuestion(500).build().policy().maxWindowsPerQuestion());
    }

    @Test
    void flagsSetTheSidesBatchesAndAckDelayAndRefuseWhatTheyDoNotKnow() {
        LocalConfig config = Main.configure(LocalConfig.builder(ENV),
                "--role", "worker", "--batch-size", "10", "--ack-delay-ms", "5000").build();
        assertEquals(LocalConfig.Role.WORKER, config.role());
        assertEquals(10, config.batchSize());
        assertEquals(Duration.ofSeconds(5), config.ackDelay());
        for (String[] bad : new String[][] {{"--role", "WORKERS"}, {"--role", "Worker"}, {"--batch-size", "0"},
                {"--batch-size", "ten"}, {"--ack-delay-ms", "-1"}, {"--pollers", "2"}, {"--role"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Main.configure(LocalConfig.builder(ENV), bad), String.join(" ", bad));
            assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
        }
    }

    @Test
    void aBadVariableStopsStartWithItsName() {
        for (var bad : Map.of("QA_HTTP_PORT", "http", "QA_FUNCTION_TIMEOUT_SECONDS", "0", "QA_RESULT_TTL_HOURS", "1d")
                .entrySet()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LocalConfig.fromEnvironment(Map.of(bad.getKey(), bad.getValue())));
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> LocalConfig.builder(ENV).pollers(0).build());
    }
}
