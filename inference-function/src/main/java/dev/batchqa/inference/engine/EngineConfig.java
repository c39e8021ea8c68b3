package dev.batchqa.inference.engine;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What to load and how to run it. Every number left unset is taken from the model's {@code config.json}, or from the
 * defaults in {@link ModelSettings} when the model does not say.
 *
 * <pre>{@code
 * EngineConfig config = EngineConfig.builder()
 *         .modelLocation("/opt/model")     // a model directory, or djl://ai.djl.huggingface.pytorch/<org>/<model>
 *         .maxSeqLength(256)
 *         .build();
 * }</pre>
 */
public final class EngineConfig {

    /** Environment variables read by {@link #fromEnvironment(Map)}. */
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
    public static final String ENV_ENGINE_THREADS = "QA_ENGINE_THREADS";

    private final String modelLocation;
    private final String modelFile;
    private final Integer maxSeqLength;
    private final Integer docStride;
    private final Integer maxQueryLength;
    private final Integer maxAnswerLength;
    private final Integer maxAnswerChars;
    private final Integer nBest;
    private final Double nullThreshold;
    private final Integer maxTokensPerPass;
    private final Integer maxWindowsPerPass;
    private final boolean padToMaxLength;
    private final Integer threads;

    private EngineConfig(Builder b) {
        modelLocation = Objects.requireNonNull(b.modelLocation, "modelLocation is required");
        modelFile = b.modelFile;
        maxSeqLength = b.maxSeqLength;
        docStride = b.docStride;
        maxQueryLength = b.maxQueryLength;
        maxAnswerLength = b.maxAnswerLength;
        maxAnswerChars = b.maxAnswerChars;
        nBest = b.nBest;
        nullThreshold = b.nullThreshold;
        maxTokensPerPass = b.maxTokensPerPass;
        maxWindowsPerPass = b.maxWindowsPerPass;
        padToMaxLength = b.padToMaxLength;
        threads = b.threads;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, e.g. to override a few after {@link #fromEnvironment(Map)}. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.modelLocation = modelLocation;
        b.modelFile = modelFile;
        b.maxSeqLength = maxSeqLength;
        b.docStride = docStride;
        b.maxQueryLength = maxQueryLength;
        b.maxAnswerLength = maxAnswerLength;
        b.maxAnswerChars = maxAnswerChars;
        b.nBest = nBest;
        b.nullThreshold = nullThreshold;
        b.maxTokensPerPass = maxTokensPerPass;
        b.maxWindowsPerPass = maxWindowsPerPass;
        b.padToMaxLength = padToMaxLength;
        b.threads = threads;
        return b;
    }

    /**
     * Reads the {@code QA_*} variables (see the {@code ENV_*} constants); only {@code QA_MODEL_DIR} is required.
     * {@code QA_NULL_THRESHOLD} is a number, or {@code never} for "never abstain". DJL itself reads
     * {@code DJL_CACHE_DIR} and {@code DJL_OFFLINE}.
     *
     * @throws IllegalArgumentException if QA_MODEL_DIR is missing or a value does not parse
     */
    public static EngineConfig fromEnvironment(Map<String, String> env) {
        String location = value(env, ENV_MODEL_DIR)
                .orElseThrow(() -> new IllegalArgumentException(ENV_MODEL_DIR
                        + " is not set: give a model directory (config.json, model.pt, tokenizer.json) or a djl:// URL"));
        Builder b = builder().modelLocation(location);
        value(env, ENV_MODEL_FILE).ifPresent(b::modelFile);
        intValue(env, ENV_MAX_SEQ_LENGTH).ifPresent(b::maxSeqLength);
        intValue(env, ENV_DOC_STRIDE).ifPresent(b::docStride);
        intValue(env, ENV_MAX_QUERY_LENGTH).ifPresent(b::maxQueryLength);
        intValue(env, ENV_MAX_ANSWER_LENGTH).ifPresent(b::maxAnswerLength);
        intValue(env, ENV_MAX_ANSWER_CHARS).ifPresent(b::maxAnswerChars);
        intValue(env, ENV_N_BEST).ifPresent(b::nBest);
        parse(env, ENV_NULL_THRESHOLD, EngineConfig::parseThreshold).ifPresent(b::nullThreshold);
        intValue(env, ENV_MAX_TOKENS_PER_PASS).ifPresent(b::maxTokensPerPass);
        intValue(env, ENV_MAX_WINDOWS_PER_PASS).ifPresent(b::maxWindowsPerPass);
        parse(env, ENV_PAD_TO_MAX_LENGTH, Boolean::parseBoolean).ifPresent(b::padToMaxLength);
        intValue(env, ENV_ENGINE_THREADS).ifPresent(b::threads);
        return b.build();
    }

    // Getters return null for "not set": the model's config.json or the ModelSettings defaults apply.

    public String modelLocation() {
        return modelLocation;
    }

    /** The TorchScript file name inside the model directory; null = {@code model_file} of config.json. */
    public String modelFile() {
        return modelFile;
    }

    public Integer maxSeqLength() {
        return maxSeqLength;
    }

    public Integer docStride() {
        return docStride;
    }

    public Integer maxQueryLength() {
        return maxQueryLength;
    }

    public Integer maxAnswerLength() {
        return maxAnswerLength;
    }

    public Integer maxAnswerChars() {
        return maxAnswerChars;
    }

    public Integer nBest() {
        return nBest;
    }

    public Double nullThreshold() {
        return nullThreshold;
    }

    public Integer maxTokensPerPass() {
        return maxTokensPerPass;
    }

    public Integer maxWindowsPerPass() {
        return maxWindowsPerPass;
    }

    public boolean padToMaxLength() {
        return padToMaxLength;
    }

    public Integer threads() {
        return threads;
    }

    @Override
    public String toString() {
        return "EngineConfig[modelLocation=" + modelLocation + ", modelFile=" + modelFile
                + ", maxSeqLength=" + maxSeqLength + ", docStride=" + docStride
                + ", maxQueryLength=" + maxQueryLength + ", maxAnswerLength=" + maxAnswerLength
                + ", maxAnswerChars=" + maxAnswerChars
                + ", nBest=" + nBest + ", nullThreshold=" + nullThreshold
                + ", maxTokensPerPass=" + maxTokensPerPass + ", maxWindowsPerPass=" + maxWindowsPerPass
                + ", padToMaxLength=" + padToMaxLength + ", threads=" + threads + "]";
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static Optional<Integer> intValue(Map<String, String> env, String name) {
        return parse(env, name, Integer::parseInt);
    }

    private static <T> Optional<T> parse(Map<String, String> env, String name, Function<String, T> parser) {
        return value(env, name).map(v -> {
            try {
                return parser.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Invalid " + name + "='" + v + "': " + e.getMessage(), e);
            }
        });
    }

    private static Double parseThreshold(String v) {
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.equals("never") || lower.equals("inf") || lower.equals("infinity") || lower.equals("+inf")) {
            return Double.POSITIVE_INFINITY;
        }
        return Double.parseDouble(v);
    }

    /** Builds an {@link EngineConfig}; every setter is optional except {@link #modelLocation(String)}. */
    public static final class Builder {

        private String modelLocation;
        private String modelFile;
        private Integer maxSeqLength;
        private Integer docStride;
        private Integer maxQueryLength;
        private Integer maxAnswerLength;
        private Integer maxAnswerChars;
        private Integer nBest;
        private Double nullThreshold;
        private Integer maxTokensPerPass;
        private Integer maxWindowsPerPass;
        private boolean padToMaxLength;
        private Integer threads;

        private Builder() {}

        /** A model directory (config.json, model.pt, tokenizer.json) or a {@code djl://} model-zoo URL. */
        public Builder modelLocation(String modelLocation) {
            this.modelLocation = modelLocation;
            return this;
        }

        /** The TorchScript file inside the model directory, e.g. {@code model-int8.pt}. */
        public Builder modelFile(String modelFile) {
            this.modelFile = modelFile;
            return this;
        }

        /** Tokens per window, [CLS] question [SEP] context [SEP] included (model default, else 384). */
        public Builder maxSeqLength(int maxSeqLength) {
            this.maxSeqLength = maxSeqLength;
            return this;
        }

        /**
         * Context tokens shared by two consecutive windows (model default, else 128). This is the HuggingFace
         * tokenizers/pipeline meaning of "stride" (the overlap), not the step between window starts.
         */
        public Builder docStride(int docStride) {
            this.docStride = docStride;
            return this;
        }

        /** Questions are cut to this many tokens before windowing (model default, else 64). */
        public Builder maxQueryLength(int maxQueryLength) {
            this.maxQueryLength = maxQueryLength;
            return this;
        }

        /** Longest answer in tokens (model default, else 30). */
        public Builder maxAnswerLength(int maxAnswerLength) {
            this.maxAnswerLength = maxAnswerLength;
            return this;
        }

        /**
         * Longest answer in UTF-16 chars (model default, else 1,000; at most 10,000). A longer span is not a
         * candidate, so the next best span wins: a word over 100 characters is a single [UNK] token, so the token
         * limit alone would let an answer run to tens of thousands of characters.
         */
        public Builder maxAnswerChars(int maxAnswerChars) {
            this.maxAnswerChars = maxAnswerChars;
            return this;
        }

        /** Start and end candidates kept per window (default 20, as the SQuAD reference). */
        public Builder nBest(int nBest) {
            this.nBest = nBest;
            return this;
        }

        /**
         * Abstain ("no answer") when {@code nullScore - bestSpanLogit > nullThreshold}. {@code null} (default) takes
         * {@code null_score_threshold} from the model's config.json; if absent, 0.0 for models trained with
         * unanswerable questions ({@code trained_with_unanswerable}) and +infinity (never abstain) otherwise, since
         * the [CLS] logits of a SQuAD 1.1 model are not trained to mean anything.
         */
        public Builder nullThreshold(Double nullThreshold) {
            this.nullThreshold = nullThreshold;
            return this;
        }

        /** Cap on batch size * padded sequence length per forward pass (default 4096, see ModelSettings). */
        public Builder maxTokensPerPass(int maxTokensPerPass) {
            this.maxTokensPerPass = maxTokensPerPass;
            return this;
        }

        /** Cap on windows per forward pass (default 64); 1 = one window per pass. */
        public Builder maxWindowsPerPass(int maxWindowsPerPass) {
            this.maxWindowsPerPass = maxWindowsPerPass;
            return this;
        }

        /**
         * Pad every window to maxSeqLength instead of the longest window of its pass (default false). With
         * {@code maxWindowsPerPass(1)} this reproduces the naive one-question-per-pass approach, for benchmarks.
         */
        public Builder padToMaxLength(boolean padToMaxLength) {
            this.padToMaxLength = padToMaxLength;
            return this;
        }

        /** PyTorch intra-op threads (default: available processors). Process-wide: the last engine loaded wins. */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(this);
        }
    }
}
