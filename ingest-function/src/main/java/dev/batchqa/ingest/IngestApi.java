package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.ErrorInfo;
import dev.batchqa.shared.QaMessage;
import dev.batchqa.shared.QaRecord;
import dev.batchqa.shared.QaValidator;
import dev.batchqa.shared.RequestQueue;
import dev.batchqa.shared.RequestStore;
import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The HTTP API: routes, input contract and status codes. Knows the store and the queue, not the model. */
public final class IngestApi {
    private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
    private static final Pattern STATUS_PATH = Pattern.compile("/qa/([^/]+)");
    private static final Set<String> REQUEST_FIELDS = Set.of("question", "context", "topK");
    private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    private final RequestStore store;
    private final RequestQueue queue;
    private final QaValidator validator;
    private final Clock clock;

    public IngestApi(RequestStore store, RequestQueue queue, QaValidator validator, Clock clock) {
        this.store = store;
        this.queue = queue;
        this.validator = validator;
        this.clock = clock;
    }

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        long started = System.nanoTime();
        String method = method(event);
        String path = event.getRawPath() == null ? "" : event.getRawPath();
        APIGatewayV2HTTPResponse response;
        try {
            response = route(method, path, event);
        } catch (ApiException e) {
            response = Responses.error(e);
        } catch (RuntimeException e) {
            // Logged without the request body: it holds the user's text.
            log.error("request failed", e);
            response = Responses.error(500, "INTERNAL_ERROR", "internal error; try again later", null);
        }
        log.atInfo()
                .addKeyValue("method", method)
                .addKeyValue("path", path.startsWith("/qa/") ? "/qa/{id}" : path)
                .addKeyValue("status", response.getStatusCode())
                .addKeyValue("latencyMs", (System.nanoTime() - started) / 1_000_000)
                .log("http request");
        return response;
    }

    private APIGatewayV2HTTPResponse route(String method, String path, APIGatewayV2HTTPEvent event) {
        if (path.equals("/qa")) {
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            return submit(event);
        }
        Matcher status = STATUS_PATH.matcher(path);
        if (status.matches()) {
            if (!method.equals("GET")) throw methodNotAllowed(method, path);
            return status(status.group(1));
        }
        throw new ApiException(404, "NOT_FOUND", "no route for " + method + " " + path);
    }

    private APIGatewayV2HTTPResponse submit(APIGatewayV2HTTPEvent event) {
        JsonNode body = JsonBody.read(event);
        if (!body.isObject()) throw new ApiException(400, "INVALID_BODY", "request body must be a JSON object");
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!REQUEST_FIELDS.contains(name)) {
                throw new ApiException(400, "UNKNOWN_FIELD",
                        "unknown field '" + name + "'; accepted fields are " + REQUEST_FIELDS, name);
            }
        }
        String question = text(body, "question");
        String context = text(body, "context");
        Integer topK = integer(body, "topK");
        validator.check(question, context, topK).ifPresent(problem -> {
            int status = problem.code().equals("TOO_LARGE") ? 413 : 400;
            throw new ApiException(status, problem.code(), problem.message(), problem.field());
        });

        String id = UUID.randomUUID().toString(); // 122 random bits from SecureRandom
        String correlationId = correlationId(event, id);
        MDC.put("qaId", id);
        MDC.put("correlationId", correlationId);
        int k = topK == null ? 1 : topK;
        QaRecord pending = QaRecord.pending(id, question, k, correlationId, clock.instant());
        if (!store.createPending(pending)) {
            throw new IllegalStateException("id collision on " + id); // 2^-122: a bug, not bad luck
        }
        try {
            queue.send(QaMessage.of(id, question, context, k, correlationId));
        } catch (RuntimeException e) {
            log.error("enqueue failed; marking the request FAILED", e);
            store.fail(new RequestStore.Completion(id, question, k, correlationId),
                    new ErrorInfo("QUEUE_UNAVAILABLE", "the request could not be queued"));
            throw new ApiException(503, "QUEUE_UNAVAILABLE", "the request could not be queued; try again later");
        }
        return Responses.json(202, Map.of("id", id, "status", "PENDING"), Map.of("Location", "/qa/" + id));
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

    private static String correlationId(APIGatewayV2HTTPEvent event, String fallback) {
        String header = JsonBody.header(event.getHeaders(), "x-correlation-id");
        if (header != null && CORRELATION_ID.matcher(header).matches()) return header;
        var requestContext = event.getRequestContext();
        if (requestContext != null && requestContext.getRequestId() != null) return requestContext.getRequestId();
        return fallback;
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

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) {
            throw new ApiException(400, "WRONG_TYPE", "'" + field + "' must be a string", field);
        }
        return node.textValue();
    }

    private static Integer integer(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new ApiException(400, "WRONG_TYPE", "'" + field + "' must be an integer", field);
        }
        return node.intValue();
    }

    private static String abbreviate(String s) {
        return s.length() > 70 ? s.substring(0, 70) + "..." : s;
    }
}
