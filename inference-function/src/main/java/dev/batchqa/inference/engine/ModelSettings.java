package dev.batchqa.inference.engine;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The effective settings of a loaded {@link QaEngine}: {@link EngineConfig} overrides, else the model directory's
 * {@code config.json}, else the SQuAD defaults below.
 *
 * @param modelLocation the directory or djl:// URL the model came from
 * @param modelFile the TorchScript file name
 * @param tokenizerFile the HuggingFace tokenizer file name
 * @param maxSeqLength tokens per window including [CLS] and the two [SEP]
 * @param docStride context tokens shared by consecutive windows (HuggingFace "stride")
 * @param maxQueryLength question tokens kept
 * @param maxAnswerLength longest answer span in tokens
 * @param maxAnswerChars longest answer text in UTF-16 chars (1..{@value #MAX_ANSWER_CHARS}): one token can cover a
 *        long text (a word over 100 characters is one [UNK]), so the token limit alone does not bound the answer
 * @param nBest start and end candidates per window
 * @param nullThreshold abstain when {@code nullScore - bestSpanLogit > nullThreshold}; +infinity = never abstain
 * @param trainedWithUnanswerable whether the model saw SQuAD 2.0 style unanswerable questions in training
 * @param tokenTypeIds whether the model takes token_type_ids as third input (BERT yes; RoBERTa/DistilBERT no)
 * @param maxTokensPerPass cap on batch * padded length per forward pass
 * @param maxWindowsPerPass cap on windows per forward pass
 * @param padToMaxLength pad every window to maxSeqLength (naive mode) instead of its pass's longest window
 * @param threads PyTorch intra-op threads
 */
public record ModelSettings(
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
        boolean trainedWithUnanswerable,
        boolean tokenTypeIds,
        int maxTokensPerPass,
        int maxWindowsPerPass,
        boolean padToMaxLength,
        int threads) {

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
     * [8, 384] MiniLM pass page-faulted its 56 MiB attention tensors in again on every pass and cost 1.5x the CPU per
     * token of a [1, 384] pass, which is why this cap used to be 512. PassProbe, MiniLM, 1 thread, CPU ms per token:
     * [1, 384] 0.52, [8, 384] 0.41, [1, 128] 0.39, [16, 128] 0.33, [64, 128] 0.33.
     */
    public static final int DEFAULT_MAX_TOKENS_PER_PASS = 4096;
    public static final int DEFAULT_MAX_WINDOWS_PER_PASS = 64;
    /** Special tokens around a pair: 3 for BERT ([CLS] q [SEP] c [SEP]), 4 for RoBERTa (<s> q </s></s> c </s>). */
    static final int MAX_SPECIAL_TOKENS = 4;

    public ModelSettings {
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
        require(threads >= 1, "threads must be >= 1");
    }

    /** Merges the config (wins) with the model's config.json (may be absent, e.g. for zoo models). */
    static ModelSettings resolve(EngineConfig config, Path modelDir, String modelFileFallback, Boolean tokenTypesHint)
            throws IOException {
        JsonObject json = readConfig(modelDir.resolve("config.json"));
        boolean unanswerable = bool(json, "trained_with_unanswerable", false);
        double modelThreshold = json.has("null_score_threshold") && !json.get("null_score_threshold").isJsonNull()
                ? json.get("null_score_threshold").getAsDouble()
                : unanswerable ? 0.0 : Double.POSITIVE_INFINITY;
        String modelFile = config.modelFile() != null ? config.modelFile() : string(json, "model_file", modelFileFallback);
        return new ModelSettings(
                config.modelLocation(),
                modelFile,
                string(json, "tokenizer_file", "tokenizer.json"),
                pick(config.maxSeqLength(), json, "max_seq_length", DEFAULT_MAX_SEQ_LENGTH),
                pick(config.docStride(), json, "doc_stride", DEFAULT_DOC_STRIDE),
                pick(config.maxQueryLength(), json, "max_query_length", DEFAULT_MAX_QUERY_LENGTH),
                pick(config.maxAnswerLength(), json, "max_answer_length", DEFAULT_MAX_ANSWER_LENGTH),
                pick(config.maxAnswerChars(), json, "max_answer_chars", DEFAULT_MAX_ANSWER_CHARS),
                config.nBest() != null ? config.nBest() : DEFAULT_N_BEST,
                config.nullThreshold() != null ? config.nullThreshold() : modelThreshold,
                unanswerable,
                takesTokenTypes(json, tokenTypesHint),
                config.maxTokensPerPass() != null ? config.maxTokensPerPass() : DEFAULT_MAX_TOKENS_PER_PASS,
                config.maxWindowsPerPass() != null ? config.maxWindowsPerPass() : DEFAULT_MAX_WINDOWS_PER_PASS,
                config.padToMaxLength(),
                config.threads() != null ? config.threads() : Runtime.getRuntime().availableProcessors());
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
