package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaMessage;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.IdempotencyStore;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP API: routes, input contract and status codes. Knows the store and the queue, not the model.
 *
 * <p>POST /qa with an Idempotency-Key: "claim the key for a new id -> store the record (unless someone did) ->
 * queue it (unless someone did) -> note it queued". Every step is safe to repeat, and a retry with the key runs
 * the same steps for the claimed id, so whichever attempt gets further finishes the job and no interleaving
 * of attempts creates a second question or binds the key to a dead one. The price: two attempts running at
 * once may both queue the question; the inference side completes a record once, so the second message
 * costs a little work and changes nothing.
 */
public final class IngestApi {
    private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
    private static final Pattern STATUS_PATH = Pattern.compile("/qa/([^/]+)");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
    /** Items of one POST /qa/batch: 100 questions of typical size fit the 5 MiB body limit. */
    static final int MAX_BATCH_ITEMS = 100;
    private static final Pattern CORRELATION_ID = Pattern.compile(Limits.CORRELATION_ID_PATTERN);
    /** 503 error code of a refusal by admission control ({@link BacklogGate}). */
    private static final String QUEUE_BACKLOG = "QUEUE_BACKLOG";

    private final RequestStore store;
    private final IdempotencyStore keys;
    private final RequestQueue queue;
    private final BacklogGate backlog;
    private final IngestMetrics metrics;
    private final QaValidator validator;
    private final Clock clock;

    public IngestApi(RequestStore store, IdempotencyStore keys, RequestQueue queue, BacklogGate backlog,
            IngestMetrics metrics, QaValidator validator, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.queue = queue;
        this.backlog = backlog;
        this.metrics = metrics;
        this.validator = validator;
        this.clock = clock;
    }

    /** No admission control, no metrics: for tests and tools. */
    public IngestApi(RequestStore store, IdempotencyStore keys, RequestQueue queue, QaValidator validator, Clock clock) {
        this(store, keys, queue, BacklogGate.off(), IngestMetrics.none(), validator, clock);
    }

    /** Answers one request and records its metrics. */
    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        Outcome outcome = process(event);
        metrics.record(outcome.response.getStatusCode(), outcome.backlogRefused, outcome.batchItemErrors);
        return outcome.response;
    }

    /** Answers one request without recording metrics: SnapStart priming's requests are not traffic. */
    APIGatewayV2HTTPResponse handleUnmetered(APIGatewayV2HTTPEvent event) {
        return process(event).response;
    }

    private Outcome process(APIGatewayV2HTTPEvent event) {
        long started = System.nanoTime();
        String method = method(event);
        String path = event.getRawPath() == null ? "" : event.getRawPath();
        Outcome outcome;
        try {
            outcome = route(method, path, event);
        } catch (ApiException e) {
            outcome = new Outcome(Responses.error(e), e.code().equals(QUEUE_BACKLOG), 0);
        } catch (RuntimeException e) {
            // Logged without the request body: it holds the user's text.
            log.error("request failed", e);
            outcome = Outcome.of(Responses.error(500, "INTERNAL_ERROR", "internal error; try again later", null));
        }
        log.atInfo()
                .addKeyValue("method", method)
                .addKeyValue("path", path.startsWith("/qa/") && !path.equals("/qa/batch") ? "/qa/{id}" : path)
                .addKeyValue("status", outcome.response.getStatusCode())
                .addKeyValue("latencyMs", (System.nanoTime() - started) / 1_000_000)
                .log("http request");
        return outcome;
    }

    /** A response, and what the metrics need to know beyond its status. */
    private record Outcome(APIGatewayV2HTTPResponse response, boolean backlogRefused, int batchItemErrors) {
        static Outcome of(APIGatewayV2HTTPResponse response) {
            return new Outcome(response, false, 0);
        }
    }

    /** Refuses new questions while the queue holds more than can be answered before it expires them. */
    private void admit() {
        if (!backlog.admits()) {
            throw ApiException.unavailable(QUEUE_BACKLOG,
                    "too many questions are waiting to be answered; try again later", BacklogGate.RETRY_AFTER_SECONDS);
        }
    }

    private Outcome route(String method, String path, APIGatewayV2HTTPEvent event) {
        if (path.equals("/qa")) {
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            return Outcome.of(submit(event));
        }
        if (path.equals("/qa/batch")) {
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            return submitBatch(event);
        }
        Matcher status = STATUS_PATH.matcher(path);
        if (status.matches()) {
            if (!method.equals("GET")) throw methodNotAllowed(method, path);
            return Outcome.of(status(status.group(1)));
        }
        throw new ApiException(404, "NOT_FOUND", "no route for " + method + " " + path);
    }

    private APIGatewayV2HTTPResponse submit(APIGatewayV2HTTPEvent event) {
        QuestionInput input = QuestionInput.parse(JsonBody.read(event, JsonBody.MAX_BODY_BYTES), "", validator);
        String correlationId = correlationId(event);
        String key = JsonBody.header(event.getHeaders(), "idempotency-key");
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw new ApiException(400, "INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1 to 255 printable ASCII characters", "Idempotency-Key");
        }
        admit();
        if (key == null) {
            String id = UUID.randomUUID().toString();
            accept(id, input, correlationId);
            return accepted(id, QaStatus.PENDING, false);
        }
        String keyHash = Digests.sha256(caller(event) + "\n" + key);
        String newId = UUID.randomUUID().toString();
        Optional<IdempotencyStore.Claim> earlier = keys.claim(keyHash, newId, input.sha256());
        if (earlier.isEmpty()) {
            return accepted(newId, deliver(newId, true, input, correlationId), false);
        }
        if (!earlier.get().bodyHash().equals(input.sha256())) {
            throw new ApiException(422, "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was used for a different request", "Idempotency-Key");
        }
        String id = earlier.get().requestId();
        return accepted(id, deliver(id, false, input, correlationId), true);
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
            failQueued(id, input, correlationId);
            throw queueUnavailable();
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
                throw queueUnavailable();
            }
            try {
                store.markQueued(id);
            } catch (RuntimeException e) {
                log.warn("noting the request queued failed; it is queued, a replay may queue it again", e);
            }
        }
        return current.status();
    }

    private static ApiException queueUnavailable() {
        return new ApiException(503, "QUEUE_UNAVAILABLE", "the request could not be queued; try again later");
    }

    private APIGatewayV2HTTPResponse accepted(String id, QaStatus status, boolean replayed) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Location", "/qa/" + id);
        if (replayed) headers.put("Idempotent-Replayed", "true");
        return Responses.json(202, Map.of("id", id, "status", status.name()), headers);
    }

    /**
     * Up to {@link #MAX_BATCH_ITEMS} questions in one call. Each item is accepted or rejected on its own;
     * the response lists, in order, an id or an error for every item.
     */
    private Outcome submitBatch(APIGatewayV2HTTPEvent event) {
        JsonNode body = JsonBody.read(event, JsonBody.MAX_BATCH_BODY_BYTES);
        if (!body.isObject()) throw new ApiException(400, "INVALID_BODY", "request body must be a JSON object");
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("items")) {
                throw new ApiException(400, "UNKNOWN_FIELD", "unknown field '" + name + "'; accepted fields are [items]", name);
            }
        }
        JsonNode items = body.get("items");
        if (items == null || items.isNull()) throw new ApiException(400, "MISSING_FIELD", "'items' is required", "items");
        if (!items.isArray()) throw new ApiException(400, "WRONG_TYPE", "'items' must be an array", "items");
        if (items.isEmpty()) throw new ApiException(400, "EMPTY_FIELD", "'items' must not be empty", "items");
        if (items.size() > MAX_BATCH_ITEMS) {
            throw new ApiException(413, "TOO_MANY_ITEMS", "'items' holds more than " + MAX_BATCH_ITEMS + " questions", "items");
        }
        admit();
        String correlationId = correlationId(event);
        List<Map<String, Object>> results = new ArrayList<>();
        Map<String, QuestionInput> pending = new LinkedHashMap<>();
        Map<String, Map<String, Object>> resultById = new HashMap<>();
        int serverErrors = 0;
        for (int i = 0; i < items.size(); i++) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("index", i);
            try {
                QuestionInput input = QuestionInput.parse(items.get(i), "items[" + i + "].", validator);
                String id = UUID.randomUUID().toString();
                if (!store.createPending(QaRecord.pending(id, input.question(), input.topK(), correlationId, clock.instant()))) {
                    throw new IllegalStateException("id collision on " + id);
                }
                pending.put(id, input);
                result.put("id", id);
                result.put("status", "PENDING");
                resultById.put(id, result);
            } catch (ApiException e) {
                result.put("error", Responses.errorBody(e.code(), e.getMessage(), e.field()));
            } catch (RuntimeException e) {
                // e.g. DynamoDB throttling: this item is not accepted, the others still may be
                log.error("storing a batch item failed", e);
                serverErrors++;
                result.put("error", Map.of("code", "INTERNAL_ERROR", "message", "the question could not be stored; try again later"));
            }
            results.add(result);
        }
        Set<String> notQueued = queue.sendAll(pending.entrySet().stream()
                .map(e -> QaMessage.of(e.getKey(), e.getValue().question(), e.getValue().context(), e.getValue().topK(), correlationId))
                .toList());
        serverErrors += notQueued.size();
        for (String id : notQueued) {
            failQueued(id, pending.get(id), correlationId);
            Map<String, Object> result = resultById.get(id);
            result.remove("status");
            result.put("error", Map.of("code", "QUEUE_UNAVAILABLE", "message", "the question could not be queued; try again later"));
        }
        long accepted = results.stream().filter(r -> r.containsKey("id") && !r.containsKey("error")).count();
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", accepted);
        response.put("rejected", results.size() - accepted);
        response.put("items", results);
        return new Outcome(Responses.json(200, response), false, serverErrors);
    }

    /** Best effort: the client is told either way; a record left PENDING expires with its TTL. */
    private void failQueued(String id, QuestionInput input, String correlationId) {
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

    private APIGatewayV2HTTPResponse status(String id) {
        if (!QaValidator.isValidId(id)) {
            throw new ApiException(400, "INVALID_ID", "malformed id '" + abbreviate(id) + "'", "id");
        }
        MDC.put("qaId", id);
        return store.find(id)
                .map(record -> Responses.json(200, RecordView.of(record)))
                .orElseThrow(() -> new ApiException(404, "NOT_FOUND", "no question with id " + id, "id"));
    }

    private static String correlationId(APIGatewayV2HTTPEvent event) {
        String header = JsonBody.header(event.getHeaders(), "x-correlation-id");
        String id = header != null && CORRELATION_ID.matcher(header).matches() ? header
                : event.getRequestContext() != null && event.getRequestContext().getRequestId() != null
                        ? event.getRequestContext().getRequestId()
                        : UUID.randomUUID().toString();
        MDC.put("correlationId", id);
        return id;
    }

    private static String method(APIGatewayV2HTTPEvent event) {
        var requestContext = event.getRequestContext();
        if (requestContext == null || requestContext.getHttp() == null || requestContext.getHttp().getMethod() == null) {
            return "";
        }
        return requestContext.getHttp().getMethod();
    }

    private static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path);
    }

    private static String abbreviate(String s) {
        return s.length() > 70 ? s.substring(0, 70) + "..." : s;
    }
}
