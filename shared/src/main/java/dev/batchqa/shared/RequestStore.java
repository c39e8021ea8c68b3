package dev.batchqa.shared;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where question records live. Completion is write-once: a DONE or FAILED record is never overwritten. */
public interface RequestStore {

    /** Stores a new PENDING record; false when a record with this id already exists. */
    boolean createPending(QaRecord record);

    /** Notes that the PENDING record's message was accepted by SQS; a no-op once the record is complete. */
    void markQueued(String id);

    /** The record, or empty when unknown or expired. */
    Optional<QaRecord> find(String id);

    /** The records of many ids, read as {@link #find} reads one; unknown and expired ids are left out. */
    default Map<String, QaRecord> findAll(Collection<String> ids) {
        Map<String, QaRecord> found = new LinkedHashMap<>();
        for (String id : ids) find(id).ifPresent(r -> found.put(id, r));
        return found;
    }

    /**
     * Moves a record (or a message that never had one) to DONE. Returns false when the record was already
     * completed, which makes redelivered and duplicate messages harmless.
     */
    boolean complete(Completion completion, List<Answer> answers);

    /** Moves a record to FAILED; false when it was already completed. */
    boolean fail(Completion completion, ErrorInfo error);

    /**
     * Claims an idempotency key for a new request id. Returns empty when the claim is new, or the claim made
     * earlier with the same key (its request id and body hash) when there is one that has not expired.
     */
    Optional<IdempotencyClaim> claimIdempotencyKey(String keyHash, String requestId, String bodyHash);

    /** Gives a key up again, after the request it claimed could not be accepted. */
    void releaseIdempotencyKey(String keyHash);

    /** An idempotency key's claim: which request it created, for which body. */
    record IdempotencyClaim(String requestId, String bodyHash) {}

    /** What a completion knows about the question, enough to create the record if no PENDING one exists. */
    record Completion(String id, String question, int topK, String correlationId) {}
}
