package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.ingest.BacklogGate;
import dev.batchqa.ingest.IngestApi;
import dev.batchqa.ingest.IngestHandler;
import dev.batchqa.ingest.IngestMetrics;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Every recorded request event, and generated events for every route and error path of the ingest handler, go
 * through {@link IngestHandler}; each request body the handler accepts must match openapi.yaml's request schema
 * (each one it rejects for a field must not), and each response must match the documented response of its
 * route and status: body schema, required and undeclared headers. A deliberately drifted response must fail.
 */
class HandlerResponsesContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:15:30Z"), ZoneOffset.UTC);
    private static final Path EVENTS = Contract.repoRoot().resolve("ingest-function/src/test/resources/events/apigw-v2");
    /** Rejections for a field the request schema can express; INVALID_TEXT (lone surrogates) it cannot. */
    private static final Set<String> SCHEMA_EXPRESSIBLE = Set.of(
            "MISSING_FIELD", "EMPTY_FIELD", "WRONG_TYPE", "OUT_OF_RANGE", "UNKNOWN_FIELD", "TOO_LARGE", "TOO_MANY_ITEMS",
            "TOO_MANY_QUESTIONS", "CONFLICTING_FIELDS");
    private static final String CONTEXT = "Hamlet is a tragedy written by William Shakespeare.";

    private static int recordedRequests;
    private static int requestBodiesChecked;
    private static int responsesChecked;
    private static final Set<String> statusCodes = new TreeSet<>();
    private static final Set<String> errorCodes = new TreeSet<>();

    private final Contract contract = Contract.get();
    private final InMemoryRequestStore store = new InMemoryRequestStore(CLOCK);
    private final InMemoryRequestQueue queue = new InMemoryRequestQueue();
    private final IngestHandler handler = handler(BacklogGate.off());

    private IngestHandler handler(BacklogGate gate) {
        return new IngestHandler(new IngestApi(store, new InMemoryIdempotencyStore(), queue, gate, IngestMetrics.none(),
                new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), CLOCK));
    }

    @AfterAll
    static void report() {
        System.out.printf("contract: %d recorded request events, %d request bodies and %d handler responses checked "
                + "against openapi.yaml; statuses %s; error codes %s%n",
                recordedRequests, requestBodiesChecked, responsesChecked, statusCodes, errorCodes);
    }

    @Test
    void everyRecordedRequestAndItsResponseConform() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(EVENTS)) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(files.size() >= 25, "recorded events found: " + files.size());
        for (Path file : files) {
            APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(file.toString());
            // GET of a recorded id: make it exist, so that the 200 body is checked too
            if (Set.of("get-qa.json", "delete-qa.json").contains(file.getFileName().toString())) {
                String id = event.getRawPath().substring("/qa/".length());
                store.createPending(QaRecord.pending(id, "Who wrote Hamlet?", 1, "c-1", CLOCK.instant()));
            }
            exchange(event);
            recordedRequests++;
        }
    }

    @Test
    void submitPaths() {
        APIGatewayV2HTTPResponse accepted = exchange(post("/qa", body(CONTEXT, "Who wrote Hamlet?", 3), Map.of()));
        assertEquals(202, accepted.getStatusCode());
        Map<String, String> key = Map.of("idempotency-key", "order-7f3a", "x-correlation-id", "trace-42");
        assertEquals(202, exchange(post("/qa", body(CONTEXT, "Who?", null), key)).getStatusCode());
        APIGatewayV2HTTPResponse replay = exchange(post("/qa", body(CONTEXT, "Who?", null), key));
        assertEquals("true", replay.getHeaders().get("Idempotent-Replayed"));
        assertEquals(422, exchange(post("/qa", body(CONTEXT, "Who else?", null), key)).getStatusCode());
        assertEquals(400, exchange(post("/qa", body(CONTEXT, "Who?", null), Map.of("idempotency-key", "bad key"))).getStatusCode());
        APIGatewayV2HTTPEvent base64 = post("/qa", "%%%not base64", Map.of());
        base64.setIsBase64Encoded(true);
        assertEquals(400, exchange(base64).getStatusCode());
        assertEquals(404, exchange(event("GET", "/nope", null, Map.of())).getStatusCode());
        assertEquals(405, exchange(event("PUT", "/qa", null, Map.of())).getStatusCode());
        assertEquals(405, exchange(event("GET", "/qa/batch", null, Map.of())).getStatusCode());
        assertEquals(405, exchange(event("PUT", "/qa/abc", null, Map.of())).getStatusCode());
        assertEquals(413, exchange(post("/qa", body(CONTEXT, "q".repeat(1001), null), Map.of())).getStatusCode());

        queue.setUnavailable(true);
        assertEquals(503, exchange(post("/qa", body(CONTEXT, "Who?", null), Map.of())).getStatusCode());
        assertEquals(503, exchange(post("/qa", body(CONTEXT, "Who?", null), Map.of("idempotency-key", "k-2"))).getStatusCode());
        queue.setUnavailable(false);

        store.failNextWrite(new IllegalStateException("DynamoDB unreachable"));
        assertEquals(500, exchange(post("/qa", body(CONTEXT, "Who?", null), Map.of())).getStatusCode());
    }

    /** Several questions about one context: one id each, one message; the answer options; the limits. */
    @Test
    void manyQuestionsPaths() throws IOException {
        String many = "{\"context\": \"" + CONTEXT + "\", \"questions\": [\"Who wrote Hamlet?\", \"What is Hamlet?\"], "
                + "\"topK\": 2, \"maxAnswerLength\": 10, \"allowNoAnswer\": false}";
        APIGatewayV2HTTPResponse accepted = exchange(post("/qa", many, Map.of("idempotency-key", "many-1")));
        assertEquals(202, accepted.getStatusCode());
        assertEquals(2, JSON.readTree(accepted.getBody()).get("questions").size());
        APIGatewayV2HTTPResponse replay = exchange(post("/qa", many, Map.of("idempotency-key", "many-1")));
        assertEquals(accepted.getBody(), replay.getBody(), "the same ids");
        assertEquals(1, queue.sent().size(), "one message for both questions, sent once");
        APIGatewayV2HTTPResponse listOfOne = exchange(post("/qa",
                "{\"context\": \"" + CONTEXT + "\", \"questions\": [\"Who wrote Hamlet?\"]}", Map.of()));
        assertEquals(1, JSON.readTree(listOfOne.getBody()).get("questions").size(),
                "a request with questions, even of one, is answered with the list");
        assertEquals(null, listOfOne.getHeaders().get("Location"));
        assertEquals(413, exchange(post("/qa", "{\"context\": \"c\", \"questions\": ["
                + "\"q\",".repeat(Limits.MAX_QUESTIONS_PER_SET) + "\"q\"]}", Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa", "{\"context\": \"c\", \"question\": \"q\", \"questions\": [\"q\"]}",
                Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa", "{\"context\": \"c\", \"questions\": [\"q\", \" \"]}", Map.of()))
                .getStatusCode());
        assertEquals(400, exchange(post("/qa", "{\"context\": \"c\", \"question\": \"q\", \"maxAnswerLength\": 0}",
                Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa", "{\"context\": \"c\", \"question\": \"q\", \"allowNoAnswer\": \"no\"}",
                Map.of())).getStatusCode());
        // a body under the 256 KiB body limit whose message, with 50 ids, is over SQS's 262,144 bytes
        String cjkContext = "東".repeat(Limits.MAX_CONTEXT_CHARS);
        String cjkQuestion = "\"" + "京".repeat(940) + "\"";
        String tooBigBody = "{\"context\": \"" + cjkContext + "\", \"questions\": ["
                + String.join(",", java.util.Collections.nCopies(Limits.MAX_QUESTIONS_PER_SET, cjkQuestion)) + "]}";
        assertTrue(tooBigBody.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 256 * 1024);
        APIGatewayV2HTTPResponse tooBig = exchange(post("/qa", tooBigBody, Map.of()));
        assertEquals(413, tooBig.getStatusCode(), tooBig.getBody());
        assertEquals("MESSAGE_TOO_LARGE", errorCode(tooBig.getBody()).orElseThrow());
        APIGatewayV2HTTPResponse batchOfMany = exchange(post("/qa/batch",
                "{\"items\": [{\"context\": \"c\", \"questions\": [\"q\"]}]}", Map.of()));
        assertEquals("UNKNOWN_FIELD", JSON.readTree(batchOfMany.getBody()).at("/items/0/error/code").asText(),
                "a batch item holds one question");
    }

    @Test
    void backlogRefusalCarriesRetryAfter() {
        IngestHandler gated = handler(BacklogGate.sqs(sqsWithDepth(5_000), "http://sqs.local/q", 100));
        APIGatewayV2HTTPResponse single = exchange(gated, post("/qa", body(CONTEXT, "Who?", null), Map.of()));
        assertEquals(503, single.getStatusCode());
        assertEquals("60", single.getHeaders().get("Retry-After"));
        APIGatewayV2HTTPResponse batch = exchange(gated, post("/qa/batch", batch(2, false), Map.of()));
        assertEquals(503, batch.getStatusCode());
    }

    @Test
    void batchPaths() throws IOException {
        ObjectNode mixed = (ObjectNode) JSON.readTree(batch(3, false));
        ((ObjectNode) mixed.withArray("items").get(1)).remove("question");
        ((ObjectNode) mixed.withArray("items").get(2)).put("topK", 11);
        APIGatewayV2HTTPResponse response = exchange(post("/qa/batch", mixed.toString(), Map.of()));
        assertEquals(200, response.getStatusCode());
        assertEquals(1, JSON.readTree(response.getBody()).get("accepted").asInt());

        queue.setUnavailable(true); // stored, not queued: id + error
        assertEquals(200, exchange(post("/qa/batch", batch(2, false), Map.of())).getStatusCode());
        queue.setUnavailable(false);
        store.failNextWrite(new IllegalStateException("throttled")); // not stored: error only
        assertEquals(200, exchange(post("/qa/batch", batch(2, false), Map.of())).getStatusCode());

        assertEquals(400, exchange(post("/qa/batch", "{\"items\": [], \"x\": 1}", Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa/batch", "{}", Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa/batch", "{\"items\": {}}", Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa/batch", "{\"items\": []}", Map.of())).getStatusCode());
        assertEquals(400, exchange(post("/qa/batch", "[1]", Map.of())).getStatusCode());
        assertEquals(413, exchange(post("/qa/batch", batch(101, false), Map.of())).getStatusCode());
        assertEquals(413, exchange(post("/qa/batch", batch(100, true), Map.of())).getStatusCode());
    }

    @Test
    void statusPaths() {
        store.createPending(QaRecord.pending("pending-1", "Who wrote Hamlet?", 1, "c", CLOCK.instant()));
        store.createPending(QaRecord.pending("done-1", "Who wrote Hamlet?", 2, "c", CLOCK.instant()));
        store.complete(new RequestStore.Completion("done-1", "Who wrote Hamlet?", 2, "c"),
                List.of(new Answer("William Shakespeare", 32, 51, 0.91), new Answer("Shakespeare", 40, 51, 0.05)));
        store.createPending(QaRecord.pending("scored-1", "Who wrote Hamlet?", 1, "c", CLOCK.instant()));
        store.complete(new RequestStore.Completion("scored-1", "Who wrote Hamlet?", 1, "c"),
                List.of(new Answer("William Shakespeare", 32, 51, 0.91)), 0.002, new ModelInfo("minilm-squad1", "bf16"));
        store.createPending(QaRecord.pending("none-1", "Who?", 1, "c", CLOCK.instant()));
        store.complete(new RequestStore.Completion("none-1", "Who?", 1, "c"), List.of());
        store.fail(new RequestStore.Completion("failed-1", null, 1, "c"), new ErrorInfo("MISSING_FIELD", "'question' is required"));
        for (String id : List.of("pending-1", "done-1", "scored-1", "none-1", "failed-1")) {
            assertEquals(200, exchange(event("GET", "/qa/" + id, null, Map.of())).getStatusCode(), id);
        }
        assertEquals(404, exchange(event("GET", "/qa/unknown-1", null, Map.of())).getStatusCode());
        assertEquals(400, exchange(event("GET", "/qa/" + "x".repeat(65), null, Map.of())).getStatusCode());
    }

    /** {@code DELETE /qa/{id}}: 204 (also repeated), then GET shows CANCELLED or answers 404; 404 and 400. */
    @Test
    void deletePaths() {
        store.createPending(QaRecord.pending("pending-3", "Who wrote Hamlet?", 1, "c", CLOCK.instant()));
        store.complete(new RequestStore.Completion("done-3", "Who wrote Hamlet?", 1, "c"),
                List.of(new Answer("William Shakespeare", 32, 51, 0.91)));
        store.fail(new RequestStore.Completion("failed-3", "Who?", 1, "c"), new ErrorInfo("INFERENCE_ERROR", "no"));
        for (String id : List.of("pending-3", "done-3", "failed-3")) {
            assertEquals(204, exchange(event("DELETE", "/qa/" + id, null, Map.of())).getStatusCode(), id);
            assertEquals(204, exchange(event("DELETE", "/qa/" + id, null, Map.of())).getStatusCode(), "repeated " + id);
        }
        APIGatewayV2HTTPResponse cancelled = exchange(event("GET", "/qa/pending-3", null, Map.of()));
        assertEquals(200, cancelled.getStatusCode());
        assertTrue(cancelled.getBody().contains("\"status\":\"CANCELLED\""), cancelled.getBody());
        assertEquals(404, exchange(event("GET", "/qa/done-3", null, Map.of())).getStatusCode());
        assertEquals(404, exchange(event("GET", "/qa/failed-3", null, Map.of())).getStatusCode());
        assertEquals(404, exchange(event("DELETE", "/qa/unknown-3", null, Map.of())).getStatusCode());
        assertEquals(400, exchange(event("DELETE", "/qa/" + "x".repeat(65), null, Map.of())).getStatusCode());
        // an idempotent replay: of a CANCELLED question 202 CANCELLED, of a deleted one 404
        Map<String, String> key = Map.of("idempotency-key", "delete-me-1");
        String id = exchange(post("/qa", body(CONTEXT, "Who?", null), key)).getHeaders().get("Location").substring(4);
        assertEquals(204, exchange(event("DELETE", "/qa/" + id, null, Map.of())).getStatusCode());
        assertEquals(202, exchange(post("/qa", body(CONTEXT, "Who?", null), key)).getStatusCode());
        store.complete(new RequestStore.Completion("done-4", "Who?", 1, "c"), List.of());
        assertEquals(204, exchange(event("DELETE", "/qa/done-4", null, Map.of())).getStatusCode());
        Map<String, String> key2 = Map.of("idempotency-key", "delete-me-2");
        String id2 = exchange(post("/qa", body(CONTEXT, "Who?", null), key2)).getHeaders().get("Location").substring(4);
        store.complete(new RequestStore.Completion(id2, "Who?", 1, "c"), List.of());
        assertEquals(204, exchange(event("DELETE", "/qa/" + id2, null, Map.of())).getStatusCode());
        assertEquals(404, exchange(post("/qa", body(CONTEXT, "Who?", null), key2)).getStatusCode());
        // a 204 with a body drifts from the contract
        assertFalse(contract.checkResponse("DELETE", "/qa/pending-3", 204, Map.of(), "{}").isEmpty());
    }

    /** {@code ?wait=}: a held PENDING record still carries Retry-After; a bad value is INVALID_WAIT. */
    @Test
    void waitPaths() {
        store.createPending(QaRecord.pending("pending-2", "Who wrote Hamlet?", 1, "c", CLOCK.instant()));
        APIGatewayV2HTTPResponse held = exchange(withQuery(event("GET", "/qa/pending-2", null, Map.of()), "wait", "1"));
        assertEquals(200, held.getStatusCode());
        assertEquals("2", held.getHeaders().get("Retry-After"), "no depth known: the documented 2 s");
        for (String bad : List.of("16", "1.5", "x")) {
            assertEquals(400, exchange(withQuery(event("GET", "/qa/pending-2", null, Map.of()), "wait", bad)).getStatusCode());
        }
        assertEquals(202, exchange(post("/qa", body(CONTEXT, "Who wrote Hamlet?", null), Map.of())).getStatusCode());
    }

    private static APIGatewayV2HTTPEvent withQuery(APIGatewayV2HTTPEvent event, String name, String value) {
        event.setQueryStringParameters(Map.of(name, value));
        event.setRawQueryString(name + "=" + value);
        return event;
    }

    /** The proof that the checks bite: responses that drift from the contract in small ways are all caught. */
    @Test
    void driftedResponsesFail() throws IOException {
        store.createPending(QaRecord.pending("done-2", "Who wrote Hamlet?", 1, "c", CLOCK.instant()));
        store.complete(new RequestStore.Completion("done-2", "Who wrote Hamlet?", 1, "c"),
                List.of(new Answer("William Shakespeare", 32, 51, 0.91)), 0.01, new ModelInfo("minilm-squad1", "fp32"));
        APIGatewayV2HTTPResponse good = handler.handleRequest(event("GET", "/qa/done-2", null, Map.of()), null);
        Map<String, String> headers = good.getHeaders();
        assertEquals(List.of(), contract.checkResponse("GET", "/qa/done-2", 200, headers, good.getBody()));

        ObjectNode body = (ObjectNode) JSON.readTree(good.getBody());
        List<String> drifts = new ArrayList<>();
        drifts.add(copy(body, b -> b.remove("completedAt")));                       // a required field missing
        drifts.add(copy(body, b -> b.put("status", "ANSWERED")));                  // an undocumented status
        drifts.add(copy(body, b -> ((ObjectNode) b.get("answer")).put("start", "32"))); // offset as a string
        drifts.add(copy(body, b -> b.put("modelName", "minilm")));                 // an undocumented field
        drifts.add(copy(body, b -> b.put("model", "minilm")));                     // model as a string, not {name, variant}
        drifts.add(copy(body, b -> b.put("noAnswerScore", -0.1)));                 // a score below 0
        drifts.add(copy(body, b -> ((ObjectNode) b.get("answer")).put("score", 1.5))); // score out of [0, 1]
        drifts.add(copy(body, b -> b.put("createdAt", "yesterday")));              // not a date-time
        for (String drifted : drifts) {
            List<String> problems = contract.checkResponse("GET", "/qa/done-2", 200, headers, drifted);
            assertFalse(problems.isEmpty(), "a drifted response passed: " + drifted);
            System.out.println("contract: drifted response rejected as expected: " + problems);
        }
        // headers drift too: a 202 whose Location is not a record's, a 503 backlog with a non-numeric Retry-After,
        // an undocumented header
        String accepted = "{\"id\":\"abc\",\"status\":\"PENDING\"}";
        assertFalse(contract.checkResponse("POST", "/qa", 202,
                Map.of("Content-Type", "application/json", "Location", "/elsewhere/abc"), accepted).isEmpty());
        // a body of neither shape: one question's id and the list of several
        assertFalse(contract.checkResponse("POST", "/qa", 202, Map.of("Content-Type", "application/json"),
                "{\"id\":\"abc\",\"status\":\"PENDING\",\"questions\":[]}").isEmpty());
        String backlog = "{\"error\":{\"code\":\"QUEUE_BACKLOG\",\"message\":\"m\"}}";
        assertFalse(contract.checkResponse("POST", "/qa", 503,
                Map.of("Content-Type", "application/json", "Retry-After", "soon"), backlog).isEmpty());
        assertFalse(contract.checkResponse("GET", "/qa/abc", 200,
                merge(headers, Map.of("X-Model", "minilm")), good.getBody()).isEmpty());
        // an undocumented status and an unknown error code
        assertFalse(contract.checkResponse("GET", "/qa/abc", 418, headers, good.getBody()).isEmpty());
        assertFalse(contract.checkResponse("GET", "/qa/abc", 404, headers,
                "{\"error\":{\"code\":\"GONE\",\"message\":\"m\"}}").isEmpty());
    }

    // ------------------------------------------------------------------ the exchange and its checks

    private APIGatewayV2HTTPResponse exchange(APIGatewayV2HTTPEvent event) {
        return exchange(handler, event);
    }

    private APIGatewayV2HTTPResponse exchange(IngestHandler target, APIGatewayV2HTTPEvent event) {
        String method = event.getRequestContext().getHttp().getMethod();
        String path = event.getRawPath();
        APIGatewayV2HTTPResponse response = target.handleRequest(event, null);
        int status = response.getStatusCode();
        List<String> problems = contract.checkResponse(method, path, status, response.getHeaders(), response.getBody());
        assertEquals(List.of(), problems, method + " " + path + " -> " + status + " " + response.getBody());
        responsesChecked++;
        statusCodes.add(method + " " + (path.startsWith("/qa/") && !path.equals("/qa/batch") ? "/qa/{id}" : path) + " " + status);
        errorCode(response.getBody()).ifPresent(errorCodes::add);
        checkRequestBody(method, path, event, status, response);
        return response;
    }

    /** Accepted bodies must match the request schema; bodies rejected for a field the schema can express must not. */
    private void checkRequestBody(String method, String path, APIGatewayV2HTTPEvent event, int status,
            APIGatewayV2HTTPResponse response) {
        if (!method.equals("POST") || contract.operation(method, path) == null || event.getBody() == null
                || event.getIsBase64Encoded()) return;
        String code = errorCode(response.getBody()).orElse(null);
        if (status == 202 || (status == 200 && !response.getBody().contains("\"error\""))) {
            assertEquals(List.of(), contract.checkRequestBody(method, path, event.getBody()), "accepted body " + path);
        } else if (status == 400 || status == 413) {
            if (!SCHEMA_EXPRESSIBLE.contains(code)) return;
            assertFalse(contract.checkRequestBody(method, path, event.getBody()).isEmpty(),
                    "the handler rejects with " + code + " a body the request schema accepts");
        } else {
            return;
        }
        requestBodiesChecked++;
    }

    private static java.util.Optional<String> errorCode(String body) {
        try {
            JsonNode code = JSON.readTree(body).path("error").path("code");
            return code.isTextual() ? java.util.Optional.of(code.textValue()) : java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    // ------------------------------------------------------------------ generated events

    private static APIGatewayV2HTTPEvent post(String path, String body, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("content-type", "application/json");
        return event("POST", path, body, all);
    }

    private static APIGatewayV2HTTPEvent event(String method, String path, String body, Map<String, String> headers) {
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(path)
                .withRawQueryString("")
                .withHeaders(new HashMap<>(headers))
                .withBody(body)
                .withIsBase64Encoded(false)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("req-" + path.hashCode())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .build();
    }

    private static String body(String context, String question, Integer topK) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("context", context);
        body.put("question", question);
        if (topK != null) body.put("topK", topK);
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} items; {@code huge}: each context of 80 KB (UTF-8), so that the body exceeds 5 MiB. */
    private static String batch(int n, boolean huge) {
        ObjectNode root = JSON.createObjectNode();
        var items = root.putArray("items");
        for (int i = 0; i < n; i++) {
            items.addObject().put("context", huge ? "é".repeat(39_990) + " end" : CONTEXT).put("question", "Who wrote it " + i + "?");
        }
        return root.toString();
    }

    private static String copy(ObjectNode body, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode copy = body.deepCopy();
        change.accept(copy);
        return copy.toString();
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new HashMap<>(a);
        all.putAll(b);
        return all;
    }

    /** An SQS client whose queue always reports {@code depth} messages waiting: all the backlog gate reads. */
    static SqsClient sqsWithDepth(long depth) {
        return (SqsClient) Proxy.newProxyInstance(SqsClient.class.getClassLoader(), new Class<?>[] {SqsClient.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getQueueAttributes" -> GetQueueAttributesResponse.builder()
                            .attributes(Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, Long.toString(depth)))
                            .build();
                    case "close" -> null;
                    case "serviceName" -> "sqs";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
