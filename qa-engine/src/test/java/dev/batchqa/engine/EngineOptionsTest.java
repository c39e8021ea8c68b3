package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineOptionsTest {

    @Test
    void overridesWinOverConfigJsonAndTheRestComesFromIt() {
        EngineOptions.Builder options = Fixture.config().withMaxSeqLength(48).withDocStride(8).withMaxAnswerLength(5)
                .withMaxAnswerChars(200).withNullThreshold(Double.POSITIVE_INFINITY).withMaxTokensPerPass(480);
                try (QaEngine engine = Fixture.load(options)) {
            EngineOptions s = engine.options();
            assertEquals(48, s.maxSeqLength());
            assertEquals(8, s.docStride());
            assertEquals(16, s.maxQueryLength()); // from config.json
            assertEquals(5, s.maxAnswerLength());
            assertEquals(200, s.maxAnswerChars());
            assertEquals(Double.POSITIVE_INFINITY, s.nullThreshold());
            assertEquals(480, s.maxTokensPerPass());
            assertEquals(1, s.threads());
            assertEquals(false, s.padToMaxLength());
            assertEquals(16, s.padToMultipleOf());
            String context = "The cat sat on the mat. ".repeat(12) + "The capital Paris is nice.";
            QaResult r = engine.answer(QaQuery.of("What is the capital?", context));
            assertEquals("Paris", r.bestText());
            assertTrue(r.windows() > 2, r.toString());
        }
    }

    @Test
    void maxAnswerCharsDefaultsTo1000() {
        try (QaEngine engine = Fixture.load(Fixture.config())) {
            assertEquals(EngineOptions.DEFAULT_MAX_ANSWER_CHARS, engine.options().maxAnswerChars());
        }
        assertEquals(1_000, EngineOptions.DEFAULT_MAX_ANSWER_CHARS);
    }

    @Test
    void missingOrIncompleteModelDirectoryIsAClearIOException(@TempDir Path dir) throws IOException {
        IOException missing = assertThrows(IOException.class,
                () -> QaEngine.load(EngineOptions.builder(dir.resolve("nope").toString())));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"model_file\": \"model.pt\"}");
        IOException incomplete = assertThrows(IOException.class,
                () -> QaEngine.load(EngineOptions.builder(dir.toString())));
        assertTrue(incomplete.getMessage().contains("model.pt"), incomplete.getMessage());
        Files.writeString(dir.resolve("config.json"), "[1, 2");
        assertThrows(IOException.class,
                () -> QaEngine.load(EngineOptions.builder(dir.toString())));
    }

    @Test
    void invalidWindowGeometryIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QaEngine.load(Fixture.config().withMaxSeqLength(32).withDocStride(16)));
        assertTrue(e.getMessage().contains("docStride"), e.getMessage());
        for (int chars : new int[] {0, EngineOptions.MAX_ANSWER_CHARS + 1}) {
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> QaEngine.load(Fixture.config().withMaxAnswerChars(chars)));
            assertTrue(tooLong.getMessage().contains("maxAnswerChars"), tooLong.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new QaQuery("q", "c", 0));
        assertThrows(IllegalArgumentException.class, () -> new QaQuery("q", "c", 11));
    }

    @Test
    void padToMultipleOfMustFitTheWindow() {
        for (int bad : new int[] {0, 65}) { // the fixture's windows are 64 tokens
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Fixture.load(Fixture.config().withPadToMultipleOf(bad)));
            assertTrue(e.getMessage().contains("padToMultipleOf"), e.getMessage());
        }
    }

    @Test
    void theModelsConfigJsonGivesItsShapeAndTheConstantsTheRest(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"max_seq_length\": 256, \"doc_stride\": 64, \"n_best\": 5,"
                + " \"max_answer_chars\": 300, \"trained_with_unanswerable\": true}");
        EngineOptions o = EngineOptions.builder(dir.toString()).withWorkers(2).resolve(dir, "model.pt", null);
        assertEquals(256, o.maxSeqLength());
        assertEquals(64, o.docStride());
        assertEquals(5, o.nBest());
        assertEquals(300, o.maxAnswerChars());
        assertEquals(0.0, o.nullThreshold(), "SQuAD 2.0-trained: abstains at 0");
        assertEquals(EngineOptions.DEFAULT_MAX_QUERY_LENGTH, o.maxQueryLength());
        assertEquals(4096, o.maxTokensPerPass());
        assertEquals(64, o.maxWindowsPerPass());
        assertEquals(16, o.padToMultipleOf());
        assertEquals(false, o.padToMaxLength());
        assertEquals(1, o.threads(), "one intra-op thread per worker when there are several");
        assertEquals(2, o.workers());
    }

    @Test
    void aBuilderIsImmutableSoOneBaseServesSeveralEngines(@TempDir Path dir) throws IOException {
        EngineOptions.Builder base = EngineOptions.builder(dir.toString()).withThreads(1).withWorkers(1);
        EngineOptions.Builder naive = base.withPadToMaxLength(true).withMaxWindowsPerPass(1);
        assertEquals(false, base.resolve(dir, "model.pt", null).padToMaxLength());
        assertEquals(true, naive.resolve(dir, "model.pt", null).padToMaxLength());
        assertEquals(1, naive.resolve(dir, "model.pt", null).maxWindowsPerPass());
        assertEquals(Double.POSITIVE_INFINITY, base.withNullThreshold(0.5).withNullThreshold(null)
                .resolve(dir, "model.pt", null).nullThreshold(), "null takes the model's again (SQuAD 1.1: never)");
    }
}
