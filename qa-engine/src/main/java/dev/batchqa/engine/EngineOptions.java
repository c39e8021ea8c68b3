package dev.batchqa.engine;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What to load and how to run it: a model location plus optional overrides. {@link QaEngine#load} resolves the
 * overrides against the model's {@code config.json}, then against the SQuAD defaults below; the engine's
 * {@link QaEngine#options()} are the resolved options, every field set. A {@code null} field means "not set".
 *
 * <pre>{@code
 * EngineOptions options = EngineOptions.of("/opt/model")  // a model directory, or djl://ai.djl.huggingface.pytorch/<org>/<model>
 *         .withMaxSeqLength(256);
 * try (QaEngine engine = QaEngine.load(options)) { ... }
 * }</pre>
 *
 * <p>One type for both states on purpose: a caller reads back under the same name what it overrode, and the engine
 * knows no environment variables (the inference function maps its {@code QA_*} variables onto these fields).
 *
 * @param modelLocation a model directory (config.json, model.pt, tokenizer.json) or a {@code djl://} model-zoo URL
 * @param modelFile The TorchScript file inside the model directory, e.g. {@code model-int8.pt} (model default {@code model_file}, else {@code model.pt}).
 * @param tokenizerFile The HuggingFace tokenizer file (model default {@code tokenizer_file}, else {@code tokenizer.json}).
 * @param maxSeqLength Tokens per window, [CLS] question [SEP] context [SEP] included (model default, else 384).
 * @param docStride Context tokens shared by two consecutive windows (model default, else 128): the HuggingFace meaning of "stride" (the overlap), not the step between window starts.
 * @param maxQueryLength Questions are cut to this many tokens before windowing (model default, else 64).
 * @param maxAnswerLength Longest answer in tokens (model default, else 30).
 * @param maxAnswerChars Longest answer in UTF-16 chars (model default, else 1,000; at most 10,000). A longer span is not a candidate, so the next best wins: a word over 100 characters is a single [UNK] token, so the token limit alone would let an answer run to tens of thousands of characters.
 * @param nBest Start and end candidates kept per window (default 20, as the SQuAD reference).
 * @param nullThreshold Abstain ("no answer") when {@code nullScore - bestSpanLogit > nullThreshold}. Unset: {@code null_score_threshold} of config.json; if absent, 0.0 for models trained with unanswerable questions ({@code trained_with_unanswerable}) and +infinity (never abstain) otherwise, since the [CLS] logits of a SQuAD 1.1 model are not trained to mean anything.
 * @param tokenTypeIds Whether the model takes token_type_ids as third input (BERT yes; RoBERTa/DistilBERT no). Unset: the {@code inputs} of config.json, else the zoo's hint, else yes.
 * @param maxTokensPerPass Cap on batch size * padded sequence length per forward pass (default 4096, see {@link #DEFAULT_MAX_TOKENS_PER_PASS}).
 * @param maxWindowsPerPass Cap on windows per forward pass (default 64); 1 = one window per pass.
 * @param padToMaxLength Pad every window to maxSeqLength instead of the longest window of its pass (default false). With {@code withMaxWindowsPerPass(1)} this reproduces the naive one-question-per-pass approach, for benchmarks.
 * @param padToMultipleOf Round every pass's padded length up to a multiple of this, at most maxSeqLength (default 16, see {@link #DEFAULT_PAD_TO_MULTIPLE_OF}); 1 = no rounding.
 * @param threads PyTorch intra-op threads per worker (default: 1 with more than one worker, else available processors).
 * @param workers Forward passes run in parallel, each worker with its own predictor and its own {@code threads} intra-op threads (default: available processors).
 */
public record EngineOptions(
        String modelLocation,
        String modelFile,
        String tokenizerFile,
        Integer maxSeqLength,
        Integer docStride,
        Integer maxQueryLength,
        Integer maxAnswerLength,
        Integer maxAnswerChars,
        Integer nBest,
        Double nullThreshold,
        Boolean tokenTypeIds,
        Integer maxTokensPerPass,
        Integer maxWindowsPerPass,
        Boolean padToMaxLength,
        Integer padToMultipleOf,
        Integer threads,
        Integer workers) {

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
     * Small on purpose: on CPU (libtorch 2.7.1) a pass over many rows costs more per token than the same rows
     * one at a time (MiniLM [8, 384]: 6.0 s against 8 x 140 ms), so the engine's gain is in not padding short
     * windows to the maximum length, not in big passes. With 512, windows of 384 go one per pass and shorter
     * ones a few together; measured side by side in docs/evaluation.md (runs C and D).
     */
    /**
     * Large enough that a batch of full windows shares few passes (10 windows of 384 tokens). Big passes cost no more
     * CPU per token than small ones once glibc malloc keeps its big blocks (MALLOC_MMAP_THRESHOLD_ and
     * MALLOC_TRIM_THRESHOLD_, set by the Dockerfile and scripts/run-local; see {@link NativeMemory}); without them a
     * [8, 384] MiniLM pass page-faulted its 56 MiB attention tensors in again on every pass and cost 1.5x the CPU per
     * token of a [1, 384] pass, which is why this cap used to be 512.
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

    public EngineOptions {
        Objects.requireNonNull(modelLocation, "modelLocation is required");
    }

    /** Options with nothing overridden: everything comes from the model's config.json or the defaults. */
    public static EngineOptions of(String modelLocation) {
        return new EngineOptions(modelLocation, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The same overrides for another model. */
    public EngineOptions withModelLocation(String value) {
        return new EngineOptions(value, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** The TorchScript file inside the model directory, e.g. {@code model-int8.pt} (model default {@code model_file}, else {@code model.pt}). */
    public EngineOptions withModelFile(String value) {
        return new EngineOptions(modelLocation, value, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** The HuggingFace tokenizer file (model default {@code tokenizer_file}, else {@code tokenizer.json}). */
    public EngineOptions withTokenizerFile(String value) {
        return new EngineOptions(modelLocation, modelFile, value, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Tokens per window, [CLS] question [SEP] context [SEP] included (model default, else 384). */
    public EngineOptions withMaxSeqLength(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, value, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Context tokens shared by two consecutive windows (model default, else 128): the HuggingFace meaning of "stride" (the overlap), not the step between window starts. */
    public EngineOptions withDocStride(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, value, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Questions are cut to this many tokens before windowing (model default, else 64). */
    public EngineOptions withMaxQueryLength(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, value, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Longest answer in tokens (model default, else 30). */
    public EngineOptions withMaxAnswerLength(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, value, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Longest answer in UTF-16 chars (model default, else 1,000; at most 10,000). A longer span is not a candidate, so the next best wins: a word over 100 characters is a single [UNK] token, so the token limit alone would let an answer run to tens of thousands of characters. */
    public EngineOptions withMaxAnswerChars(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, value, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Start and end candidates kept per window (default 20, as the SQuAD reference). */
    public EngineOptions withNBest(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, value, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Abstain ("no answer") when {@code nullScore - bestSpanLogit > nullThreshold}. Unset: {@code null_score_threshold} of config.json; if absent, 0.0 for models trained with unanswerable questions ({@code trained_with_unanswerable}) and +infinity (never abstain) otherwise, since the [CLS] logits of a SQuAD 1.1 model are not trained to mean anything. */
    public EngineOptions withNullThreshold(double value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, value, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Whether the model takes token_type_ids as third input (BERT yes; RoBERTa/DistilBERT no). Unset: the {@code inputs} of config.json, else the zoo's hint, else yes. */
    public EngineOptions withTokenTypeIds(boolean value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, value, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Cap on batch size * padded sequence length per forward pass (default 4096, see {@link #DEFAULT_MAX_TOKENS_PER_PASS}). */
    public EngineOptions withMaxTokensPerPass(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, value, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Cap on windows per forward pass (default 64); 1 = one window per pass. */
    public EngineOptions withMaxWindowsPerPass(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, value, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /** Pad every window to maxSeqLength instead of the longest window of its pass (default false). With {@code withMaxWindowsPerPass(1)} this reproduces the naive one-question-per-pass approach, for benchmarks. */
    public EngineOptions withPadToMaxLength(boolean value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, value, padToMultipleOf, threads, workers);
    }

    /** Round every pass's padded length up to a multiple of this, at most maxSeqLength (default 16, see {@link #DEFAULT_PAD_TO_MULTIPLE_OF}); 1 = no rounding. */
    public EngineOptions withPadToMultipleOf(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, value, threads, workers);
    }

    /** PyTorch intra-op threads per worker (default: 1 with more than one worker, else available processors). */
    public EngineOptions withThreads(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, value, workers);
    }

    /**
     * Forward passes run in parallel (default: available processors): the engine keeps one predictor per worker and
     * spreads the passes of one call over them. On a small CPU single-threaded passes side by side beat one pass
     * using every core: 2 cores, SQuAD, batched calls one at a time, 1.39x one predictor with 2 threads on a quiet
     * machine (docs/evaluation.md); on a machine loaded by other processes the pool lost (a call waits for its
     * slowest worker). Each worker's passes hold their activations at once, so peak native memory grows with the
     * workers.
     */
    public EngineOptions withWorkers(int value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, nullThreshold, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, value);
    }

    /** As {@link #withNullThreshold(double)}; {@code null} takes the model's threshold again. */
    public EngineOptions withNullThreshold(Double value) {
        return new EngineOptions(modelLocation, modelFile, tokenizerFile, maxSeqLength, docStride, maxQueryLength, maxAnswerLength, maxAnswerChars, nBest, value, tokenTypeIds, maxTokensPerPass, maxWindowsPerPass, padToMaxLength, padToMultipleOf, threads, workers);
    }

    /**
     * These overrides (they win) merged with the model's config.json (may be absent, e.g. for zoo models) and the
     * defaults: the result has every field set and is checked for consistency.
     *
     * @throws IllegalArgumentException if the effective values are inconsistent
     */
    EngineOptions resolve(Path modelDir, String modelFileFallback, Boolean tokenTypesHint) throws IOException {
        JsonObject json = readConfig(modelDir.resolve("config.json"));
        boolean unanswerable = bool(json, "trained_with_unanswerable", false);
        double modelThreshold = json.has("null_score_threshold") && !json.get("null_score_threshold").isJsonNull()
                ? json.get("null_score_threshold").getAsDouble()
                : unanswerable ? 0.0 : Double.POSITIVE_INFINITY;
        EngineOptions resolved = new EngineOptions(
                modelLocation,
                modelFile != null ? modelFile : string(json, "model_file", modelFileFallback),
                tokenizerFile != null ? tokenizerFile : string(json, "tokenizer_file", "tokenizer.json"),
                pick(maxSeqLength, json, "max_seq_length", DEFAULT_MAX_SEQ_LENGTH),
                pick(docStride, json, "doc_stride", DEFAULT_DOC_STRIDE),
                pick(maxQueryLength, json, "max_query_length", DEFAULT_MAX_QUERY_LENGTH),
                pick(maxAnswerLength, json, "max_answer_length", DEFAULT_MAX_ANSWER_LENGTH),
                pick(maxAnswerChars, json, "max_answer_chars", DEFAULT_MAX_ANSWER_CHARS),
                nBest != null ? nBest : DEFAULT_N_BEST,
                nullThreshold != null ? nullThreshold : modelThreshold,
                tokenTypeIds != null ? tokenTypeIds : takesTokenTypes(json, tokenTypesHint),
                maxTokensPerPass != null ? maxTokensPerPass : DEFAULT_MAX_TOKENS_PER_PASS,
                maxWindowsPerPass != null ? maxWindowsPerPass : DEFAULT_MAX_WINDOWS_PER_PASS,
                padToMaxLength != null && padToMaxLength,
                padToMultipleOf != null ? padToMultipleOf : DEFAULT_PAD_TO_MULTIPLE_OF,
                threads != null ? threads : workers(workers) > 1 ? 1 : Runtime.getRuntime().availableProcessors(),
                workers(workers));
        resolved.check();
        return resolved;
    }

    private void check() {
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

    private static int workers(Integer override) {
        return override != null ? override : Runtime.getRuntime().availableProcessors();
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

    private static int pick(Integer override, JsonObject json, String key, int fallback) {
        if (override != null) {
            return override;
        }
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
