package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelVariantsTest {

    private static final Map<String, String> AVX2_CAPS = Map.of("ATEN_CPU_CAPABILITY", "avx2",
            "ONEDNN_MAX_CPU_ISA", "AVX2", "MKL_ENABLE_INSTRUCTIONS", "AVX2", "FBGEMM_ENABLE_INSTRUCTIONS", "AVX2");
    private static final CpuIsa BF16_CPU = isa(Set.of("avx2", "avx512f", "avx512_bf16"), Map.of());
    private static final CpuIsa BF16_CPU_CAPPED = isa(Set.of("avx2", "avx512f", "avx512_bf16"), AVX2_CAPS);
    private static final CpuIsa VNNI_CPU = isa(Set.of("avx2", "avx512f", "avx512_vnni"), Map.of());
    private static final CpuIsa OLD_CPU = isa(Set.of("sse4_2", "avx"), Map.of());

    @TempDir
    Path dir;

    @Test
    void readsTheFlagsAndModelOfProcCpuinfoAndTheCaps() {
        String cpuinfo = """
                processor\t: 0
                model name\t: Intel(R) Xeon(R) Processor
                flags\t\t: fpu sse2 avx2 avx512f amx_bf16 avx512_bf16 amx_tile
                bogomips\t: 4000.00

                processor\t: 1
                flags\t\t: fpu sse2
                """;
        CpuIsa isa = CpuIsa.of(cpuinfo, Map.of("ONEDNN_MAX_CPU_ISA", "AVX2", "UNRELATED", "x"));
        assertTrue(isa.flags().containsAll(Set.of("avx512_bf16", "amx_bf16", "avx2")), isa.flags().toString());
        assertEquals("Intel(R) Xeon(R) Processor", isa.modelName());
        assertEquals(Map.of("ONEDNN_MAX_CPU_ISA", "AVX2"), isa.caps());
        assertEquals(Set.of(), CpuIsa.of("processor : 0\n", Map.of()).flags());
        assertEquals("amx", CpuIsa.of(cpuinfo, Map.of()).level());
    }

    @Test
    void bf16IsNativeOnlyWithTheFlagAndNoCapBelowIt() {
        assertTrue(BF16_CPU.nativeBf16());
        assertEquals("avx512_bf16", BF16_CPU.level());
        assertFalse(BF16_CPU_CAPPED.nativeBf16(), "capped at AVX2: emulated");
        assertEquals("avx2", BF16_CPU_CAPPED.level());
        assertFalse(isa(BF16_CPU.flags(), Map.of("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_VNNI")).nativeBf16());
        assertTrue(isa(BF16_CPU.flags(), Map.of("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16")).nativeBf16());
        assertFalse(VNNI_CPU.nativeBf16());
        assertEquals("avx512_vnni", VNNI_CPU.level());
        assertTrue(BF16_CPU_CAPPED.fastInt8());
        assertFalse(OLD_CPU.fastInt8());
        assertEquals("below_avx2", OLD_CPU.level());
    }

    @Test
    void choosesBf16WhereNativeThenInt8ThenFp32AndAnExplicitFileWins() throws IOException {
        writeConfig("{\"model_file\": \"fp32.pt\", \"bf16_model_file\": \"bf16.pt\", \"int8_model_file\": \"int8.pt\"}");
        EngineOptions.Builder defaults = EngineOptions.builder(dir.toString());
        assertEquals("fp32", ModelVariants.choose(defaults, dir, BF16_CPU).variant(), "files missing");

        Files.writeString(dir.resolve("bf16.pt"), "x");
        Files.writeString(dir.resolve("int8.pt"), "x");
        assertEquals("bf16.pt", ModelVariants.choose(defaults, dir, BF16_CPU).file());
        ModelVariants.Choice capped = ModelVariants.choose(defaults, dir, BF16_CPU_CAPPED);
        assertEquals("int8.pt", capped.file());
        assertTrue(capped.reason().contains("bf16 not native"), capped.reason());
        assertEquals("int8.pt", ModelVariants.choose(defaults, dir, VNNI_CPU).file());
        ModelVariants.Choice old = ModelVariants.choose(defaults, dir, OLD_CPU);
        assertEquals(null, old.file());
        assertEquals("fp32", old.variant());

        ModelVariants.Choice explicit = ModelVariants.choose(defaults.withModelFile("model.pt"), dir, BF16_CPU);
        assertEquals(null, explicit.file());
        assertEquals("explicit", explicit.variant());
    }

    @Test
    void noVariantKeysNoConfigOrNullKeysMeanTheModelFile() throws IOException {
        EngineOptions.Builder defaults = EngineOptions.builder(dir.toString());
        assertEquals(null, ModelVariants.choose(defaults, dir, BF16_CPU).file(), "no config.json");
        writeConfig("{\"model_file\": \"model.pt\"}");
        assertEquals(null, ModelVariants.choose(defaults, dir, BF16_CPU).file());
        writeConfig("{\"bf16_model_file\": null, \"int8_model_file\": null}");
        assertEquals(null, ModelVariants.choose(defaults, dir, BF16_CPU).file());
    }

    @Test
    void anUnloadableVariantFallsBackToTheFp32Model() throws IOException {
        assumeTrue(CpuIsa.current().fastInt8(), "the engine only tries an int8 file on a CPU with avx2");
        Path model = copyFixture();
        Files.writeString(model.resolve("int8.pt"), "not a TorchScript archive");
        Files.writeString(model.resolve("bf16.pt"), "not a TorchScript archive");
        setKeys(model, "int8.pt", "bf16.pt");
        try (QaEngine engine = QaEngine.load(EngineOptions.builder(model.toString()).withThreads(1))) {
            assertEquals("model.pt", engine.options().modelFile());
            assertEquals("fp32", engine.identity().variant());
            assertEquals("83.1", engine.answer(new QaQuery("What is the score?",
                    "In the final test the score 83.1 was reported.", 1)).bestText());
        }
    }

    @Test
    void aLoadableVariantIsUsedAndNamedInTheIdentity() throws IOException {
        CpuIsa here = CpuIsa.current();
        assumeTrue(here.fastInt8(), "the engine only tries an int8 file on a CPU with avx2");
        Path model = copyFixture();
        // the fixture has no bf16 or int8 export; any loadable TorchScript file exercises the selection
        Files.copy(model.resolve("model.pt"), model.resolve("q8.pt"));
        Files.copy(model.resolve("model.pt"), model.resolve("half.pt"));
        setKeys(model, "q8.pt", "half.pt");
        try (QaEngine engine = QaEngine.load(EngineOptions.builder(model.toString()).withThreads(1))) {
            assertEquals(here.nativeBf16() ? "half.pt" : "q8.pt", engine.options().modelFile());
            assertEquals(here.nativeBf16() ? "bf16" : "int8", engine.identity().variant());
        }
    }

    private static CpuIsa isa(Set<String> flags, Map<String, String> caps) {
        return new CpuIsa(flags, "test", caps);
    }

    private Path copyFixture() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        for (String f : new String[] {"config.json", "model.pt", "tokenizer.json"}) {
            Files.copy(Fixture.dir().resolve(f), model.resolve(f));
        }
        return model;
    }

    private static void setKeys(Path model, String int8, String bf16) throws IOException {
        String json = Files.readString(model.resolve("config.json")).trim();
        json = json.substring(0, json.lastIndexOf('}')) + ", \"" + ModelVariants.INT8_KEY + "\": \"" + int8 + "\", \""
                + ModelVariants.BF16_KEY + "\": \"" + bf16 + "\"}";
        Files.writeString(model.resolve("config.json"), json);
    }

    private void writeConfig(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
    }
}
