package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.util.Map;
import java.util.UUID;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the request paths once before SnapStart takes its snapshot, so that the snapshot already holds the
 * loaded and initialised classes of Jackson, the validator and the DynamoDB client (marshalling, signing, HTTP):
 * a restored function then answers its first request without that work. The priming request is a
 * {@code GET /qa/{random id}} (one GetItem that finds nothing) and the parsing of a sample body; nothing is
 * written. Outside SnapStart (tests, the local runner) {@code beforeCheckpoint} is never called.
 */
final class SnapStartPriming implements Resource {
    private static final Logger log = LoggerFactory.getLogger(SnapStartPriming.class);

    private final IngestApi api;

    SnapStartPriming(IngestApi api) {
        this.api = api;
    }

    /** Registers the priming hook; the CRaC context holds it strongly for the life of the runtime. */
    static void register(IngestApi api) {
        Core.getGlobalContext().register(new SnapStartPriming(api));
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            api.handleUnmetered(event("GET", "/qa/" + UUID.randomUUID(), null));
            // parsed and validated, then rejected as an unknown field: nothing is stored or queued
            api.handleUnmetered(event("POST", "/qa", "{\"context\": \"c\", \"question\": \"q?\", \"topK\": 1, \"priming\": true}"));
        } catch (RuntimeException e) {
            log.warn("priming before the snapshot failed; the function still works, only colder", e);
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to refresh: the SDK client opens connections per request after restore
    }

    static APIGatewayV2HTTPEvent event(String method, String path, String body) {
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRawPath(path)
                .withHeaders(Map.of("content-type", "application/json"))
                .withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("snapstart-priming")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .build();
    }
}
