package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.shared.message.Limits;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineLoaderTest {

    @Test
    void theEnvironmentNamesTheModelAndItsConfigJsonTheShape() throws Exception {
        EngineLoader loader = EngineLoader.fromEnvironment(Map.of("QA_MODEL_DIR", System.getProperty("qa.fixture.dir"),
                "QA_MODEL_FILE", "model.pt",
                // not variables: ignored, the model's config.json decides
                "QA_MAX_SEQ_LENGTH", "48", "QA_N_BEST", "7"));
        assertTrue(loader.warmUp(), "the function always warms up");
        assertEquals("model.pt", loader.options().modelFile());
        try (QaEngine engine = loader.load()) {
            EngineOptions s = engine.options();
            assertEquals(64, s.maxSeqLength()); // from config.json
            assertEquals(16, s.maxQueryLength()); // from config.json
            assertEquals(EngineOptions.DEFAULT_N_BEST, s.nBest());
            assertEquals(EngineOptions.DEFAULT_MAX_TOKENS_PER_PASS, s.maxTokensPerPass());
        }
    }

    @Test
    void withoutAModelFileTheEngineChooses() {
        assertNull(EngineLoader.fromEnvironment(Map.of("QA_MODEL_DIR", "/m")).options().modelFile());
        assertNull(EngineLoader.fromEnvironment(Map.of("QA_MODEL_DIR", "/m", "QA_MODEL_FILE", " ")).options().modelFile(),
                "blank is unset");
    }

    @Test
    void aMissingModelNamesTheVariable() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> EngineLoader.fromEnvironment(Map.of()));
        assertTrue(missing.getMessage().contains("QA_MODEL_DIR"));
    }

    @Test
    void theWindowCapIsHalfTheTimeoutAtThreeWindowsASecondAtMost500() {
        // the template's former MaxWindowsPerQuestion mapping, row by row
        Map<Integer, Integer> expected = Map.of(30, 45, 60, 90, 90, 135, 120, 180, 180, 270, 300, 450, 600, 500, 900, 500);
        expected.forEach((seconds, windows) -> assertEquals(windows,
                BatchPolicy.forTimeout(Duration.ofSeconds(seconds)).maxWindowsPerQuestion(), seconds + " s"));
        assertEquals(1, BatchPolicy.forTimeout(Duration.ofMillis(100)).maxWindowsPerQuestion());
    }

    @Test
    void theFunctionTimeoutIsParsedStrictly() {
        assertEquals(Duration.ofSeconds(120), BatchPolicy.functionTimeout(Map.of()));
        assertEquals(Duration.ofSeconds(30), BatchPolicy.functionTimeout(Map.of("QA_FUNCTION_TIMEOUT_SECONDS", "30")));
        for (String bad : new String[] {"x", "0", "901", "12.5"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> BatchPolicy.functionTimeout(Map.of("QA_FUNCTION_TIMEOUT_SECONDS", bad)), bad);
            assertTrue(e.getMessage().contains("QA_FUNCTION_TIMEOUT_SECONDS"), e.getMessage());
        }
    }

    @Test
    void theEnginesLargestAnswerIsTheStoreLimit() {
        // the worst-case record size check in shared (LimitsTest) assumes the engine's largest value
        assertEquals(Limits.MAX_ANSWER_CHARS, EngineOptions.MAX_ANSWER_CHARS);
    }
}
