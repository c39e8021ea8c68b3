package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Idempotency-Key on POST /qa, and POST /qa/batch. */
class IdempotencyAndBatchTest {
    private final InMemoryRequestStore store = new InMemoryRequestStore();
    private final InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
    private final InMemoryRequestQueue queue = new InMemoryRequestQueue();
    private final IngestHandler handler = new IngestHandler(new IngestApi(store, keys, queue,
            new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC()));

    @Test
    void sameKeyAndBodyReturnTheSameIdAndQueueOnce() throws Exception {
        APIGatewayV2HTTPResponse first = handler.handleRequest(idempotent(), null);
        APIGatewayV2HTTPResponse second = handler.handleRequest(idempotent(), null);

        assertEquals(202, first.getStatusCode());
        assertEquals(202, second.getStatusCode());
        assertEquals(id(first), id(second));
        assertNull(first.getHeaders().get("Idempotent-Replayed"));
        assertEquals("true", second.getHeaders().get("Idempotent-Replayed"));
        assertEquals(1, store.records().size());
    }

    @Test
    void replayOfAQueuedRequestQueuesNothingMore() throws Exception {
        handler.handleRequest(idempotent(), null);
        handler.handleRequest(idempotent(), null);
        assertEquals(1, queue.sent().size());
    }

    @Test
    void replayAfterAFirstAttemptThatDiedBeforeQueueingQueuesIt() throws Exception {
        // the first attempt claimed the key and stored the record, then its Lambda died before SendMessage
        String id = "3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102";
        APIGatewayV2HTTPEvent event = idempotent();
        QuestionSet input = claimedByAFirstAttempt(event, id);
        store.createPending(dev.batchqa.shared.model.QaRecord.pending(id, input.first().text(), 1, "c", java.time.Instant.now()));

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(202, response.getStatusCode());
        assertEquals(id, id(response));
        assertEquals(List.of(id), queue.sent().stream().map(m -> m.first().id()).toList(), "queued by the replay");
        assertTrue(store.find(id).orElseThrow().queued());
        handler.handleRequest(idempotent(), null);
        assertEquals(1, queue.sent().size(), "and only once");
    }

    @Test
    void replayThatCannotQueueIs503() throws Exception {
        APIGatewayV2HTTPEvent event = idempotent();
        claimedByAFirstAttempt(event, "3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102");
        queue.setUnavailable(true);

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(503, response.getStatusCode());
        assertEquals("QUEUE_UNAVAILABLE", error(response).get("code").asText());
    }

    @Test
    void replayReportsTheRecordsStatusNow() throws Exception {
        String id = id(handler.handleRequest(idempotent(), null));
        store.complete(new dev.batchqa.shared.store.RequestStore.Completion(id, null, 1, null), List.of());

        APIGatewayV2HTTPResponse replay = handler.handleRequest(idempotent(), null);

        assertEquals("DONE", Json.MAPPER.readTree(replay.getBody()).get("status").asText());
    }

    @Test
    void aBatchItemThatCannotBeStoredFailsAloneAndLeavesNothingBehind() throws Exception {
        store.failNextWrite(new IllegalStateException("ProvisionedThroughputExceeded"));
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode());
        JsonNode items = Json.MAPPER.readTree(response.getBody()).get("items");
        assertEquals("INTERNAL_ERROR", items.get(0).get("error").get("code").asText());
        assertEquals("PENDING", items.get(2).get("status").asText());
        assertEquals(1, queue.sent().size());
        assertEquals(1, store.records().size());
    }

    @Test
    void sameKeyWithAnotherBodyIs422() throws Exception {
        handler.handleRequest(idempotent(), null);
        APIGatewayV2HTTPEvent other = idempotent();
        other.setBody(other.getBody().replace("Squadv2", "GLUE"));

        APIGatewayV2HTTPResponse response = handler.handleRequest(other, null);

        assertEquals(422, response.getStatusCode());
        assertEquals("IDEMPOTENCY_KEY_REUSED", error(response).get("code").asText());
        assertEquals("Idempotency-Key", error(response).get("field").asText());
    }

    @Test
    void keysArePerCaller() throws Exception {
        APIGatewayV2HTTPResponse qaClient = handler.handleRequest(idempotent(), null);
        for (String other : List.of("arn:aws:sts::123456789012:assumed-role/reporting/alice",
                "arn:aws:sts::210987654321:assumed-role/qa-client/alice", "arn:aws:iam::123456789012:user/alice")) {
            APIGatewayV2HTTPEvent event = idempotent();
            event.getRequestContext().getAuthorizer().getIam().setUserArn(other);

            APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

            assertEquals(202, response.getStatusCode());
            assertNotEquals(id(qaClient), id(response), other);
        }
    }

    /**
     * A client retries after its credentials were refreshed: the assumed role's session name is new (SDKs name a
     * session per refresh), the principal is the same. The retry must find its key, not create a second question.
     */
    @Test
    void aKeySurvivesACredentialRefresh() throws Exception {
        APIGatewayV2HTTPResponse first = handler.handleRequest(idempotent(), null);
        APIGatewayV2HTTPEvent refreshed = idempotent();
        var iam = refreshed.getRequestContext().getAuthorizer().getIam();
        iam.setUserArn("arn:aws:sts::123456789012:assumed-role/qa-client/botocore-session-1795691730");
        iam.setCallerId("AROAEXAMPLE:botocore-session-1795691730");
        iam.setUserId("AROAEXAMPLE:botocore-session-1795691730");
        iam.setAccessKey("ASIAREFRESHED");

        APIGatewayV2HTTPResponse retry = handler.handleRequest(refreshed, null);

        assertEquals(202, retry.getStatusCode());
        assertEquals(id(first), id(retry), "the same question");
        assertEquals("true", retry.getHeaders().get("Idempotent-Replayed"));
        assertEquals(1, store.records().size());
        assertEquals("iam:arn:aws:sts::123456789012:assumed-role/qa-client", SubmitQuestion.caller(refreshed));
        assertEquals("iam:arn:aws:iam::123456789012:user/alice", SubmitQuestion.caller(withArn("arn:aws:iam::123456789012:user/alice")));
        assertEquals("iam:arn:aws-us-gov:sts::123456789012:assumed-role/qa-client",
                SubmitQuestion.caller(withArn("arn:aws-us-gov:sts::123456789012:assumed-role/qa-client/s-1")));
    }

    private static APIGatewayV2HTTPEvent withArn(String arn) {
        APIGatewayV2HTTPEvent event = idempotent();
        event.getRequestContext().getAuthorizer().getIam().setUserArn(arn);
        return event;
    }

    @Test
    void malformedKeyIs400() throws Exception {
        APIGatewayV2HTTPEvent event = idempotent();
        event.getHeaders().put("idempotency-key", "with space");
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        assertEquals(400, response.getStatusCode());
        assertEquals("INVALID_IDEMPOTENCY_KEY", error(response).get("code").asText());
    }

    @Test
    void aKeyWhoseRequestCouldNotBeQueuedIsQueuedByTheRetry() throws Exception {
        queue.setUnavailable(true);
        APIGatewayV2HTTPResponse refused = handler.handleRequest(idempotent(), null);
        assertEquals(503, refused.getStatusCode());
        assertEquals("QUEUE_UNAVAILABLE", error(refused).get("code").asText());
        String id = store.records().keySet().iterator().next();
        assertEquals(QaStatus.PENDING, store.find(id).orElseThrow().status(), "left PENDING for the retry, not FAILED");
        queue.setUnavailable(false);

        APIGatewayV2HTTPResponse retry = handler.handleRequest(idempotent(), null);

        assertEquals(202, retry.getStatusCode());
        assertEquals(id, id(retry), "the key stays bound to the request it started");
        assertEquals(List.of(id), queue.sent().stream().map(m -> m.first().id()).toList());
        assertTrue(store.find(id).orElseThrow().queued());
        assertEquals(1, store.records().size());
    }

    @Test
    void withoutAKeyAQuestionThatCannotBeQueuedEndsFailed() throws Exception {
        queue.setUnavailable(true);
        APIGatewayV2HTTPEvent event = idempotent();
        event.getHeaders().remove("idempotency-key");

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(503, response.getStatusCode());
        assertEquals("QUEUE_UNAVAILABLE", error(response).get("code").asText());
        assertEquals(QaStatus.FAILED, store.records().values().iterator().next().status(), "nobody could retry it");
    }

    @Test
    void batchAnswersEveryItemWithAnIdOrAnError() throws Exception {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode body = Json.MAPPER.readTree(response.getBody());
        assertEquals(2, body.get("accepted").asInt());
        assertEquals(2, body.get("rejected").asInt());
        JsonNode items = body.get("items");
        assertEquals("PENDING", items.get(0).get("status").asText());
        assertEquals("MISSING_FIELD", items.get(1).get("error").get("code").asText());
        assertEquals("items[1].question", items.get(1).get("error").get("field").asText());
        assertEquals(2, queue.sent().stream().filter(m -> m.first().id().equals(items.get(2).get("id").asText())).findFirst()
                .orElseThrow().options().topK());
        assertEquals("UNKNOWN_FIELD", items.get(3).get("error").get("code").asText());
        assertEquals("items[3].extra", items.get(3).get("error").get("field").asText());
        assertEquals(2, queue.sent().size());
        assertEquals(2, store.records().size(), "rejected items leave nothing behind");
    }

    @Test
    void batchOverTheItemLimitIs413() throws Exception {
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i <= SubmitBatch.MAX_ITEMS; i++) items.add(Map.of("context", "c", "question", "q?"));
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");
        event.setBody(Json.MAPPER.writeValueAsString(Map.of("items", items)));

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(413, response.getStatusCode());
        assertEquals("TOO_MANY_ITEMS", error(response).get("code").asText());
        assertTrue(queue.sent().isEmpty());
    }

    @Test
    void batchWhoseQueueFailsMarksItsItemsFailed() throws Exception {
        queue.setUnavailable(true);
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");

        JsonNode body = Json.MAPPER.readTree(handler.handleRequest(event, null).getBody());

        assertEquals(0, body.get("accepted").asInt());
        assertEquals("QUEUE_UNAVAILABLE", body.get("items").get(0).get("error").get("code").asText());
        assertTrue(store.records().values().stream().allMatch(r -> r.status() == QaStatus.FAILED));
    }

    /** The state a first attempt leaves when it claimed the event's key for {@code id} and then died. */
    private QuestionSet claimedByAFirstAttempt(APIGatewayV2HTTPEvent event, String id) throws Exception {
        QuestionSet input = QuestionReader.request(Json.MAPPER.readTree(event.getBody()), "",
                new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), true);
        keys.claim(Digests.sha256(SubmitQuestion.caller(event) + "\n" + event.getHeaders().get("idempotency-key")), id,
                SubmitQuestion.sha256(input));
        return input;
    }

    private static APIGatewayV2HTTPEvent idempotent() {
        return EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json");
    }

    private static String id(APIGatewayV2HTTPResponse response) throws Exception {
        return Json.MAPPER.readTree(response.getBody()).get("id").asText();
    }

    private static JsonNode error(APIGatewayV2HTTPResponse response) throws Exception {
        return Json.MAPPER.readTree(response.getBody()).get("error");
    }
}
