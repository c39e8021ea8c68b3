package dev.batchqa.ingest.jobs;

import java.util.Locale;

/**
 * A bulk job's lifecycle. {@code validating -> in_progress -> finalizing -> completed}; an invalid input ends
 * {@code failed} straight from {@code validating}; {@code cancelling -> finalizing -> cancelled}; a job past its
 * completion window ends {@code expired} (through {@code finalizing}). The four ends keep their results.
 */
public enum JobStatus {
    VALIDATING,
    IN_PROGRESS,
    FINALIZING,
    COMPLETED,
    FAILED,
    CANCELLING,
    CANCELLED,
    EXPIRED;

    /** The name clients read: {@code in_progress}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobStatus ofWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public boolean isEnded() {
        return this == COMPLETED || this == FAILED || this == CANCELLED || this == EXPIRED;
    }
}
