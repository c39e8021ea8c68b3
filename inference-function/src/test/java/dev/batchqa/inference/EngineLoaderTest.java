package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.shared.message.Limits;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineLoaderTest {

    @Test
    void environmentMapsOntoTheEngineOptions() throws Exception {
        Map<String, String> env = Map.ofEntries(
                Map.entry("QA_MODEL_DIR", System.getProperty("qa.fixture.dir")),
                Map.entry("QA_MAX_SEQ_LENGTH", "48"),
                Map.entry("QA_DOC_STRIDE", "8"),
                Map.entry("QA_MAX_ANSWER_LENGTH", "5"),
                Map.entry("QA_MAX_ANSWER_CHARS", "200"),
                Map.entry("QA_N_BEST", "7"),
                Map.entry("QA_NULL_THRESHOLD", "never"),
                Map.entry("QA_MAX_TOKENS_PER_PASS", "480"),
                Map.entry("QA_MAX_WINDOWS_PER_PASS", "3"),
                Map.entry("QA_PAD_TO_MAX_LENGTH", "true"),
                Map.entry("QA_PAD_TO_MULTIPLE_OF", "8"),
                Map.entry("QA_ENGINE_THREADS", "1"),
                Map.entry("QA_WARMUP", "false"));
        EngineLoader loader = EngineLoader.fromEnvironment(env);
        assertFalse(loader.warmUp());
        assertNull(loader.options().maxQueryLength(), "not in the environment: left to config.json");
        try (QaEngine engine = loader.load()) {
            EngineOptions s = engine.options();
            assertEquals(48, s.maxSeqLength());
            assertEquals(8, s.docStride());
            assertEquals(16, s.maxQueryLength()); // from config.json
            assertEquals(5, s.maxAnswerLength());
            assertEquals(200, s.maxAnswerChars());
            assertEquals(7, s.nBest());
            assertEquals(Double.POSITIVE_INFINITY, s.nullThreshold());
            assertEquals(480, s.maxTokensPerPass());
            assertEquals(3, s.maxWindowsPerPass());
            assertTrue(s.padToMaxLength());
            assertEquals(8, s.padToMultipleOf());
            assertEquals(1, s.threads());
            assertEquals(0, engine.warmUpMillis(), "QA_WARMUP=false skips the warm-up");
        }
    }

    @Test
    void warmUpIsOnByDefault() {
        assertTrue(EngineLoader.fromEnvironment(Map.of("QA_MODEL_DIR", "/m")).warmUp());
    }

    @Test
    void environmentErrorsNameTheVariable() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> EngineLoader.fromEnvironment(Map.of()));
        assertTrue(missing.getMessage().contains("QA_MODEL_DIR"));
        IllegalStateException bad = assertThrows(IllegalStateException.class,
                () -> EngineLoader.fromEnvironment(Map.of("QA_MODEL_DIR", "/m", "QA_DOC_STRIDE", "x")));
        assertTrue(bad.getMessage().contains("QA_DOC_STRIDE"));
        assertEquals(0.5, EngineLoader.fromEnvironment(Map.of("QA_MODEL_DIR", "/m", "QA_NULL_THRESHOLD", "0.5"))
                .options().nullThreshold());
    }

    @Test
    void theEnginesLargestAnswerIsTheStoreLimit() {
        // the worst-case record size check in shared (LimitsTest) assumes the engine's largest value
        assertEquals(Limits.MAX_ANSWER_CHARS, EngineOptions.MAX_ANSWER_CHARS);
    }
}
