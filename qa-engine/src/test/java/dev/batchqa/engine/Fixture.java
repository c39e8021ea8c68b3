package dev.batchqa.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed tiny constructed model, model/fixtures/tiny-qa (see model/fixtures/README.md). */
final class Fixture {

    private Fixture() {}

    static Path dir() {
        String configured = System.getProperty("qa.fixture.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("../model/fixtures/tiny-qa");
        if (!Files.isRegularFile(dir.resolve("model.pt"))) {
            throw new IllegalStateException("fixture model not found at " + dir.toAbsolutePath());
        }
        return dir;
    }

    /**
     * The committed test tokenizer with Hangul jamo, CJK, Thai, Arabic, Devanagari... (see
     * model/fixtures/make_multiscript_tokenizer.py); it has no model.
     */
    static Path multiscriptTokenizer() {
        Path file = dir().resolveSibling("multiscript-tokenizer").resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("test tokenizer not found at " + file.toAbsolutePath());
        }
        return file;
    }

    static EngineOptions.Builder config() {
        return EngineOptions.builder(dir().toString()).withThreads(1);
    }

    static QaEngine load(EngineOptions.Builder config) {
        try {
            return QaEngine.load(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
