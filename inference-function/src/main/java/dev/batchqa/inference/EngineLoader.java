package dev.batchqa.inference;

import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.shared.config.Env;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Loads the engine as the inference function runs it: with these options and, if {@code warmUp}, warmed up within
 * {@link #WARM_UP_BUDGET} (checked before every forward pass) so that the first batch does not pay for the first
 * passes. The function reads the model from the environment; the local runner and the tools build one directly.
 *
 * <pre>{@code
 * QaEngine engine = new EngineLoader(EngineOptions.builder("/opt/model"), true).load();
 * }</pre>
 *
 * @param options what to load (see {@link EngineOptions}); the model's shape comes from its config.json
 * @param warmUp whether to run the warm-up queries after loading (tests and tools that time a cold engine say no)
 */
public record EngineLoader(EngineOptions.Builder options, boolean warmUp) {

    /** A model directory ({@code config.json}, the TorchScript file, {@code tokenizer.json}) or a {@code djl://} URL. */
    public static final String MODEL_DIR = "QA_MODEL_DIR";
    /** A TorchScript file in that directory, chosen instead of the variant the engine picks for the CPU. */
    public static final String MODEL_FILE = "QA_MODEL_FILE";

    /** No warm-up pass starts after this long: {@link QaEngine#DEFAULT_WARM_UP_BUDGET}. */
    public static final Duration WARM_UP_BUDGET = QaEngine.DEFAULT_WARM_UP_BUDGET;

    public EngineLoader {
        if (options == null) throw new IllegalArgumentException("options are required");
    }

    /**
     * The model the function runs: {@value #MODEL_DIR} (required) and {@value #MODEL_FILE}, warmed up. DJL itself
     * reads {@code DJL_CACHE_DIR} and {@code DJL_OFFLINE}.
     *
     * @throws IllegalStateException if {@value #MODEL_DIR} is missing
     */
    public static EngineLoader fromEnvironment(Map<String, String> vars) {
        return fromEnvironment(vars, () -> {
            throw new IllegalStateException(MODEL_DIR
                    + " is not set: give a model directory (config.json, model.pt, tokenizer.json) or a djl:// URL");
        });
    }

    /** As {@link #fromEnvironment(Map)}, with the model {@code fallback} gives when {@value #MODEL_DIR} is unset. */
    public static EngineLoader fromEnvironment(Map<String, String> vars, Supplier<String> fallback) {
        Env env = new Env(vars);
        String location = env.string(MODEL_DIR).orElseGet(fallback);
        EngineOptions.Builder options = EngineOptions.builder(location);
        return new EngineLoader(env.string(MODEL_FILE).map(options::withModelFile).orElse(options), true);
    }

    /** The same loader for another model. */
    public EngineLoader withModelLocation(String location) {
        return new EngineLoader(options.withModelLocation(location), warmUp);
    }

    /** Loads the model and, if asked, warms it up; the engine is closed again if the warm-up fails. */
    public QaEngine load() throws IOException {
        QaEngine engine = loadCold();
        try {
            warm(engine);
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** Loads the model without the warm-up. */
    public QaEngine loadCold() throws IOException {
        return QaEngine.load(options);
    }

    /** The warm-up alone, if asked for: at most {@link #WARM_UP_BUDGET} plus the pass in progress. */
    public void warm(QaEngine engine) {
        if (warmUp) engine.warmUp(WARM_UP_BUDGET);
    }
}
