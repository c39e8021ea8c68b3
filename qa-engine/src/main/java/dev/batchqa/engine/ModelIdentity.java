package dev.batchqa.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which model an engine runs, for the records it answers: the default numeric variant depends on the CPU (bf16 where
 * it is native), so the same deployment can answer with different variants on different hosts.
 *
 * <pre>{@code
 * ModelIdentity id = engine.identity(); // e.g. ("deepset/minilm-uncased-squad2", "bf16")
 * }</pre>
 *
 * @param name    {@code config.json}'s {@code name}, else its {@code source} (the exporter's Hugging Face id), else
 *                the model directory's name
 * @param variant {@code bf16} when the file is the config's {@code bf16_model_file}, {@code int8} when it is its
 *                {@code int8_model_file} or {@code quantized_model_file} (or its name says int8), else {@code fp32}
 */
public record ModelIdentity(String name, String variant) {

    static ModelIdentity of(Path dir, String modelFile) {
        JsonObject config = readQuietly(dir.resolve("config.json"));
        String name = string(config, "name");
        if (name == null) name = string(config, "source");
        if (name == null) name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        String lower = modelFile.toLowerCase(Locale.ROOT);
        String variant = modelFile.equals(string(config, "bf16_model_file")) || lower.contains("bf16") ? "bf16"
                : modelFile.equals(string(config, "int8_model_file"))
                        || modelFile.equals(string(config, "quantized_model_file")) || lower.contains("int8") ? "int8"
                : "fp32";
        return new ModelIdentity(name, variant);
    }

    /** The config was read and checked when the model loaded; here a problem only costs the name. */
    private static JsonObject readQuietly(Path file) {
        if (!Files.isRegularFile(file)) return new JsonObject();
        try (Reader reader = Files.newBufferedReader(file)) {
            JsonElement root = JsonParser.parseReader(reader);
            return root.isJsonObject() ? root.getAsJsonObject() : new JsonObject();
        } catch (IOException | RuntimeException e) {
            return new JsonObject();
        }
    }

    private static String string(JsonObject json, String key) {
        JsonElement v = json.get(key);
        return v == null || !v.isJsonPrimitive() ? null : v.getAsString();
    }
}
