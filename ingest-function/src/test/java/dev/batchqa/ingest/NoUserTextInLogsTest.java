package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.testing.InMemoryIdempotencyStore;
import dev.batchqa.shared.testing.InMemoryRequestQueue;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import dev.batchqa.shared.testing.LogCapture;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Request logs carry method, route, status and ids, never the posted question or context. */
class NoUserTextInLogsTest {
    private final InMemoryRequestStore store = new InMemoryRequestStore();
    private final InMemoryRequestQueue queue = new InMemoryRequestQueue();
    private final IngestHandler handler = new IngestHandler(new IngestApi(store, new InMemoryIdempotencyStore(), queue,
            new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS), Clock.systemUTC()));

    @Test
    void acceptedRejectedAndFailedRequestsLogNoUserText() {
        try (LogCapture logs = LogCapture.capture()) {
            handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa.json"), null);
            handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/bad-input/malformed-json.json"), null);
            queue.setUnavailable(true);
            handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa.json"), null);
            APIGatewayV2HTTPEvent batch = EventLoader.loadApiGatewayHttpEvent("events/apigw-v2/post-qa-batch.json");
            handler.handleRequest(batch, null);

            assertTrue(logs.lines().stream().anyMatch(l -> l.contains("status=202")), logs.lines().toString());
            for (String line : logs.lines()) {
                for (String secret : new String[] {"Squadv2", "language representation", "83.1", "Which score"}) {
                    assertFalse(line.contains(secret), () -> "user text in a log line: " + line);
                }
            }
        }
    }
}
