package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code DELETE /qa/{id}} through the router, from a recorded API Gateway event. */
class DeleteQuestionTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:15:30Z"), ZoneOffset.UTC);
    private static final String ID = "3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102";

    private final InMemoryRequestStore store = new InMemoryRequestStore(CLOCK);
    private final IngestHandler handler = new IngestHandler(new IngestApi(store, new InMemoryIdempotencyStore(),
            new InMemoryRequestQueue(), new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), CLOCK));

    @Test
    void aPendingQuestionIsCancelledWithoutItsTextAndARepeatAnswersTheSame() throws Exception {
        store.createPending(QaRecord.pending(ID, "Who wrote Hamlet?", 1, "c-1", CLOCK.instant()));

        APIGatewayV2HTTPResponse first = handler.handleRequest(delete(), null);
        assertEquals(204, first.getStatusCode());
        assertNull(first.getBody());
        assertEquals("no-store", first.getHeaders().get("Cache-Control"));

        APIGatewayV2HTTPResponse get = handler.handleRequest(get(), null);
        assertEquals(200, get.getStatusCode());
        JsonNode body = Json.MAPPER.readTree(get.getBody());
        assertEquals("CANCELLED", body.get("status").asText());
        assertTrue(body.get("question").isNull(), get.getBody());
        assertFalse(get.getBody().contains("Hamlet"));
        assertEquals("2026-11-26T10:15:30Z", body.get("completedAt").asText());
        assertNull(get.getHeaders().get("Retry-After"), "nothing to wait for");

        assertEquals(204, handler.handleRequest(delete(), null).getStatusCode(), "idempotent");
        assertEquals(QaStatus.CANCELLED, store.find(ID).orElseThrow().status(), "a repeat leaves it CANCELLED");
        assertFalse(store.complete(new Completion(ID, "Who wrote Hamlet?", 1, "c-1"), List.of()),
                "a late answer is refused");
    }

    @Test
    void aDoneOrFailedQuestionBecomesATombstoneAndGetAnswers404() throws Exception {
        for (boolean done : List.of(true, false)) {
            InMemoryRequestStore store = new InMemoryRequestStore(CLOCK);
            IngestHandler handler = new IngestHandler(new IngestApi(store, new InMemoryIdempotencyStore(),
                    new InMemoryRequestQueue(), new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), CLOCK));
            Completion c = new Completion(ID, "Who wrote Hamlet?", 1, "c-1");
            if (done) store.complete(c, List.of(new Answer("Shakespeare", 0, 11, 0.9)));
            else store.fail(c, new ErrorInfo("INFERENCE_ERROR", "no"));

            assertEquals(204, handler.handleRequest(delete(), null).getStatusCode());
            assertError(handler.handleRequest(get(), null), 404, "NOT_FOUND");
            assertEquals(204, handler.handleRequest(delete(), null).getStatusCode(), "idempotent");
            QaRecord tombstone = store.find(ID).orElseThrow();
            assertEquals(new QaRecord(ID, QaStatus.DELETED, null, 1, List.of(), null, null, null, null, null, null, false), tombstone);
        }
    }

    @Test
    void anIdempotentReplayOfADeletedQuestionIs404AndOfACancelledOneSaysCancelled() throws Exception {
        APIGatewayV2HTTPEvent post = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json");
        String id = Json.MAPPER.readTree(handler.handleRequest(post, null).getBody()).get("id").asText();
        APIGatewayV2HTTPEvent delete = delete();
        delete.setRawPath("/qa/" + id);
        assertEquals(204, handler.handleRequest(delete, null).getStatusCode());

        APIGatewayV2HTTPResponse cancelled = handler.handleRequest(
                EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json"), null);
        assertEquals(202, cancelled.getStatusCode());
        assertEquals("CANCELLED", Json.MAPPER.readTree(cancelled.getBody()).get("status").asText());
        assertNull(cancelled.getHeaders().get("Retry-After"));

        assertEquals(204, handler.handleRequest(delete, null).getStatusCode(), "CANCELLED stays CANCELLED");
        // a DONE record deleted: the replay finds the tombstone
        InMemoryRequestStore other = new InMemoryRequestStore(CLOCK);
        IngestHandler h = new IngestHandler(new IngestApi(other, new InMemoryIdempotencyStore(),
                new InMemoryRequestQueue(), new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), CLOCK));
        String doneId = Json.MAPPER.readTree(h.handleRequest(
                EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json"), null).getBody()).get("id").asText();
        assertTrue(other.complete(new Completion(doneId, other.find(doneId).orElseThrow().question(), 1, null), List.of()));
        APIGatewayV2HTTPEvent deleteDone = delete();
        deleteDone.setRawPath("/qa/" + doneId);
        assertEquals(204, h.handleRequest(deleteDone, null).getStatusCode());
        APIGatewayV2HTTPResponse replay = h.handleRequest(
                EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json"), null);
        assertError(replay, 404, "NOT_FOUND");
    }

    @Test
    void unknownIdIs404AndMalformedIs400() throws Exception {
        assertError(handler.handleRequest(delete(), null), 404, "NOT_FOUND");
        APIGatewayV2HTTPEvent malformed = delete();
        malformed.setRawPath("/qa/not%20an%20id");
        assertError(handler.handleRequest(malformed, null), 400, "INVALID_ID");
    }

    private static APIGatewayV2HTTPEvent delete() {
        return EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/delete-qa.json");
    }

    private static APIGatewayV2HTTPEvent get() {
        return EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/get-qa.json");
    }

    private static void assertError(APIGatewayV2HTTPResponse response, int status, String code) throws Exception {
        assertEquals(status, response.getStatusCode(), response.getBody());
        assertEquals(code, Json.MAPPER.readTree(response.getBody()).get("error").get("code").asText());
    }
}
