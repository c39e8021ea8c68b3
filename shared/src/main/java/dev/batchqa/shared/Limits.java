package dev.batchqa.shared;

/**
 * Input limits. They keep every message below SQS's 256 KiB body limit in the worst case: a context of
 * 40,000 UTF-16 units escaped to 6 bytes each ({@code \u0001}) is 240,000 bytes, plus a 1,000-char question
 * (6,000 bytes) and the JSON envelope.
 */
public final class Limits {
    public static final int MAX_CONTEXT_CHARS = 40_000;
    public static final int MAX_QUESTION_CHARS = 1_000;
    public static final int MIN_TOP_K = 1;
    public static final int MAX_TOP_K = 10;
    /** SQS maximum message size. */
    public static final int MAX_MESSAGE_BYTES = 262_144;
    /** Request ids we accept: ours are UUIDs; SQS message ids are UUIDs; producers may choose their own. */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";

    /** Correlation ids: ours, API Gateway's request ids (base64: '=', '+', '/') and trace-style ids. */
    public static final String CORRELATION_ID_PATTERN = "[A-Za-z0-9_.:=+/-]{1,128}";

    private Limits() {}
}
