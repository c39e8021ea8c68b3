package dev.batchqa.shared.message;

/**
 * Input limits. They keep every message below SQS's 256 KiB body limit in the worst case: a context of
 * 40,000 UTF-16 units escaped to 6 bytes each ({@code \u0001}) is 240,000 bytes, plus a 1,000-char question
 * (6,000 bytes) and the JSON envelope.
 */
public final class Limits {
    public static final int MAX_CONTEXT_CHARS = 40_000;
    public static final int MAX_QUESTION_CHARS = 1_000;
    /** Answers per question when a request names no topK: the one place this default is spelled. */
    public static final int DEFAULT_TOP_K = 1;
    public static final int MIN_TOP_K = 1;
    public static final int MAX_TOP_K = 10;
    /**
     * Questions about one context in one request or schema v2 message. The message must still fit
     * {@link #MAX_MESSAGE_BYTES} once encoded (checked exactly when it is written): a full context of ASCII text
     * leaves room for all 50 at full length; in the worst case, every character escaped to six bytes ({@code \u0001}),
     * a full context leaves room for three full-length questions (LimitsTest checks both).
     */
    public static final int MAX_QUESTIONS_PER_SET = 50;
    /** Largest {@code maxAnswerLength} a request may ask for, in model tokens (the HF pipeline's default is 15). */
    public static final int MAX_ANSWER_LENGTH = 100;
    /**
     * Largest answer the inference engine may return, in UTF-16 chars (the model's {@code max_answer_chars},
     * default 1,000, may not exceed this). With {@link #MAX_TOP_K} answers of at most 3 UTF-8 bytes per UTF-16 char
     * (a surrogate pair is 2 chars and 4 bytes) the answers of a record are at most 300,000 bytes, below
     * {@link #MAX_ITEM_BYTES} with the question and attributes (checked by LimitsTest).
     */
    public static final int MAX_ANSWER_CHARS = 10_000;
    /** DynamoDB's item size limit (400 KB: names and values of all attributes, UTF-8). */
    public static final int MAX_ITEM_BYTES = 400 * 1024;
    /** SQS maximum message size. */
    public static final int MAX_MESSAGE_BYTES = 262_144;
    /** Request ids we accept: ours are UUIDs; SQS message ids are UUIDs; producers may choose their own. */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";

    /** Correlation ids: ours, API Gateway's request ids (base64: '=', '+', '/') and trace-style ids. */
    public static final String CORRELATION_ID_PATTERN = "[A-Za-z0-9_.:=+/-]{1,128}";
    /** The longest correlation id {@link #CORRELATION_ID_PATTERN} allows. */
    public static final int CORRELATION_ID_MAX_LENGTH = 128;

    private Limits() {}
}
