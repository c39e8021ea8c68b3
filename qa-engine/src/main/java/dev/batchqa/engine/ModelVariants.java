package dev.batchqa.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Picks one of a model directory's numeric variants by what this CPU runs natively.
 *
 * <p>A model directory names its variants in {@code config.json} ({@code model/export_quantized.py} writes them):
 *
 * <pre>{@code
 * { "model_file": "fp32.pt", "bf16_model_file": "bf16.pt", "int8_model_file": "int8.pt", ... }
 * }</pre>
 *
 * <p>In order: an explicit file ({@code QA_MODEL_FILE}, {@link EngineOptions.Builder#withModelFile}) always wins; bf16 where
 * it is native ({@link CpuIsa#nativeBf16()}: elsewhere it is emulated and slower than fp32); int8 where FBGEMM has
 * fast kernels ({@link CpuIsa#fastInt8()}); else {@code model_file}. The export names an int8 file only when its F1
 * stayed within the limit on held-out questions, so its presence is the permission. bf16 goes before int8 because it
 * keeps the answers closer and, where native, ran faster (docs/evaluation.md, "ISA profiles"). {@link QaEngine} runs
 * one query on the chosen file and falls back to {@code model_file} if that fails.
 */
final class ModelVariants {

    static final String BF16_KEY = "bf16_model_file";
    static final String INT8_KEY = "int8_model_file";

    /**
     * A chosen file.
     *
     * @param file the file to load; null means the options' own (explicit, or {@code model_file})
     * @param variant {@code bf16}, {@code int8}, {@code fp32} or {@code explicit}
     * @param reason why, for the init log
     */
    record Choice(String file, String variant, String reason) {}

    private ModelVariants() {}

    static Choice choose(EngineOptions.Builder options, Path dir, CpuIsa isa) throws IOException {
        if (options.modelFile() != null) {
            return new Choice(null, "explicit", "model file given (QA_MODEL_FILE)");
        }
        JsonObject config = readConfig(dir.resolve("config.json"));
        String bf16 = existing(config, BF16_KEY, dir);
        String int8 = existing(config, INT8_KEY, dir);
        if (bf16 != null && isa.nativeBf16()) {
            return new Choice(bf16, "bf16", "native bf16 (" + isa.level() + ")");
        }
        String why = bf16 == null ? "" : "bf16 not native (" + isa.level() + capsNote(isa) + "); ";
        if (int8 != null && isa.fastInt8()) {
            return new Choice(int8, "int8", why + "int8 within the F1 limit and avx2 int8 kernels");
        }
        if (int8 != null) why += "no fast int8 kernels; ";
        return new Choice(null, "fp32", why + (bf16 == null && int8 == null ? "no other variant" : "fp32"));
    }

    private static String capsNote(CpuIsa isa) {
        return isa.caps().isEmpty() ? "" : ", capped by " + isa.caps();
    }

    private static String existing(JsonObject config, String key, Path dir) {
        JsonElement v = config.get(key);
        if (v == null || !v.isJsonPrimitive()) return null;
        return Files.isRegularFile(dir.resolve(v.getAsString())) ? v.getAsString() : null;
    }

    private static JsonObject readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return new JsonObject();
        try (Reader reader = Files.newBufferedReader(file)) {
            JsonElement root = JsonParser.parseReader(reader);
            return root.isJsonObject() ? root.getAsJsonObject() : new JsonObject();
        } catch (RuntimeException e) {
            throw new IOException("Cannot parse " + file + ": " + e.getMessage(), e);
        }
    }
}
