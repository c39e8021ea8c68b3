package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.batchqa.shared.aws.Lanes;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.IdempotencyStore;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP API's router: picks the use case for a method and path, and does what every request needs — the
 * correlation id, the mapping of errors to status codes, one access log line and the metrics. Knows the store
 * and the queue only to hand them to the use cases, never the model.
 *
 * <ul>
 *   <li>{@code POST /qa}: {@link SubmitQuestion} (202, with the idempotency protocol), one question or several
 *       about one context;
 *   <li>{@code POST /qa/batch}: {@link SubmitBatch} (200, an outcome per item);
 *   <li>{@code GET /qa/{id}[?wait=N]}: {@link GetQuestion} (200 with the record, or 404), held up to N s while
 *       PENDING.
 *   <li>{@code DELETE /qa/{id}}: {@link DeleteQuestion} (204, or 404): PENDING becomes CANCELLED, DONE or FAILED
 *       a tombstone.
 *   <li>{@code /jobs...}: bulk jobs, {@link JobRoutes}, when the deployment has them.
 * </ul>
 *
 * <p>A 202 and a PENDING record carry {@code Retry-After}, the {@link RetryAfter} estimate.
 *
 * <pre>{@code
 * IngestApi api = new IngestApi(store, keys, queue, validator, Clock.systemUTC());
 * APIGatewayV2HTTPResponse response = api.handle(event); // never throws: errors become JSON responses
 * }</pre>
 */
public final class IngestApi {
    private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
    private static final Pattern STATUS_PATH = Pattern.compile("/qa/([^/]+)");
    private static final Pattern CORRELATION_ID = Pattern.compile(Limits.CORRELATION_ID_PATTERN);

    private final SubmitQuestion submitQuestion;
    private final SubmitBatch submitBatch;
    private final GetQuestion getQuestion;
    private final DeleteQuestion deleteQuestion;
    private final IngestMetrics metrics;
    private final BacklogGate backlog;
    private final JobRoutes jobs;

    public IngestApi(RequestStore store, IdempotencyStore keys, RequestQueue queue, BacklogGate backlog,
            IngestMetrics metrics, QaValidator validator, Clock clock) {
        this(store, keys, queue, backlog, metrics, validator, clock, null);
    }

    /** @param jobs the {@code /jobs} routes; null: none (404) */
    public IngestApi(RequestStore store, IdempotencyStore keys, RequestQueue queue, BacklogGate backlog,
            IngestMetrics metrics, QaValidator validator, Clock clock, JobRoutes jobs) {
        this.jobs = jobs;
        this.submitQuestion = new SubmitQuestion(store, keys, queue, backlog, validator, clock);
        this.submitBatch = new SubmitBatch(store, queue, backlog, validator, clock);
        this.getQuestion = new GetQuestion(store);
        this.deleteQuestion = new DeleteQuestion(store);
        this.metrics = metrics;
        this.backlog = backlog;
    }

    /** No admission control, no metrics: for tests and tools. */
    public IngestApi(RequestStore store, IdempotencyStore keys, RequestQueue queue, QaValidator validator, Clock clock) {
        this(store, keys, queue, BacklogGate.off(), IngestMetrics.none(), validator, clock);
    }

    /** Answers one request and records its metrics; a {@code ?wait=} is not cut short by any deadline. */
    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return handle(event, null);
    }

    /**
     * Answers one request and records its metrics.
     *
     * @param timeLeft the Lambda's remaining time (a {@code ?wait=} ends 2 s before it), or null when unknown
     */
    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Duration timeLeft) {
        Outcome outcome = process(event, timeLeft);
        metrics.record(outcome.response.getStatusCode(), outcome.backlogRefused, outcome.batchItemErrors);
        return outcome.response;
    }

    /** Answers one request without recording metrics: SnapStart priming's requests are not traffic. */
    APIGatewayV2HTTPResponse handleUnmetered(APIGatewayV2HTTPEvent event) {
        return process(event, null).response;
    }

    private Outcome process(APIGatewayV2HTTPEvent event, Duration timeLeft) {
        long started = System.nanoTime();
        String method = method(event);
        String path = event.getRawPath() == null ? "" : event.getRawPath();
        Outcome outcome;
        try {
            outcome = route(method, path, event, timeLeft);
        } catch (ApiException e) {
            outcome = new Outcome(Responses.error(e), e.code().equals(ApiException.QUEUE_BACKLOG), 0);
        } catch (RuntimeException e) {
            // Logged without the request body: it holds the user's text.
            log.error("request failed", e);
            outcome = Outcome.of(Responses.error(500, "INTERNAL_ERROR", "internal error; try again later", null));
        }
        log.atInfo()
                .addKeyValue("method", method)
                // the route, not the path: ids would make every line unique and say nothing more than qaId does
                .addKeyValue("path", path.startsWith("/qa/") && !path.equals("/qa/batch") ? "/qa/{id}"
                        : JobRoutes.matches(path) ? JobRoutes.template(path) : path)
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

    // A wrong method on a known path is 405, not 404: the path exists, and the client should learn that.
    private Outcome route(String method, String path, APIGatewayV2HTTPEvent event, Duration timeLeft) {
        if (path.equals("/qa")) {
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            SubmitQuestion.Accepted accepted = submitQuestion.submit(event, correlationId(event));
            Map<String, String> headers = new LinkedHashMap<>();
            if (accepted.id() != null) headers.put("Location", "/qa/" + accepted.id()); // one question: its record
            if (accepted.replayed()) headers.put("Idempotent-Replayed", "true");
            if (accepted.pending()) headers.put("Retry-After", retryAfter(accepted.lane()));
            return Outcome.of(Responses.json(202, accepted, headers));
        }
        if (path.equals("/qa/batch")) {
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            SubmitBatch.BatchResponse response = submitBatch.submit(event, correlationId(event));
            return new Outcome(Responses.json(200, response), false, response.serverErrors());
        }
        if (jobs != null && JobRoutes.matches(path)) {
            correlationId(event);
            return Outcome.of(jobs.route(method, path, event));
        }
        Matcher status = STATUS_PATH.matcher(path);
        if (status.matches()) {
            if (method.equals("DELETE")) {
                deleteQuestion.delete(status.group(1));
                return Outcome.of(Responses.noContent());
            }
            if (!method.equals("GET")) throw methodNotAllowed(method, path);
            Duration wait = GetQuestion.waitOf(event, timeLeft);
            RecordView view = getQuestion.get(status.group(1), wait);
            return Outcome.of(view.status().equals(QaStatus.PENDING.name())
                    ? Responses.json(200, view, Map.of("Retry-After", retryAfter(Lanes.Lane.INTERACTIVE)))
                    : Responses.json(200, view));
        }
        throw new ApiException(404, "NOT_FOUND", "no route for " + method + " " + path);
    }

    private String retryAfter(Lanes.Lane lane) {
        return Integer.toString(RetryAfter.seconds(backlog.cachedQuestionsAhead(lane)));
    }

    /**
     * The client's X-Correlation-Id if well-formed, else API Gateway's request id, else a new one. It travels with
     * the question to the inference side and into every log line of the request (MDC), so one id follows a
     * question end to end. Only the submitting routes need one: a GET creates nothing to follow.
     */
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
}
