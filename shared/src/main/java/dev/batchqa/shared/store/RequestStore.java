package dev.batchqa.shared.store;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Where question records live. Completion is write-once: a DONE, FAILED or CANCELLED record is never overwritten
 * by a completion, and a DELETED tombstone never by anything.
 */
public interface RequestStore {

    /** Stores a new PENDING record; false when a record with this id already exists. */
    boolean createPending(QaRecord record);

    /**
     * Whether a record created at {@code createdAt} could have been completed and expired by now (it is older than
     * the result TTL). A missing record of such an age must not be created again: it may be one that was answered,
     * read and expired, and a second, different outcome under its id would contradict the first. False for a store
     * whose records never expire.
     */
    default boolean mayHaveExpired(Instant createdAt) {
        return false;
    }

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
     * completed, which makes redelivered and duplicate messages harmless, and when the record is PENDING for another
     * question than the completion's (an id reused by a bulk message): that answer is not stored.
     */
    default boolean complete(Completion completion, List<Answer> answers) {
        return complete(completion, answers, null, null);
    }

    /**
     * As {@link #complete(Completion, List)}, with what the answers came with.
     *
     * @param noAnswerScore the engine's score for "no answer", comparable with the answers' scores; null if unknown
     * @param model         which model and variant answered; null if unknown
     */
    boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model);

    /**
     * Moves a record to FAILED; false when it was already completed, or is PENDING for another question than the
     * completion's. A completion without a question text is not compared: it still ends the record.
     */
    boolean fail(Completion completion, ErrorInfo error);

    /**
     * How many parts the index of PENDING records has; each can be read on its own ({@link #stalePending(int,
     * Instant)}), so the sweeper reads them in parallel.
     */
    default int pendingShards() {
        return 1;
    }

    /**
     * Ids of the PENDING records of one shard (0 to {@link #pendingShards()} - 1) created before {@code cutoff},
     * oldest first, read lazily page by page from an index that holds only PENDING records. One pass over the
     * index: an id failed while the stream is read does not come back in it. The index is eventually consistent:
     * an id may already be complete; {@link #failPending} tells.
     */
    Stream<String> stalePending(int shard, Instant cutoff);

    /** The first {@code limit} ids of {@link #stalePending(int, Instant)}, shard after shard. */
    default List<String> stalePending(Instant cutoff, int limit) {
        return IntStream.range(0, pendingShards()).boxed()
                .flatMap(shard -> stalePending(shard, cutoff))
                .limit(limit)
                .toList();
    }

    /**
     * Moves a PENDING record to FAILED; false when it is complete already or does not exist. Unlike
     * {@link #fail} it never creates a record: the sweeper must not resurrect what it did not find.
     */
    boolean failPending(String id, ErrorInfo error);

    /**
     * {@code DELETE /qa/{id}}: a PENDING record becomes CANCELLED (question and correlation id removed), a DONE or
     * FAILED one becomes a DELETED tombstone (id, status, expiry only). Conditional, so that a racing completion
     * and a delete cannot both win: whichever writes first decides, and the other sees the result. Repeating it
     * changes nothing: a CANCELLED record stays CANCELLED, a tombstone stays a tombstone.
     */
    Deletion delete(String id);

    /** What {@link #delete} did. */
    enum Deletion {
        /** A PENDING record is CANCELLED now. */
        CANCELLED,
        /** A DONE or FAILED record is a tombstone now. */
        DELETED,
        /** The record was CANCELLED already: unchanged. */
        ALREADY_CANCELLED,
        /** The record was a tombstone already: unchanged. */
        ALREADY_DELETED,
        /** No record (or an expired one). */
        NOT_FOUND
    }

    /**
     * What a completion knows about the question, enough to create the record if no PENDING one exists: the
     * question, the topK it was asked with, and where it came from.
     *
     * @param sentAt when SQS first accepted the message (its {@code SentTimestamp}, kept through redeliveries and
     *               the move to the dead-letter queue); null when unknown. A completion of a message older than the
     *               result TTL never creates a missing record: the record may have been completed and expired, and
     *               a late duplicate must not bring it back (see {@code DynamoDbRequestStore}).
     */
    record Completion(Question question, int topK, String correlationId, Instant sentAt) {
        public Completion(String id, String question, int topK, String correlationId, Instant sentAt) {
            this(new Question(id, question), topK, correlationId, sentAt);
        }

        public Completion(String id, String question, int topK, String correlationId) {
            this(id, question, topK, correlationId, null);
        }

        /** The completion of one question of a set (a message or a request). */
        public static Completion of(Question question, QuestionSet set, Instant sentAt) {
            return new Completion(question, set.options().topK(), set.correlationId(), sentAt);
        }

        public String id() {
            return question.id();
        }
    }
}
