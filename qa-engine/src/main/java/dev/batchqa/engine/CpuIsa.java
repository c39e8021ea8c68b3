package dev.batchqa.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the math libraries will really run on this CPU: its flags (Linux {@code /proc/cpuinfo}), capped by the
 * variables that libtorch ({@code ATEN_CPU_CAPABILITY}), oneDNN ({@code ONEDNN_MAX_CPU_ISA}), MKL
 * ({@code MKL_ENABLE_INSTRUCTIONS}) and FBGEMM, libtorch's int8 kernels ({@code FBGEMM_ENABLE_INSTRUCTIONS}), read
 * when they start.
 *
 * <pre>{@code
 * CpuIsa isa = CpuIsa.current();
 * boolean fast = isa.nativeBf16(); // false under ATEN_CPU_CAPABILITY=avx2, even on an avx512_bf16 CPU
 * }</pre>
 *
 * <p>Lambda names no CPU model, and a flag the CPU reports is not what a capped library uses: a bf16 file on an
 * avx512_bf16 CPU whose oneDNN is capped at AVX2 runs emulated, about 4x slower than fp32. So a variant is chosen by
 * both.
 *
 * @param flags the CPU flags, e.g. {@code avx2}, {@code avx512_bf16}, {@code amx_bf16}; empty where unknown
 * @param modelName the CPU's {@code model name}, for the init log; empty where unknown
 * @param caps the ISA variables that are set, by name
 */
public record CpuIsa(Set<String> flags, String modelName, Map<String, String> caps) {

    /** The ISA variables of libtorch, oneDNN, MKL and FBGEMM, in that order. */
    public static final String[] CAP_VARIABLES = {
        "ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS", "FBGEMM_ENABLE_INSTRUCTIONS"};
    /** CPU flags of native bf16 arithmetic: AVX-512 BF16 dot products, AMX tiles. */
    static final Set<String> NATIVE_BF16_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    public CpuIsa {
        flags = Set.copyOf(flags);
        caps = Collections.unmodifiableMap(new LinkedHashMap<>(caps)); // in CAP_VARIABLES order, for the logs
    }

    /** This process: /proc/cpuinfo and the environment. */
    public static CpuIsa current() {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            cpuinfo = ""; // not Linux, or not readable: nothing is native, fp32 is always safe
        }
        return of(cpuinfo, System.getenv());
    }

    /** From a /proc/cpuinfo text (its first processor) and an environment. */
    static CpuIsa of(String cpuinfo, Map<String, String> env) {
        Map<String, String> caps = new LinkedHashMap<>();
        for (String name : CAP_VARIABLES) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) caps.put(name, v.trim());
        }
        return new CpuIsa(field(cpuinfo, "flags").map(f -> Set.of(f.split("\\s+"))).orElse(Set.of()),
                field(cpuinfo, "model name").orElse(""), caps);
    }

    /**
     * Whether bf16 runs natively: the CPU has avx512_bf16 or AMX, libtorch's kernels are not capped below AVX-512
     * and oneDNN's are not capped below its bf16 level.
     */
    public boolean nativeBf16() {
        if (flags.stream().noneMatch(NATIVE_BF16_FLAGS::contains)) return false;
        String aten = cap("ATEN_CPU_CAPABILITY");
        if (aten != null && !aten.equals("avx512")) return false; // default, avx2: no AVX-512 kernels at all
        String onednn = cap("ONEDNN_MAX_CPU_ISA");
        return onednn == null || onednn.equals("all") || onednn.contains("bf16") || onednn.contains("fp16")
                || onednn.contains("amx");
    }

    /**
     * Whether int8 matrix products have fast kernels: FBGEMM needs AVX2 (its variable cannot cap it lower), and
     * libtorch must not be capped to its scalar {@code default} kernels. Elsewhere (arm64, old x86) unmeasured, so no.
     */
    public boolean fastInt8() {
        return flags.contains("avx2") && !"default".equals(cap("ATEN_CPU_CAPABILITY"));
    }

    /** One word for the vector level the libraries will use: amx, avx512_bf16, avx512_vnni, avx512, avx2 or below_avx2. */
    public String level() {
        boolean avx512 = flags.contains("avx512f") && allows("avx512");
        if (!flags.contains("avx2")) return "below_avx2";
        if (!avx512) return "avx2";
        if (nativeBf16()) return flags.contains("amx_bf16") && allowsAmx() ? "amx" : "avx512_bf16";
        boolean vnni = flags.contains("avx512_vnni") && !"avx512".equals(cap("FBGEMM_ENABLE_INSTRUCTIONS"))
                && (cap("ONEDNN_MAX_CPU_ISA") == null || !cap("ONEDNN_MAX_CPU_ISA").equals("avx512_core"));
        return vnni ? "avx512_vnni" : "avx512";
    }

    /** The flags that decide a variant, sorted, e.g. {@code [avx2, avx512_bf16, avx512f]}. */
    public Set<String> vectorFlags() {
        Set<String> out = new TreeSet<>();
        for (String f : flags) {
            if (f.startsWith("avx") || f.startsWith("amx") || f.equals("fma") || f.startsWith("asimd")) out.add(f);
        }
        return out;
    }

    private boolean allows(String level) {
        String aten = cap("ATEN_CPU_CAPABILITY");
        String onednn = cap("ONEDNN_MAX_CPU_ISA");
        String mkl = cap("MKL_ENABLE_INSTRUCTIONS");
        if (level.equals("avx512")) {
            return (aten == null || aten.equals("avx512")) && (onednn == null || !onednn.startsWith("avx2")
                    && !onednn.equals("avx") && !onednn.startsWith("sse")) && (mkl == null || mkl.startsWith("avx512"));
        }
        return true;
    }

    private boolean allowsAmx() {
        String onednn = cap("ONEDNN_MAX_CPU_ISA");
        return onednn == null || onednn.equals("all") || onednn.contains("amx");
    }

    private String cap(String name) {
        String v = caps.get(name);
        return v == null ? null : v.toLowerCase(Locale.ROOT);
    }

    private static java.util.Optional<String> field(String cpuinfo, String name) {
        return cpuinfo.lines()
                .filter(l -> l.startsWith(name) && l.indexOf(':') > 0
                        && l.substring(0, l.indexOf(':')).trim().equals(name))
                .findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim());
    }
}
