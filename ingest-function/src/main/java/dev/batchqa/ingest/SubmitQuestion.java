package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.QaMessage;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.IdempotencyStore;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code POST /qa}: stores one question as PENDING and queues it, once per Idempotency-Key.
 *
 * <p>With an Idempotency-Key: "claim the key for a new id -> store the record (unless someone did) ->
 * queue it (unless someone did) -> note it queued". Every step is safe to repeat, and a retry with the key runs
 * the same steps for the claimed id, so whichever attempt gets further finishes the job and no interleaving
 * of attempts creates a second question or binds the key to a dead one. The price: two attempts running at
 * once may both queue the question; the inference side completes a record once, so the second message
 * costs a little work and changes nothing.
 *
 * <pre>{@code
 * Accepted accepted = new SubmitQuestion(store, keys, queue, BacklogGate.off(), validator, clock)
 *         .submit(event, correlationId);
 * // accepted.replayed(): the key was seen before and accepted.id() is the first attempt's id
 * }</pre>
 */
final class SubmitQuestion {
    private static final Logger log = LoggerFactory.getLogger(SubmitQuestion.class);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    /** The 202 body, {@code {"id", "status"}}, and whether it replays an earlier attempt with the same key. */
    record Accepted(String id, String status, @JsonIgnore boolean replayed) {
        Accepted(String id, QaStatus status, boolean replayed) {
            this(id, status.name(), replayed);
        }
    }

    private final RequestStore store;
    private final IdempotencyStore keys;
    private final RequestQueue queue;
    private final BacklogGate backlog;
    private final QaValidator validator;
    private final Clock clock;

    SubmitQuestion(RequestStore store, IdempotencyStore keys, RequestQueue queue, BacklogGate backlog,
            QaValidator validator, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.queue = queue;
        this.backlog = backlog;
        this.validator = validator;
        this.clock = clock;
    }

    Accepted submit(APIGatewayV2HTTPEvent event, String correlationId) {
        QuestionInput input = QuestionInput.parse(JsonBody.read(event, JsonBody.MAX_BODY_BYTES), "", validator);
        String key = JsonBody.header(event.getHeaders(), "idempotency-key");
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw new ApiException(400, "INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1 to 255 printable ASCII characters", "Idempotency-Key");
        }
        // After validation: a request that can never succeed is told so, not asked to come back later.
        if (!backlog.admits()) throw ApiException.backlog();
        if (key == null) {
            String id = UUID.randomUUID().toString();
            accept(id, input, correlationId);
            return new Accepted(id, QaStatus.PENDING, false);
        }
        String keyHash = Digests.sha256(caller(event) + "\n" + key);
        String newId = UUID.randomUUID().toString();
        Optional<IdempotencyStore.Claim> earlier = keys.claim(keyHash, newId, input.sha256());
        if (earlier.isEmpty()) {
            return new Accepted(newId, deliver(newId, true, input, correlationId), false);
        }
        if (!earlier.get().bodyHash().equals(input.sha256())) {
            throw new ApiException(422, "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was used for a different request", "Idempotency-Key");
        }
        String id = earlier.get().requestId();
        return new Accepted(id, deliver(id, false, input, correlationId), true);
    }

    /** Without a key: stores the question as PENDING, then queues it; a question that cannot be queued ends FAILED. */
    private void accept(String id, QuestionInput input, String correlationId) {
        MDC.put("qaId", id);
        QaRecord pending = QaRecord.pending(id, input.question(), input.topK(), correlationId, clock.instant());
        if (!store.createPending(pending)) {
            throw new IllegalStateException("id collision on " + id); // 2^-122: a bug, not bad luck
        }
        try {
            queue.send(QaMessage.of(id, input.question(), input.context(), input.topK(), correlationId));
        } catch (RuntimeException e) {
            log.error("enqueue failed; marking the request FAILED", e);
            failQueued(store, id, input, correlationId);
            throw ApiException.queueUnavailable();
        }
    }

    /**
     * With a key, for the id the key is bound to: makes sure the record exists and the question is queued, doing
     * whatever an earlier or concurrent attempt with the key has not done (yet). Each step is conditional or
     * idempotent, so any interleaving of attempts ends with one record, queued at least once:
     * <ul>
     *   <li>the record is created unless it exists ({@code createPending} false: another attempt stored it);
     *   <li>a PENDING record not yet noted as queued is sent; two attempts may both send it (harmless:
     *       completion is write-once);
     *   <li>a send that fails answers 503 and changes nothing: the record stays PENDING and unqueued, the key
     *       stays bound to it, and a retry with the key queues it (no FAILED marking, which could overwrite
     *       the work of a concurrent attempt that did queue it, and no key release, which would let a third
     *       call create a second question);
     *   <li>a failure to note the record queued after a successful send is logged, and the answer is still 202:
     *       the question is queued; a later replay may queue it once more.
     * </ul>
     *
     * @param fresh true when this call just claimed the key for {@code id}: no record can be expected yet
     * @return the record's status now
     */
    private QaStatus deliver(String id, boolean fresh, QuestionInput input, String correlationId) {
        MDC.put("qaId", id);
        Optional<QaRecord> record = fresh ? Optional.empty() : store.find(id);
        if (record.isEmpty()) {
            QaRecord pending = QaRecord.pending(id, input.question(), input.topK(), correlationId, clock.instant());
            record = store.createPending(pending) ? Optional.of(pending) : store.find(id);
        }
        QaRecord current = record.orElseThrow(() -> new IllegalStateException("record " + id + " vanished"));
        if (current.status() == QaStatus.PENDING && !current.queued()) {
            try {
                queue.send(QaMessage.of(id, input.question(), input.context(), input.topK(), current.correlationId()));
            } catch (RuntimeException e) {
                log.error("enqueue failed; the record stays PENDING for a retry with the same key", e);
                throw ApiException.queueUnavailable();
            }
            try {
                store.markQueued(id);
            } catch (RuntimeException e) {
                log.warn("noting the request queued failed; it is queued, a replay may queue it again", e);
            }
        }
        return current.status();
    }

    /**
     * Marks a stored but unqueued question FAILED. Best effort: the client is told either way, and a record left
     * PENDING expires with its TTL. Shared with {@link SubmitBatch}, whose items have no key either.
     */
    static void failQueued(RequestStore store, String id, QuestionInput input, String correlationId) {
        try {
            store.fail(new RequestStore.Completion(id, input.question(), input.topK(), correlationId),
                    new ErrorInfo("QUEUE_UNAVAILABLE", "the request could not be queued"));
        } catch (RuntimeException e) {
            log.error("recording a queue failure failed", e);
        }
    }

    /** Idempotency keys are per caller: another principal's key never reveals this caller's request. */
    private static String caller(APIGatewayV2HTTPEvent event) {
        var rc = event.getRequestContext();
        var authorizer = rc == null ? null : rc.getAuthorizer();
        if (authorizer != null && authorizer.getIam() != null && authorizer.getIam().getUserArn() != null) {
            return "iam:" + authorizer.getIam().getUserArn();
        }
        if (authorizer != null && authorizer.getJwt() != null && authorizer.getJwt().getClaims() != null) {
            return "jwt:" + authorizer.getJwt().getClaims().get("iss") + "|" + authorizer.getJwt().getClaims().get("sub");
        }
        return "anonymous";
    }
}
