package dev.batchqa.shared;

import java.util.List;
import java.util.Optional;

/** Where question records live. Completion is write-once: a DONE or FAILED record is never overwritten. */
public interface RequestStore {

    /** Stores a new PENDING record; false when a record with this id already exists. */
    boolean createPending(QaRecord record);

    /** Notes that the PENDING record's message was accepted by SQS; a no-op once the record is complete. */
    void markQueued(String id);

    /** The record, or empty when unknown or expired. */
    Optional<QaRecord> find(String id);

    /**
     * Moves a record (or a message that never had one) to DONE. Returns false when the record was already
     * completed, which makes redelivered and duplicate messages harmless.
     */
    boolean complete(Completion completion, List<Answer> answers);

    /** Moves a record to FAILED; false when it was already completed. */
    boolean fail(Completion completion, ErrorInfo error);

    /** What a completion knows about the question, enough to create the record if no PENDING one exists. */
    record Completion(String id, String question, int topK, String correlationId) {}
}
