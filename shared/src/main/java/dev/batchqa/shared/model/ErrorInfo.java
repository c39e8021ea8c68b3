package dev.batchqa.shared.model;

/**
 * A machine-readable code and a human-readable message; used for HTTP errors and FAILED records.
 *
 * <pre>{@code
 * ErrorInfo e = new ErrorInfo(ErrorInfo.JOB_CANCELLED, "the job was cancelled before this line was answered");
 * e.withdrawn();   // true: no answer is wanted any more
 * }</pre>
 */
public record ErrorInfo(String code, String message) {
    /** A job line its job's cancellation ended before it was answered. */
    public static final String JOB_CANCELLED = "JOB_CANCELLED";
    /** A job line its job's completion window ended before it was answered. */
    public static final String JOB_EXPIRED = "JOB_EXPIRED";

    /**
     * True when the question was withdrawn (its job ended it) rather than failed by an attempt to answer it: the
     * inference side skips such a question, as it skips a CANCELLED one, instead of spending a pass on an answer
     * that can no longer be stored.
     */
    public boolean withdrawn() {
        return JOB_CANCELLED.equals(code) || JOB_EXPIRED.equals(code);
    }
}
