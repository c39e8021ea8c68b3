package dev.batchqa.engine;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The engine's options as it runs with them, every field resolved: what {@link QaEngine#options()} returns. They
 * come from one typed {@link Builder} (the overrides) resolved at load against the model's {@code config.json}, then
 * the defaults below. The engine knows no environment variables: the model's shape (window length, stride, answer
 * limits, no-answer threshold) is the model's, in its {@code config.json}; the pass tuning is constants, which the
 * benchmarks override through the builder.
 *
 * <pre>{@code
 * EngineOptions.Builder options = EngineOptions.builder("/opt/model")  // or djl://ai.djl.huggingface.pytorch/<org>/<model>
 *         .withWorkers(1);
 * try (QaEngine engine = QaEngine.load(options)) {
 *     int windowTokens = engine.options().maxSeqLength();
 * }
 * }</pre>
 *
 * @param modelLocation a model directory (config.json, the TorchScript file, tokenizer.json) or a {@code djl://} URL
 * @param modelFile the TorchScript file inside the model directory ({@code model_file}, else {@code model.pt}; see
 *     {@link ModelVariants} for the variant chosen when none is given)
 * @param tokenizerFile the HuggingFace tokenizer file ({@code tokenizer_file}, else {@code tokenizer.json})
 * @param maxSeqLength tokens per window, special tokens included ({@code max_seq_length}, else 384)
 * @param docStride context tokens shared by two consecutive windows ({@code doc_stride}, else 128): the HuggingFace
 *     meaning of "stride" (the overlap), not the step between window starts
 * @param maxQueryLength questions are cut to this many tokens before windowing ({@code max_query_length}, else 64)
 * @param maxAnswerLength longest answer in tokens ({@code max_answer_length}, else 30)
 * @param maxAnswerChars longest answer in UTF-16 chars ({@code max_answer_chars}, else 1,000; at most 10,000). A
 *     longer span is not a candidate, so the next best wins: a word over 100 characters is a single [UNK] token, so
 *     the token limit alone would let an answer run to tens of thousands of characters
 * @param nBest start and end candidates kept per window ({@code n_best}, else 20, as the SQuAD reference)
 * @param nullThreshold abstain ("no answer") when {@code nullScore - bestSpanLogit > nullThreshold}
 *     ({@code null_score_threshold}; else 0.0 for models trained with unanswerable questions,
 *     {@code trained_with_unanswerable}, and +infinity, never abstain, otherwise: the [CLS] logits of a SQuAD 1.1
 *     model are not trained to mean anything)
 * @param tokenTypeIds whether the model takes token_type_ids as third input (BERT yes; RoBERTa/DistilBERT no): the
 *     {@code inputs} of config.json, else the zoo's hint, else yes
 * @param maxTokensPerPass cap on windows x padded length per forward pass ({@value #DEFAULT_MAX_TOKENS_PER_PASS})
 * @param maxWindowsPerPass cap on windows per forward pass ({@value #DEFAULT_MAX_WINDOWS_PER_PASS}); 1 = one window
 *     per pass
 * @param padToMaxLength pad every window to maxSeqLength instead of the longest window of its pass (false; with
 *     one window per pass this is the naive one-question-per-pass baseline of the benchmarks)
 * @param padToMultipleOf round every pass's padded length up to a multiple of this, at most maxSeqLength
 *     ({@value #DEFAULT_PAD_TO_MULTIPLE_OF}); 1 = no rounding
 * @param threads PyTorch intra-op threads per worker (1 with more than one worker, else the available processors)
 * @param workers forward passes run in parallel, each worker with its own predictor (the available processors): on
 *     a small CPU single-threaded passes side by side beat one pass using every core (docs/evaluation.md); each
 *     worker's passes hold their activations at once, so peak native memory grows with the workers
 */
public record EngineOptions(
        String modelLocation,
        String modelFile,
        String tokenizerFile,
        int maxSeqLength,
        int docStride,
        int maxQueryLength,
        int maxAnswerLength,
        int maxAnswerChars,
        int nBest,
        double nullThreshold,
        boolean tokenTypeIds,
        int maxTokensPerPass,
        int maxWindowsPerPass,
        boolean padToMaxLength,
        int padToMultipleOf,
        int threads,
        int workers) {

    public static final int DEFAULT_MAX_SEQ_LENGTH = 384;
    public static final int DEFAULT_DOC_STRIDE = 128;
    public static final int DEFAULT_MAX_QUERY_LENGTH = 64;
    public static final int DEFAULT_MAX_ANSWER_LENGTH = 30;
    public static final int DEFAULT_N_BEST = 20;
    /** Far longer than an extractive answer usually is (SQuAD answers are a few words), yet small to store. */
    public static final int DEFAULT_MAX_ANSWER_CHARS = 1_000;
    /**
     * Largest allowed maxAnswerChars: 10 answers of 10,000 UTF-16 chars are at most 300,000 UTF-8 bytes, so a stored
     * record stays below DynamoDB's 400 KB item limit (shared {@code Limits.MAX_ANSWER_CHARS}, checked there).
     */
    public static final int MAX_ANSWER_CHARS = 10_000;
    /**
     * Large enough that a batch of full windows shares few passes (10 windows of 384 tokens). Big passes cost no more
     * CPU per token than small ones once glibc malloc keeps its big blocks (MALLOC_MMAP_THRESHOLD_ and
     * MALLOC_TRIM_THRESHOLD_, set by the Dockerfile and scripts/run-local; see {@link NativeMemory}); without them a
     * [8, 384] MiniLM pass page-faults its 56 MiB attention tensors in again on every pass and costs 1.5x the CPU per
     * token of a [1, 384] pass.
     */
    public static final int DEFAULT_MAX_TOKENS_PER_PASS = 4096;
    public static final int DEFAULT_MAX_WINDOWS_PER_PASS = 64;
    /**
     * libtorch 2.7.1's CPU kernels run whole tiles of 16 rows (AMX bf16 tiles, AVX-512 fp32 vectors) and finish a
     * ragged sequence length with slower tail code, so a pass padded to the next multiple of 16 costs less than the
     * shorter ragged one (PassProbe timings in docs/evaluation.md, "Fused attention and tile padding").
     */
    public static final int DEFAULT_PAD_TO_MULTIPLE_OF = 16;
    /** Special tokens around a pair: 3 for BERT ([CLS] q [SEP] c [SEP]), 4 for RoBERTa (<s> q </s></s> c </s>). */
    static final int MAX_SPECIAL_TOKENS = 4;

    /** @throws IllegalArgumentException if the values are inconsistent */
    public EngineOptions {
        Objects.requireNonNull(modelLocation, "modelLocation is required");
        Objects.requireNonNull(modelFile, "modelFile is required");
        Objects.requireNonNull(tokenizerFile, "tokenizerFile is required");
        require(maxSeqLength >= 8, "maxSeqLength must be >= 8");
        require(maxQueryLength >= 1, "maxQueryLength must be >= 1");
        require(docStride >= 0, "docStride must be >= 0");
        // HF tokenizers need room for more than `stride` context tokens in every window, else it cannot advance
        require(maxQueryLength + MAX_SPECIAL_TOKENS + docStride < maxSeqLength,
                "maxQueryLength + " + MAX_SPECIAL_TOKENS + " + docStride must be < maxSeqLength (" + maxQueryLength
                        + " + " + MAX_SPECIAL_TOKENS + " + " + docStride + " >= " + maxSeqLength + ")");
        require(maxAnswerLength >= 1, "maxAnswerLength must be >= 1");
        require(maxAnswerChars >= 1 && maxAnswerChars <= MAX_ANSWER_CHARS,
                "maxAnswerChars must be in 1.." + MAX_ANSWER_CHARS + " (is " + maxAnswerChars + ")");
        require(nBest >= 1, "nBest must be >= 1");
        require(!Double.isNaN(nullThreshold), "nullThreshold must be a number");
        require(maxTokensPerPass >= maxSeqLength, "maxTokensPerPass must be >= maxSeqLength");
        require(maxWindowsPerPass >= 1, "maxWindowsPerPass must be >= 1");
        require(padToMultipleOf >= 1 && padToMultipleOf <= maxSeqLength,
                "padToMultipleOf must be in 1..maxSeqLength (is " + padToMultipleOf + ")");
        require(threads >= 1, "threads must be >= 1");
        require(workers >= 1, "workers must be >= 1");
    }

    /** Options for this model with nothing overridden: everything from its config.json or the defaults. */
    public static Builder builder(String modelLocation) {
        return new Builder(Objects.requireNonNull(modelLocation, "modelLocation is required"), new EnumMap<>(Key.class));
    }

    private enum Key {
        MODEL_FILE, TOKENIZER_FILE, MAX_SEQ_LENGTH, DOC_STRIDE, MAX_QUERY_LENGTH, MAX_ANSWER_LENGTH, MAX_ANSWER_CHARS,
        N_BEST, NULL_THRESHOLD, TOKEN_TYPE_IDS, MAX_TOKENS_PER_PASS, MAX_WINDOWS_PER_PASS, PAD_TO_MAX_LENGTH,
        PAD_TO_MULTIPLE_OF, THREADS, WORKERS
    }

    /**
     * What to load, and the values that override the model's and the defaults (see the fields of
     * {@link EngineOptions} for each). Immutable: every {@code with} returns a new builder, so one base serves several
     * engines.
     */
    public static final class Builder {
        private final String modelLocation;
        private final Map<Key, Object> overrides;

        private Builder(String modelLocation, Map<Key, Object> overrides) {
            this.modelLocation = modelLocation;
            this.overrides = overrides;
        }

        public String modelLocation() {
            return modelLocation;
        }

        /** The model file given, or null: then {@link ModelVariants} chooses. */
        public String modelFile() {
            return (String) overrides.get(Key.MODEL_FILE);
        }

        /** The intra-op threads given, or null. */
        public Integer threads() {
            return (Integer) overrides.get(Key.THREADS);
        }

        /** The same overrides for another model. */
        public Builder withModelLocation(String location) {
            return new Builder(Objects.requireNonNull(location, "modelLocation is required"), overrides);
        }

        public Builder withModelFile(String file) { return with(Key.MODEL_FILE, file); }
        public Builder withTokenizerFile(String file) { return with(Key.TOKENIZER_FILE, file); }
        public Builder withMaxSeqLength(int tokens) { return with(Key.MAX_SEQ_LENGTH, tokens); }
        public Builder withDocStride(int tokens) { return with(Key.DOC_STRIDE, tokens); }
        public Builder withMaxQueryLength(int tokens) { return with(Key.MAX_QUERY_LENGTH, tokens); }
        public Builder withMaxAnswerLength(int tokens) { return with(Key.MAX_ANSWER_LENGTH, tokens); }
        public Builder withMaxAnswerChars(int chars) { return with(Key.MAX_ANSWER_CHARS, chars); }
        public Builder withNBest(int candidates) { return with(Key.N_BEST, candidates); }
        /** {@code null} takes the model's threshold again. */
        public Builder withNullThreshold(Double threshold) { return with(Key.NULL_THRESHOLD, threshold); }
        public Builder withTokenTypeIds(boolean takesThem) { return with(Key.TOKEN_TYPE_IDS, takesThem); }
        public Builder withMaxTokensPerPass(int tokens) { return with(Key.MAX_TOKENS_PER_PASS, tokens); }
        public Builder withMaxWindowsPerPass(int windows) { return with(Key.MAX_WINDOWS_PER_PASS, windows); }
        public Builder withPadToMaxLength(boolean pad) { return with(Key.PAD_TO_MAX_LENGTH, pad); }
        public Builder withPadToMultipleOf(int tokens) { return with(Key.PAD_TO_MULTIPLE_OF, tokens); }
        public Builder withThreads(int threads) { return with(Key.THREADS, threads); }
        public Builder withWorkers(int workers) { return with(Key.WORKERS, workers); }

        private Builder with(Key key, Object value) {
            Map<Key, Object> copy = new EnumMap<>(Key.class);
            copy.putAll(overrides);
            if (value == null) copy.remove(key); else copy.put(key, value);
            return new Builder(modelLocation, copy);
        }

        /**
         * These overrides (they win) merged with the model's config.json (may be absent, e.g. for zoo models) and the
         * defaults.
         *
         * @throws IllegalArgumentException if the effective values are inconsistent
         */
        EngineOptions resolve(Path modelDir, String modelFileFallback, Boolean tokenTypesHint) throws IOException {
            JsonObject json = readConfig(modelDir.resolve("config.json"));
            boolean unanswerable = bool(json, "trained_with_unanswerable", false);
            double modelThreshold = json.has("null_score_threshold") && !json.get("null_score_threshold").isJsonNull()
                    ? json.get("null_score_threshold").getAsDouble()
                    : unanswerable ? 0.0 : Double.POSITIVE_INFINITY;
            int workers = get(Key.WORKERS, Runtime.getRuntime().availableProcessors());
            return new EngineOptions(
                    modelLocation,
                    get(Key.MODEL_FILE, string(json, "model_file", modelFileFallback)),
                    get(Key.TOKENIZER_FILE, string(json, "tokenizer_file", "tokenizer.json")),
                    get(Key.MAX_SEQ_LENGTH, integer(json, "max_seq_length", DEFAULT_MAX_SEQ_LENGTH)),
                    get(Key.DOC_STRIDE, integer(json, "doc_stride", DEFAULT_DOC_STRIDE)),
                    get(Key.MAX_QUERY_LENGTH, integer(json, "max_query_length", DEFAULT_MAX_QUERY_LENGTH)),
                    get(Key.MAX_ANSWER_LENGTH, integer(json, "max_answer_length", DEFAULT_MAX_ANSWER_LENGTH)),
                    get(Key.MAX_ANSWER_CHARS, integer(json, "max_answer_chars", DEFAULT_MAX_ANSWER_CHARS)),
                    get(Key.N_BEST, integer(json, "n_best", DEFAULT_N_BEST)),
                    get(Key.NULL_THRESHOLD, modelThreshold),
                    get(Key.TOKEN_TYPE_IDS, takesTokenTypes(json, tokenTypesHint)),
                    get(Key.MAX_TOKENS_PER_PASS, DEFAULT_MAX_TOKENS_PER_PASS),
                    get(Key.MAX_WINDOWS_PER_PASS, DEFAULT_MAX_WINDOWS_PER_PASS),
                    get(Key.PAD_TO_MAX_LENGTH, false),
                    get(Key.PAD_TO_MULTIPLE_OF, DEFAULT_PAD_TO_MULTIPLE_OF),
                    get(Key.THREADS, workers > 1 ? 1 : Runtime.getRuntime().availableProcessors()),
                    workers);
        }

        @SuppressWarnings("unchecked")
        private <T> T get(Key key, T fallback) {
            Object value = overrides.get(key);
            return value != null ? (T) value : fallback;
        }

        @Override
        public String toString() {
            return "EngineOptions.Builder[" + modelLocation + ", " + overrides + "]";
        }
    }

    private static JsonObject readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new JsonObject();
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            JsonElement root = JsonParser.parseReader(reader);
            if (!root.isJsonObject()) {
                throw new IOException(file + " is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("Cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** The model's declared inputs win; else the zoo's hint; else BERT-style three inputs. */
    private static boolean takesTokenTypes(JsonObject json, Boolean hint) {
        if (json.has("inputs") && json.get("inputs").isJsonArray()) {
            JsonArray inputs = json.getAsJsonArray("inputs");
            return inputs.size() >= 3 || inputs.toString().contains("token_type_ids");
        }
        return hint == null || hint;
    }

    private static int integer(JsonObject json, String key, int fallback) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsInt() : fallback;
    }

    private static String string(JsonObject json, String key, String fallback) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsString() : fallback;
    }

    private static boolean bool(JsonObject json, String key, boolean fallback) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsBoolean() : fallback;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
