package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** The HTTP contract, replayed from recorded API Gateway HTTP API (payload v2) events. */
class IngestHandlerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:15:30Z"), ZoneOffset.UTC);

    private final InMemoryRequestStore store = new InMemoryRequestStore(CLOCK);
    private final InMemoryRequestQueue queue = new InMemoryRequestQueue();
    private final IngestHandler handler = new IngestHandler(new IngestApi(store, new InMemoryIdempotencyStore(), queue,
            new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), CLOCK));

    @ParameterizedTest
    @Event(value = "events/apigw-v2/post-qa-many.json", type = APIGatewayV2HTTPEvent.class)
    void postWithQuestionsStoresOneRecordEachAndQueuesOneMessage(APIGatewayV2HTTPEvent event) throws Exception {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(202, response.getStatusCode(), response.getBody());
        assertEquals(null, response.getHeaders().get("Location"), "several records: no one Location");
        JsonNode items = Json.MAPPER.readTree(response.getBody()).get("questions");
        assertEquals(3, items.size());
        QuestionSet message = queue.sent().getFirst();
        assertEquals(1, queue.sent().size(), "one message carries the context once");
        assertEquals(new AnswerOptions(2, 12, false), message.options());
        for (int i = 0; i < 3; i++) {
            String id = items.get(i).get("id").asText();
            assertEquals("PENDING", items.get(i).get("status").asText());
            assertEquals(id, message.questions().get(i).id(), "request order");
            QaRecord record = store.find(id).orElseThrow();
            assertEquals(message.questions().get(i).text(), record.question());
            assertEquals(2, record.topK());
        }
        assertEquals(3, items.findValuesAsText("id").stream().distinct().count());
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/post-qa.json", type = APIGatewayV2HTTPEvent.class)
    void postStoresPendingAndQueuesTheQuestion(APIGatewayV2HTTPEvent event) throws Exception {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(202, response.getStatusCode());
        JsonNode body = Json.MAPPER.readTree(response.getBody());
        String id = body.get("id").asText();
        assertEquals("PENDING", body.get("status").asText());
        assertEquals("/qa/" + id, response.getHeaders().get("Location"));
        assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);

        QaRecord record = store.find(id).orElseThrow();
        assertEquals(QaStatus.PENDING, record.status());
        assertEquals("What is BERTs best score on Squadv2 ?", record.question());
        assertEquals(CLOCK.instant(), record.createdAt());

        QuestionSet message = queue.sent().getFirst();
        assertEquals(id, message.first().id());
        assertEquals(1, message.questions().size());
        assertEquals(AnswerOptions.DEFAULT, message.options());
        assertTrue(message.context().startsWith("We introduce a new language representation model"));
        assertEquals("Fv3Q1hNjDoEEJbA=", message.correlationId(), "API Gateway's request id carries on");
    }

    @Test
    void idsAreRandomAndUnique() throws Exception {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa.json");
        String first = Json.MAPPER.readTree(handler.handleRequest(event, null).getBody()).get("id").asText();
        String second = Json.MAPPER.readTree(handler.handleRequest(event, null).getBody()).get("id").asText();
        assertNotEquals(first, second);
        assertEquals(2, queue.sent().size());
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/post-qa-topk.json", type = APIGatewayV2HTTPEvent.class)
    void topKTravelsWithTheMessage(APIGatewayV2HTTPEvent event) {
        assertEquals(202, handler.handleRequest(event, null).getStatusCode());
        assertEquals(3, queue.sent().getFirst().options().topK());
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/get-qa.json", type = APIGatewayV2HTTPEvent.class)
    void getReturnsTheDoneRecord(APIGatewayV2HTTPEvent event) throws Exception {
        String id = "3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102";
        store.createPending(QaRecord.pending(id, "What is BERTs best score on Squadv2 ?", 1, "c-1", CLOCK.instant()));
        store.complete(new RequestStore.Completion(id, null, 1, null), List.of(new Answer("83.1", 310, 314, 0.87)));

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode());
        JsonNode body = Json.MAPPER.readTree(response.getBody());
        assertEquals(id, body.get("id").asText());
        assertEquals("DONE", body.get("status").asText());
        assertEquals("What is BERTs best score on Squadv2 ?", body.get("question").asText());
        assertEquals("83.1", body.get("answer").get("text").asText());
        assertEquals(310, body.get("answer").get("start").asInt());
        assertEquals(314, body.get("answer").get("end").asInt());
        assertEquals("2026-11-26T10:15:30Z", body.get("createdAt").asText());
        assertEquals("2026-11-26T10:15:30Z", body.get("completedAt").asText());
        assertFalse(response.getBody().contains("context"), "GET never echoes the context");
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/get-qa.json", type = APIGatewayV2HTTPEvent.class)
    void pendingRecordHasNullAnswer(APIGatewayV2HTTPEvent event) throws Exception {
        store.createPending(QaRecord.pending("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102", "q?", 1, null, CLOCK.instant()));
        JsonNode body = Json.MAPPER.readTree(handler.handleRequest(event, null).getBody());
        assertEquals("PENDING", body.get("status").asText());
        assertTrue(body.get("answer").isNull());
        assertTrue(body.get("completedAt").isNull());
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/get-qa.json", type = APIGatewayV2HTTPEvent.class)
    void unknownIdIs404(APIGatewayV2HTTPEvent event) throws Exception {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        assertError(response, 404, "NOT_FOUND", "id");
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/get-qa-malformed-id.json", type = APIGatewayV2HTTPEvent.class)
    void malformedIdIs400(APIGatewayV2HTTPEvent event) throws Exception {
        assertError(handler.handleRequest(event, null), 400, "INVALID_ID", "id");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvFileSource(resources = "/events/apigw-v2/bad-input-expectations.csv")
    void badInputGetsAClearErrorAndQueuesNothing(String file, int status, String code, String field) throws Exception {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/bad-input/" + file);

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertError(response, status, code, field);
        assertTrue(queue.sent().isEmpty());
        assertTrue(store.records().isEmpty());
    }

    /** The question contract shared with the SQS codec and the bulk tool (QuestionReader): same texts rejected. */
    @ParameterizedTest
    @Event(value = "events/apigw-v2/post-qa.json", type = APIGatewayV2HTTPEvent.class)
    void aFractionalTopKAndTextAfterTheObjectAreRejectedAsEverywhere(APIGatewayV2HTTPEvent event) throws Exception {
        event.setBody("{\"question\": \"Which?\", \"context\": \"Some text.\", \"topK\": 1.0}");
        assertError(handler.handleRequest(event, null), 400, "WRONG_TYPE", "topK");
        event.setBody("{\"question\": \"Which?\", \"context\": \"Some text.\"} {}");
        assertError(handler.handleRequest(event, null), 400, "MALFORMED_JSON", null);
        assertTrue(queue.sent().isEmpty());
        event.setBody("{\"question\": \"Which?\", \"context\": \"Some text.\"}\n");
        assertEquals(202, handler.handleRequest(event, null).getStatusCode(), "trailing whitespace is fine");
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/post-qa.json", type = APIGatewayV2HTTPEvent.class)
    void queueOutageIs503AndTheRecordEndsFailed(APIGatewayV2HTTPEvent event) throws Exception {
        queue.setUnavailable(true);

        assertError(handler.handleRequest(event, null), 503, "QUEUE_UNAVAILABLE", null);

        QaRecord record = store.records().values().iterator().next();
        assertEquals(QaStatus.FAILED, record.status());
        assertEquals("QUEUE_UNAVAILABLE", record.error().code());
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/post-qa.json", type = APIGatewayV2HTTPEvent.class)
    void storeOutageIs500WithoutDetails(APIGatewayV2HTTPEvent event) throws Exception {
        store.failNextWrite(new IllegalStateException("DynamoDB unreachable"));
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        assertError(response, 500, "INTERNAL_ERROR", null);
        assertFalse(response.getBody().contains("DynamoDB"));
        assertTrue(queue.sent().isEmpty());
    }

    @ParameterizedTest
    @Event(value = "events/apigw-v2/get-qa.json", type = APIGatewayV2HTTPEvent.class)
    void wrongMethodIs405(APIGatewayV2HTTPEvent event) throws Exception {
        event.getRequestContext().getHttp().setMethod("PUT");
        assertError(handler.handleRequest(event, null), 405, "METHOD_NOT_ALLOWED", null);
    }

    private static void assertError(APIGatewayV2HTTPResponse response, int status, String code, String field)
            throws Exception {
        assertEquals(status, response.getStatusCode(), response.getBody());
        assertEquals("application/json", response.getHeaders().get("Content-Type"));
        JsonNode error = Json.MAPPER.readTree(response.getBody()).get("error");
        assertEquals(code, error.get("code").asText());
        assertFalse(error.get("message").asText().isBlank());
        if (field == null || field.isEmpty()) {
            assertNull(error.get("field"));
        } else {
            assertEquals(field, error.get("field").asText());
        }
    }
}
