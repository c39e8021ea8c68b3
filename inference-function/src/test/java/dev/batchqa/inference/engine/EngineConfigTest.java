package dev.batchqa.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineConfigTest {

    @Test
    void environmentOverridesModelSettings() {
        Map<String, String> env = Map.of(
                "QA_MODEL_DIR", Fixture.dir().toString(),
                "QA_MAX_SEQ_LENGTH", "48",
                "QA_DOC_STRIDE", "8",
                "QA_MAX_ANSWER_LENGTH", "5",
                "QA_MAX_ANSWER_CHARS", "200",
                "QA_NULL_THRESHOLD", "never",
                "QA_MAX_TOKENS_PER_PASS", "480",
                "QA_ENGINE_THREADS", "1");
        try (QaEngine engine = Fixture.load(EngineConfig.fromEnvironment(env).toBuilder())) {
            ModelSettings s = engine.settings();
            assertEquals(48, s.maxSeqLength());
            assertEquals(8, s.docStride());
            assertEquals(16, s.maxQueryLength()); // from config.json
            assertEquals(5, s.maxAnswerLength());
            assertEquals(200, s.maxAnswerChars());
            assertEquals(Double.POSITIVE_INFINITY, s.nullThreshold());
            assertEquals(480, s.maxTokensPerPass());
            assertEquals(1, s.threads());
            String context = "The cat sat on the mat. ".repeat(12) + "The capital Paris is nice.";
            QaResult r = engine.answer(QaQuery.of("What is the capital?", context));
            assertEquals("Paris", r.bestText());
            assertTrue(r.windows() > 2, r.toString());
        }
    }

    @Test
    void maxAnswerCharsDefaultsTo1000AndItsLargestValueIsTheStoreLimit() {
        try (QaEngine engine = Fixture.load(Fixture.config())) {
            assertEquals(ModelSettings.DEFAULT_MAX_ANSWER_CHARS, engine.settings().maxAnswerChars());
        }
        assertEquals(1_000, ModelSettings.DEFAULT_MAX_ANSWER_CHARS);
        // the worst-case record size check in shared (LimitsTest) assumes the engine's largest value
        assertEquals(Limits.MAX_ANSWER_CHARS, ModelSettings.MAX_ANSWER_CHARS);
    }

    @Test
    void environmentErrorsNameTheVariable() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.fromEnvironment(Map.of()));
        assertTrue(missing.getMessage().contains("QA_MODEL_DIR"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.fromEnvironment(Map.of("QA_MODEL_DIR", "/m", "QA_DOC_STRIDE", "x")));
        assertTrue(bad.getMessage().contains("QA_DOC_STRIDE"));
        assertEquals(0.5, EngineConfig.fromEnvironment(Map.of("QA_MODEL_DIR", "/m", "QA_NULL_THRESHOLD", "0.5"))
                .nullThreshold());
    }

    @Test
    void missingOrIncompleteModelDirectoryIsAClearIOException(@TempDir Path dir) throws IOException {
        IOException missing = assertThrows(IOException.class,
                () -> QaEngine.load(EngineConfig.builder().modelLocation(dir.resolve("nope").toString()).build()));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"model_file\": \"model.pt\"}");
        IOException incomplete = assertThrows(IOException.class,
                () -> QaEngine.load(EngineConfig.builder().modelLocation(dir.toString()).build()));
        assertTrue(incomplete.getMessage().contains("model.pt"), incomplete.getMessage());
        Files.writeString(dir.resolve("config.json"), "[1, 2");
        assertThrows(IOException.class,
                () -> QaEngine.load(EngineConfig.builder().modelLocation(dir.toString()).build()));
    }

    @Test
    void invalidWindowGeometryIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QaEngine.load(Fixture.config().maxSeqLength(32).docStride(16).build()));
        assertTrue(e.getMessage().contains("docStride"), e.getMessage());
        for (int chars : new int[] {0, ModelSettings.MAX_ANSWER_CHARS + 1}) {
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> QaEngine.load(Fixture.config().maxAnswerChars(chars).build()));
            assertTrue(tooLong.getMessage().contains("maxAnswerChars"), tooLong.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new QaQuery("q", "c", 0));
        assertThrows(IllegalArgumentException.class, () -> new QaQuery("q", "c", 11));
    }
}
