package dev.batchqa.shared.model;

/**
 * Lifecycle of a question, write-once: PENDING moves once to DONE, FAILED or CANCELLED (a {@code DELETE} while
 * PENDING), and never back. {@code DELETE} turns a DONE or FAILED record into a DELETED tombstone (id, status,
 * expiry; no user text), which is internal: the API answers 404 for it. CANCELLED and DELETED stay until their
 * expiry, longer than any message of the question can live, so that no late message brings the question back.
 */
public enum QaStatus {
    PENDING,
    DONE,
    FAILED,
    CANCELLED,
    DELETED;

    /** DONE, FAILED or CANCELLED: the outcomes a completion event reports. */
    public boolean isFinished() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }
}
