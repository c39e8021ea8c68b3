package dev.batchqa.inference;

import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.shared.config.Env;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the engine as the inference function runs it: with these options and, unless {@code warmUp} is false,
 * warmed up within {@code warmUpBudget} (checked before every forward pass) so the first batch does not pay for the
 * first passes. The local runner and
 * the load test build one directly; only the function reads it from the environment.
 *
 * <pre>{@code
 * QaEngine engine = new EngineLoader(EngineOptions.of("/opt/model"), true, EngineLoader.WARM_UP_BUDGET).load();
 * }</pre>
 *
 * @param options what to load (see {@link EngineOptions})
 * @param warmUp whether to run the warm-up queries after loading ({@code QA_WARMUP=false} turns it off)
 * @param warmUpBudget no warm-up pass starts after this much time ({@code QA_WARMUP_BUDGET_MS})
 */
public record EngineLoader(EngineOptions options, boolean warmUp, Duration warmUpBudget) {

    /** Environment variables read by {@link #fromEnvironment(Map)}; they map one to one onto {@link EngineOptions}. */
    public static final String ENV_MODEL_DIR = "QA_MODEL_DIR";
    public static final String ENV_MODEL_FILE = "QA_MODEL_FILE";
    public static final String ENV_MAX_SEQ_LENGTH = "QA_MAX_SEQ_LENGTH";
    public static final String ENV_DOC_STRIDE = "QA_DOC_STRIDE";
    public static final String ENV_MAX_QUERY_LENGTH = "QA_MAX_QUERY_LENGTH";
    public static final String ENV_MAX_ANSWER_LENGTH = "QA_MAX_ANSWER_LENGTH";
    public static final String ENV_MAX_ANSWER_CHARS = "QA_MAX_ANSWER_CHARS";
    public static final String ENV_N_BEST = "QA_N_BEST";
    public static final String ENV_NULL_THRESHOLD = "QA_NULL_THRESHOLD";
    public static final String ENV_MAX_TOKENS_PER_PASS = "QA_MAX_TOKENS_PER_PASS";
    public static final String ENV_MAX_WINDOWS_PER_PASS = "QA_MAX_WINDOWS_PER_PASS";
    public static final String ENV_PAD_TO_MAX_LENGTH = "QA_PAD_TO_MAX_LENGTH";
    public static final String ENV_PAD_TO_MULTIPLE_OF = "QA_PAD_TO_MULTIPLE_OF";
    public static final String ENV_ENGINE_THREADS = "QA_ENGINE_THREADS";
    public static final String ENV_ENGINE_WORKERS = "QA_ENGINE_WORKERS";
    public static final String ENV_WARMUP = "QA_WARMUP";
    public static final String ENV_WARMUP_BUDGET_MS = "QA_WARMUP_BUDGET_MS";

    /** {@link QaEngine#DEFAULT_WARM_UP_BUDGET}, unless {@value #ENV_WARMUP_BUDGET_MS} says otherwise. */
    public static final Duration WARM_UP_BUDGET = QaEngine.DEFAULT_WARM_UP_BUDGET;

    public EngineLoader {
        if (options == null) throw new IllegalArgumentException("options are required");
        if (warmUpBudget == null || warmUpBudget.isNegative()) throw new IllegalArgumentException("warmUpBudget >= 0");
    }

    /** With the default warm-up budget. */
    public EngineLoader(EngineOptions options, boolean warmUp) {
        this(options, warmUp, WARM_UP_BUDGET);
    }

    /**
     * Reads the {@code QA_*} engine variables (see the {@code ENV_*} constants); only {@code QA_MODEL_DIR} is
     * required. {@code QA_NULL_THRESHOLD} is a number, or {@code never} for "never abstain". DJL itself reads
     * {@code DJL_CACHE_DIR} and {@code DJL_OFFLINE}.
     *
     * @throws IllegalStateException if QA_MODEL_DIR is missing or a value does not parse (the message names it)
     */
    public static EngineLoader fromEnvironment(Map<String, String> vars) {
        Env env = new Env(vars);
        String location = env.string(ENV_MODEL_DIR)
                .orElseThrow(() -> new IllegalStateException(ENV_MODEL_DIR
                        + " is not set: give a model directory (config.json, model.pt, tokenizer.json) or a djl:// URL"));
        EngineOptions o = EngineOptions.of(location);
        o = env.string(ENV_MODEL_FILE).map(o::withModelFile).orElse(o);
        o = env.integer(ENV_MAX_SEQ_LENGTH).map(o::withMaxSeqLength).orElse(o);
        o = env.integer(ENV_DOC_STRIDE).map(o::withDocStride).orElse(o);
        o = env.integer(ENV_MAX_QUERY_LENGTH).map(o::withMaxQueryLength).orElse(o);
        o = env.integer(ENV_MAX_ANSWER_LENGTH).map(o::withMaxAnswerLength).orElse(o);
        o = env.integer(ENV_MAX_ANSWER_CHARS).map(o::withMaxAnswerChars).orElse(o);
        o = env.integer(ENV_N_BEST).map(o::withNBest).orElse(o);
        o = env.parse(ENV_NULL_THRESHOLD, EngineLoader::parseThreshold).map(o::withNullThreshold).orElse(o);
        o = env.integer(ENV_MAX_TOKENS_PER_PASS).map(o::withMaxTokensPerPass).orElse(o);
        o = env.integer(ENV_MAX_WINDOWS_PER_PASS).map(o::withMaxWindowsPerPass).orElse(o);
        o = env.parse(ENV_PAD_TO_MAX_LENGTH, Boolean::parseBoolean).map(o::withPadToMaxLength).orElse(o);
        o = env.integer(ENV_PAD_TO_MULTIPLE_OF).map(o::withPadToMultipleOf).orElse(o);
        o = env.integer(ENV_ENGINE_THREADS).map(o::withThreads).orElse(o);
        o = env.integer(ENV_ENGINE_WORKERS).map(o::withWorkers).orElse(o);
        return new EngineLoader(o, !"false".equalsIgnoreCase(env.string(ENV_WARMUP, "true")),
                Duration.ofMillis(env.integer(ENV_WARMUP_BUDGET_MS).orElse((int) WARM_UP_BUDGET.toMillis())));
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

    /** The warm-up alone, if asked for: at most {@link #warmUpBudget} plus the pass in progress. */
    public void warm(QaEngine engine) {
        if (warmUp) engine.warmUp(warmUpBudget);
    }

    private static Double parseThreshold(String v) {
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.equals("never") || lower.equals("inf") || lower.equals("infinity") || lower.equals("+inf")) {
            return Double.POSITIVE_INFINITY;
        }
        return Double.parseDouble(v);
    }
}
