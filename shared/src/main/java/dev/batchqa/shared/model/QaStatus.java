package dev.batchqa.shared.model;

/** Lifecycle of a question: PENDING moves once to DONE or FAILED, and never back. */
public enum QaStatus {
    PENDING,
    DONE,
    FAILED
}
