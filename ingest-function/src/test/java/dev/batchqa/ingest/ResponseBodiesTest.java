package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * The exact text of the bodies built from typed records: field names, their order, and which fields are omitted
 * rather than null. The contract tests check the shape against openapi.yaml; this pins the bytes, so a new record
 * component or a lost {@code @JsonInclude} shows up here first. Generated ids are replaced by {@code <id>}.
 */
class ResponseBodiesTest {
    private static final String ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final String BATCH = """
            {"items": [{"context": "c", "question": "q?"}, {"context": "c"}, {"context": "c", "question": "q?", "topK": 2}]}""";

    private final InMemoryRequestStore store = new InMemoryRequestStore();
    private final InMemoryRequestQueue queue = new InMemoryRequestQueue();
    private final IngestApi api = new IngestApi(store, new InMemoryIdempotencyStore(), queue,
            new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC());

    @Test
    void acceptedIsIdThenStatus() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-idempotent.json");
        assertEquals("{\"id\":\"<id>\",\"status\":\"PENDING\"}", body(api.handle(event)));
    }

    @Test
    void batchItemsOmitWhatTheyDoNotHave() {
        assertEquals("{\"accepted\":2,\"rejected\":1,\"items\":["
                + "{\"index\":0,\"id\":\"<id>\",\"status\":\"PENDING\"},"
                + "{\"index\":1,\"error\":{\"code\":\"MISSING_FIELD\",\"message\":\"'question' is required\",\"field\":\"items[1].question\"}},"
                + "{\"index\":2,\"id\":\"<id>\",\"status\":\"PENDING\"}]}",
                body(api.handle(batch())));
    }

    @Test
    void anUnqueuedBatchItemKeepsItsIdAndLosesItsStatus() {
        queue.setUnavailable(true);
        String unqueued = "\"error\":{\"code\":\"QUEUE_UNAVAILABLE\",\"message\":\"the question could not be queued; try again later\"}";
        assertEquals("{\"accepted\":0,\"rejected\":3,\"items\":["
                + "{\"index\":0,\"id\":\"<id>\"," + unqueued + "},"
                + "{\"index\":1,\"error\":{\"code\":\"MISSING_FIELD\",\"message\":\"'question' is required\",\"field\":\"items[1].question\"}},"
                + "{\"index\":2,\"id\":\"<id>\"," + unqueued + "}]}",
                body(api.handle(batch())));
    }

    @Test
    void anUnstoredBatchItemHasNoId() {
        store.failNextWrite(new IllegalStateException("ProvisionedThroughputExceeded"));
        String body = body(api.handle(batch()));
        assertEquals("{\"index\":0,\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"the question could not be stored; try again later\"}}",
                body.substring(body.indexOf("{\"index\":0"), body.indexOf(",{\"index\":1")));
    }

    @Test
    void anErrorAboutNoFieldOmitsField() {
        APIGatewayV2HTTPEvent event = batch();
        event.setRawPath("/nowhere");
        assertEquals("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no route for POST /nowhere\"}}", body(api.handle(event)));
    }

    private static APIGatewayV2HTTPEvent batch() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");
        event.setBody(BATCH);
        event.setIsBase64Encoded(false);
        return event;
    }

    private static String body(APIGatewayV2HTTPResponse response) {
        return response.getBody().replaceAll(ID, "<id>");
    }
}
