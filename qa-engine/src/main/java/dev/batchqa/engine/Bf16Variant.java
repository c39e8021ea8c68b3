package dev.batchqa.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Picks a model directory's bfloat16 export when the CPU computes bf16 natively.
 *
 * <p>A model directory may name a bf16 TorchScript export beside its fp32 file ({@code model/export_quantized.py}
 * writes it):
 *
 * <pre>{@code
 * { "model_file": "model.pt", "bf16_model_file": "bf16.pt", ... }
 * }</pre>
 *
 * <p>On a CPU with {@code avx512_bf16} or {@code amx_bf16} libtorch runs it at about half the CPU time per token of
 * fp32 (MiniLM stand-in, PassProbe); elsewhere it would be emulated and slower, so fp32 stays. An explicit model file
 * ({@code QA_MODEL_FILE}, {@link EngineOptions#withModelFile}) always wins: that is the way to turn bf16 off.
 * {@link QaEngine} loads the bf16 file and runs one probe query; if either fails it logs why and loads the fp32 file.
 */
final class Bf16Variant {

    /** The config.json key naming the bf16 export. */
    static final String CONFIG_KEY = "bf16_model_file";
    /** CPU flags (Linux /proc/cpuinfo names) of native bf16 arithmetic: AVX-512 BF16 dot products, AMX tiles. */
    static final Set<String> NATIVE_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    private Bf16Variant() {}

    /**
     * The bf16 file to load instead of the default one: present when the config names no model file, config.json
     * names an existing bf16 export and {@code cpuFlags} has a native bf16 flag.
     */
    static Optional<String> choose(EngineOptions config, Path dir, Set<String> cpuFlags) throws IOException {
        if (config.modelFile() != null || cpuFlags.stream().noneMatch(NATIVE_FLAGS::contains)) {
            return Optional.empty();
        }
        Path configJson = dir.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            return Optional.empty();
        }
        try (Reader reader = Files.newBufferedReader(configJson)) {
            JsonElement root = JsonParser.parseReader(reader);
            JsonElement file = root.isJsonObject() ? root.getAsJsonObject().get(CONFIG_KEY) : null;
            if (file == null || file.isJsonNull() || !Files.isRegularFile(dir.resolve(file.getAsString()))) {
                return Optional.empty();
            }
            return Optional.of(file.getAsString());
        } catch (RuntimeException e) {
            throw new IOException("Cannot parse " + configJson + ": " + e.getMessage(), e);
        }
    }

    /** The CPU flags of this machine (the first "flags" line of /proc/cpuinfo); empty where there is none. */
    static Set<String> cpuFlags() {
        try {
            return parseFlags(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return Set.of(); // not Linux, or not readable: no bf16, fp32 is always safe
        }
    }

    static Set<String> parseFlags(String cpuinfo) {
        return cpuinfo.lines()
                .filter(l -> l.startsWith("flags"))
                .findFirst()
                .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
                .orElse(Set.of());
    }
}
