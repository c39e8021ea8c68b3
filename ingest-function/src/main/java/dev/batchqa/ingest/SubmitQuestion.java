package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.aws.Lanes;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.IdempotencyStore;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code POST /qa}: stores one question, or several about one context, as PENDING and queues them in one message,
 * once per Idempotency-Key.
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
 * // accepted.replayed(): the key was seen before and the ids are the first attempt's
 * }</pre>
 */
final class SubmitQuestion {
    private static final Logger log = LoggerFactory.getLogger(SubmitQuestion.class);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
    /** An STS assumed-role ARN: the role's part, then the session's (which changes as credentials are refreshed). */
    private static final Pattern ASSUMED_ROLE_SESSION =
            Pattern.compile("(arn:[a-z-]+:sts::[0-9]{12}:assumed-role/[^/]+)/.+");

    /**
     * The 202 body and whether it replays an earlier attempt with the same key: {@code {"id", "status"}} for one
     * question, {@code {"questions": [{"id", "status"}, ..]}} (in request order) for several.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Accepted(String id, String status, List<Item> questions, @JsonIgnore boolean replayed,
            @JsonIgnore Lanes.Lane lane) {
        static Accepted of(List<Item> items, boolean many, boolean replayed, Lanes.Lane lane) {
            return many ? new Accepted(null, null, items, replayed, lane)
                    : new Accepted(items.getFirst().id(), items.getFirst().status(), null, replayed, lane);
        }

        /** Whether any question is still PENDING (the client is told when to look again). */
        boolean pending() {
            return questions == null ? QaStatus.PENDING.name().equals(status)
                    : questions.stream().anyMatch(i -> QaStatus.PENDING.name().equals(i.status()));
        }
    }

    /** One question's id and status. */
    record Item(String id, String status) {}

    /** Ids of several questions as one idempotency claim holds them. */
    private static final String ID_SEPARATOR = ",";

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
        QuestionSet input;
        JsonNode body = JsonBody.read(event, JsonBody.MAX_BODY_BYTES);
        try {
            input = QuestionReader.request(body, "", validator, true);
        } catch (QuestionReader.Invalid e) {
            throw ApiException.of(e);
        }
        // the answer's shape follows the request's: "questions" (even of one) is answered with the list
        boolean many = body.hasNonNull("questions");
        QuestionSet fresh = withNewIds(input, correlationId);
        // the largest message this request can make: a replay sends it with the first attempt's correlation id
        int bytes = MessageCodec.encodedBytes(fresh.withCorrelationId("x".repeat(Limits.CORRELATION_ID_MAX_LENGTH)));
        if (bytes > Limits.MAX_MESSAGE_BYTES) {
            throw new ApiException(413, "MESSAGE_TOO_LARGE", "the context and questions make a message of " + bytes
                    + " bytes; the queue takes at most " + Limits.MAX_MESSAGE_BYTES + " (ask fewer questions at once)",
                    many ? "questions" : "context");
        }
        String key = idempotencyKey(event);
        // After validation: a request that can never succeed is told so, not asked to come back later.
        if (!backlog.admits()) throw ApiException.backlog();
        if (key == null) {
            accept(fresh);
            return Accepted.of(fresh.questions().stream().map(q -> new Item(q.id(), QaStatus.PENDING.name())).toList(),
                    many, false, Lanes.of(fresh));
        }
        String keyHash = Digests.sha256(caller(event) + "\n" + key);
        String bodyHash = sha256(input);
        Optional<IdempotencyStore.Claim> earlier = keys.claim(keyHash, String.join(ID_SEPARATOR, ids(fresh)), bodyHash);
        if (earlier.isEmpty()) {
            return Accepted.of(deliver(fresh, true, true), many, false, Lanes.of(fresh));
        }
        if (!earlier.get().bodyHash().equals(bodyHash)) throw ApiException.idempotencyKeyReused();
        // the same body, so the same number of questions: the claim's ids, in order
        List<String> claimed = Arrays.asList(earlier.get().requestId().split(ID_SEPARATOR));
        List<Question> questions = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i++) questions.add(new Question(claimed.get(i), input.questions().get(i).text()));
        // the first attempt created its records when it claimed the key, or never: after the result TTL a missing
        // one may have been answered and expired, and must not be asked again
        Instant claimedAt = earlier.get().claimedAt();
        boolean mayRecreate = claimedAt == null || !store.mayHaveExpired(claimedAt);
        return Accepted.of(deliver(input.withQuestions(questions).withCorrelationId(correlationId), false, mayRecreate),
                many, true, Lanes.of(input));
    }

    /** New, unguessable ids (random UUIDs) for the questions of a request. */
    private static QuestionSet withNewIds(QuestionSet input, String correlationId) {
        return input.withQuestions(input.questions().stream()
                        .map(q -> new Question(UUID.randomUUID().toString(), q.text())).toList())
                .withCorrelationId(correlationId);
    }

    private static List<String> ids(QuestionSet set) {
        return set.questions().stream().map(Question::id).toList();
    }

    /** A digest of what was asked, to tell a retry of the same request from a different one. */
    static String sha256(QuestionSet input) {
        // length-prefixed, so that no two different requests give the same text; a single question with the
        // default options hashes as before the options existed, so keys stored then still match
        StringBuilder text = new StringBuilder();
        for (Question q : input.questions()) text.append(q.text().length()).append(':').append(q.text());
        text.append(input.context().length()).append(':').append(input.context()).append(input.options().topK());
        if (input.options().maxAnswerLength() != null || !input.options().allowNoAnswer()) {
            text.append('|').append(input.options().maxAnswerLength()).append('|').append(input.options().allowNoAnswer());
        }
        if (input.questions().size() > 1) text.append("|n=").append(input.questions().size());
        return Digests.sha256(text.toString());
    }

    /**
     * Without a key: stores the questions as PENDING, then queues them in one message; questions that cannot be
     * queued end FAILED.
     */
    private void accept(QuestionSet set) {
        MDC.put("qaId", set.first().id());
        List<Question> stored = new ArrayList<>();
        try {
            for (Question q : set.questions()) {
                if (!store.createPending(pending(q, set))) {
                    throw new IllegalStateException("id collision on " + q.id()); // 2^-122: a bug, not bad luck
                }
                stored.add(q);
            }
        } catch (RuntimeException e) {
            // the client gets an error and no ids: the questions already stored must not wait for the sweeper
            if (!stored.isEmpty()) failQueued(store, set.withQuestions(stored));
            throw e;
        }
        try {
            queue.send(set);
        } catch (RuntimeException e) {
            log.error("enqueue failed; marking the request FAILED", e);
            failQueued(store, set);
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
     * Several questions travel in one message: it is sent when any of them is PENDING and not noted queued, and
     * all are noted queued after it.
     *
     * <p>A replay after the result TTL finds the records answered and expired, or never created: it cannot tell which,
     * so it creates nothing and answers {@code 404 NOT_FOUND} (the client asks again with a new key).
     *
     * @param fresh true when this call just claimed the key for these ids: no record can be expected yet
     * @param mayRecreate false when a missing record may have expired ({@link RequestStore#mayHaveExpired})
     * @return each question's id and status now
     */
    private List<Item> deliver(QuestionSet set, boolean fresh, boolean mayRecreate) {
        MDC.put("qaId", set.first().id());
        List<Optional<QaRecord>> found = new ArrayList<>();
        for (Question q : set.questions()) found.add(fresh ? Optional.empty() : store.find(q.id()));
        if (!mayRecreate && found.stream().anyMatch(Optional::isEmpty)) {
            // checked before anything is created or sent, as for a deleted question below
            throw new ApiException(404, "NOT_FOUND", "the question of this Idempotency-Key has expired",
                    "Idempotency-Key");
        }
        List<QaRecord> current = new ArrayList<>();
        for (int i = 0; i < set.questions().size(); i++) {
            Question q = set.questions().get(i);
            Optional<QaRecord> record = found.get(i);
            if (record.isEmpty()) {
                QaRecord pending = pending(q, set);
                record = store.createPending(pending) ? Optional.of(pending) : store.find(q.id());
            }
            current.add(record.orElseThrow(() -> new IllegalStateException("record " + q.id() + " vanished")));
        }
        if (current.stream().anyMatch(r -> r.status() == QaStatus.DELETED)) {
            // deleted since: gone, as GET says (the tombstone is internal); checked before anything is sent, so a
            // retry does not queue the other questions of the request and then answer with an error
            throw new ApiException(404, "NOT_FOUND", "a question of this Idempotency-Key was deleted",
                    "Idempotency-Key");
        }
        if (current.stream().anyMatch(r -> r.status() == QaStatus.PENDING && !r.queued())) {
            try {
                // the first attempt's correlation id, so that a replay is followed under the same id
                queue.send(set.withCorrelationId(current.getFirst().correlationId()));
            } catch (RuntimeException e) {
                log.error("enqueue failed; the records stay PENDING for a retry with the same key", e);
                throw ApiException.queueUnavailable();
            }
            try {
                for (QaRecord r : current) store.markQueued(r.id());
            } catch (RuntimeException e) {
                log.warn("noting the request queued failed; it is queued, a replay may queue it again", e);
            }
        }
        return current.stream().map(r -> new Item(r.id(), r.status().name())).toList();
    }

    private QaRecord pending(Question q, QuestionSet set) {
        return pending(q, set, clock.instant());
    }

    /** The PENDING record of one question of the set. Shared with {@link SubmitBatch}. */
    static QaRecord pending(Question q, QuestionSet set, Instant now) {
        return QaRecord.pending(q.id(), q.text(), set.options().topK(), set.correlationId(), now);
    }

    /**
     * Marks a stored but unqueued question FAILED. Best effort: the client is told either way, and a record left
     * PENDING expires with its TTL. Shared with {@link SubmitBatch}, whose items have no key either.
     */
    static void failQueued(RequestStore store, QuestionSet set) {
        for (Question q : set.questions()) {
            try {
                store.fail(RequestStore.Completion.of(q, set, null),
                        new ErrorInfo("QUEUE_UNAVAILABLE", "the request could not be queued"));
            } catch (RuntimeException e) {
                log.error("recording a queue failure failed", e);
            }
        }
    }

    /** The request's Idempotency-Key header; null without one; a 400 when it is not 1 to 255 printable ASCII. */
    static String idempotencyKey(APIGatewayV2HTTPEvent event) {
        String key = JsonBody.header(event.getHeaders(), "idempotency-key");
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw new ApiException(400, "INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1 to 255 printable ASCII characters", "Idempotency-Key");
        }
        return key;
    }

    /**
     * The scope of an Idempotency-Key: another principal's key never reveals this caller's request, and a retry
     * by the same principal finds its key whatever credentials it signs with now. IAM: the principal's ARN, where
     * an assumed role's is cut after the role name ({@code arn:aws:sts::123456789012:assumed-role/qa-client}),
     * because the session part changes when the credentials are refreshed (SDKs name a new session each time),
     * and a retry comes after exactly such a refresh as often as not. So every session of one role shares a
     * scope. JWT: issuer and subject. Without authorization: one scope for all.
     */
    static String caller(APIGatewayV2HTTPEvent event) {
        var rc = event.getRequestContext();
        var authorizer = rc == null ? null : rc.getAuthorizer();
        if (authorizer != null && authorizer.getIam() != null && authorizer.getIam().getUserArn() != null) {
            String arn = authorizer.getIam().getUserArn();
            Matcher session = ASSUMED_ROLE_SESSION.matcher(arn);
            return "iam:" + (session.matches() ? session.group(1) : arn);
        }
        if (authorizer != null && authorizer.getJwt() != null && authorizer.getJwt().getClaims() != null) {
            return "jwt:" + authorizer.getJwt().getClaims().get("iss") + "|" + authorizer.getJwt().getClaims().get("sub");
        }
        return "anonymous";
    }
}
