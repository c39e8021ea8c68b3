package dev.batchqa.ingest.jobs;

import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaStatus;
import java.util.Locale;

/**
 * How one line of a job ended, read from its question's record: DONE, FAILED, or ended by the job itself
 * (CANCELLED, EXPIRED). The job ends a line by failing its record with {@link #CANCELLED_CODE} or
 * {@link #EXPIRED_CODE}, a write-once transition like any completion, so that an answer and the job's end can
 * race and exactly one of them wins.
 */
public enum LineOutcome {
    DONE,
    FAILED,
    CANCELLED,
    EXPIRED;

    /** The error code of a line the job's cancellation ended. */
    public static final String CANCELLED_CODE = ErrorInfo.JOB_CANCELLED;
    /** The error code of a line the job's completion window ended. */
    public static final String EXPIRED_CODE = ErrorInfo.JOB_EXPIRED;

    /** The outcome of a finished record; null while it is PENDING, or for a tombstone. */
    public static LineOutcome of(QaStatus status, String errorCode) {
        if (status == null) return null;
        return switch (status) {
            case DONE -> DONE;
            case CANCELLED -> CANCELLED;
            case FAILED -> CANCELLED_CODE.equals(errorCode) ? CANCELLED
                    : EXPIRED_CODE.equals(errorCode) ? EXPIRED : FAILED;
            case PENDING, DELETED -> null;
        };
    }

    /** The attribute (a number set of line numbers) this outcome is counted in. */
    String attribute() {
        return name().toLowerCase(Locale.ROOT);
    }
}
