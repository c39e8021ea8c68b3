package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Bf16VariantTest {

    private static final Set<String> BF16_CPU = Set.of("avx2", "avx512f", "avx512_bf16");
    private static final Set<String> OLD_CPU = Set.of("avx2", "avx512f", "avx512_vnni");

    @TempDir
    Path dir;

    @Test
    void readsTheFlagsOfProcCpuinfo() {
        String cpuinfo = """
                processor\t: 0
                model name\t: Intel(R) Xeon(R) Processor
                flags\t\t: fpu sse2 avx2 avx512f amx_bf16 avx512_bf16 amx_tile
                bogomips\t: 4000.00

                processor\t: 1
                flags\t\t: fpu sse2
                """;
        Set<String> flags = Bf16Variant.parseFlags(cpuinfo);
        assertTrue(flags.containsAll(Set.of("avx512_bf16", "amx_bf16", "avx2")), flags.toString());
        assertEquals(Set.of(), Bf16Variant.parseFlags("processor : 0\n"));
    }

    @Test
    void choosesTheBf16FileOnlyOnANativeBf16CpuWhenItExistsAndNoFileWasGiven() throws IOException {
        writeConfig("{\"model_file\": \"model.pt\", \"bf16_model_file\": \"bf16.pt\"}");
        EngineOptions defaults = EngineOptions.of(dir.toString());

        assertEquals(Optional.empty(), Bf16Variant.choose(defaults, dir, BF16_CPU), "file missing");
        Files.writeString(dir.resolve("bf16.pt"), "x");
        assertEquals(Optional.of("bf16.pt"), Bf16Variant.choose(defaults, dir, BF16_CPU));
        assertEquals(Optional.of("bf16.pt"), Bf16Variant.choose(defaults, dir, Set.of("amx_bf16")));
        assertEquals(Optional.empty(), Bf16Variant.choose(defaults, dir, OLD_CPU), "no native bf16");
        EngineOptions explicit = EngineOptions.of(dir.toString()).withModelFile("model.pt");
        assertEquals(Optional.empty(), Bf16Variant.choose(explicit, dir, BF16_CPU), "an explicit file wins");
    }

    @Test
    void noBf16KeyNoConfigOrNullKeyMeansFp32() throws IOException {
        EngineOptions defaults = EngineOptions.of(dir.toString());
        assertEquals(Optional.empty(), Bf16Variant.choose(defaults, dir, BF16_CPU), "no config.json");
        writeConfig("{\"model_file\": \"model.pt\"}");
        assertEquals(Optional.empty(), Bf16Variant.choose(defaults, dir, BF16_CPU));
        writeConfig("{\"bf16_model_file\": null}");
        assertEquals(Optional.empty(), Bf16Variant.choose(defaults, dir, BF16_CPU));
    }

    @Test
    void anUnloadableBf16FileFallsBackToTheFp32Model() throws IOException {
        assumeTrue(Bf16Variant.cpuFlags().stream().anyMatch(Bf16Variant.NATIVE_FLAGS::contains),
                "the engine only tries a bf16 file on a CPU with native bf16");
        Path model = copyFixture();
        Files.writeString(model.resolve("bf16.pt"), "not a TorchScript archive");
        setBf16Key(model, "bf16.pt");
        try (QaEngine engine = QaEngine.load(EngineOptions.of(model.toString()).withThreads(1))) {
            assertEquals("model.pt", engine.options().modelFile());
            assertEquals("83.1", engine.answer(new QaQuery("What is the score?",
                    "In the final test the score 83.1 was reported.", 1)).bestText());
        }
    }

    @Test
    void aLoadableBf16FileIsUsed() throws IOException {
        assumeTrue(Bf16Variant.cpuFlags().stream().anyMatch(Bf16Variant.NATIVE_FLAGS::contains),
                "the engine only tries a bf16 file on a CPU with native bf16");
        Path model = copyFixture();
        // the fixture has no bf16 export; any loadable TorchScript file exercises the selection
        Files.copy(model.resolve("model.pt"), model.resolve("bf16.pt"));
        setBf16Key(model, "bf16.pt");
        try (QaEngine engine = QaEngine.load(EngineOptions.of(model.toString()).withThreads(1))) {
            assertEquals("bf16.pt", engine.options().modelFile());
        }
    }

    private Path copyFixture() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        for (String f : new String[] {"config.json", "model.pt", "tokenizer.json"}) {
            Files.copy(Fixture.dir().resolve(f), model.resolve(f));
        }
        return model;
    }

    private static void setBf16Key(Path model, String file) throws IOException {
        String json = Files.readString(model.resolve("config.json")).trim();
        json = json.substring(0, json.lastIndexOf('}')) + ", \"" + Bf16Variant.CONFIG_KEY + "\": \"" + file + "\"}";
        Files.writeString(model.resolve("config.json"), json);
    }

    private void writeConfig(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
    }
}
