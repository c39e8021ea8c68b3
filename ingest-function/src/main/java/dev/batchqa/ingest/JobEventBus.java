package dev.batchqa.ingest;

import dev.batchqa.ingest.jobs.JobEvents;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.events.CompletionEvent;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * Job events on the stack's EventBridge bus, with the question events' source.
 *
 * <pre>{@code
 * JobEvents events = JobEventBus.eventBridge(System.getenv("QA_EVENT_BUS_NAME"));
 * }</pre>
 */
final class JobEventBus {
    private JobEventBus() {}

    static JobEvents eventBridge(String busName) {
        if (busName == null || busName.isBlank()) {
            throw new IllegalStateException(CompletionEventsHandler.EVENT_BUS_ENV + " is not set");
        }
        EventBridgeClient client = AwsClients.configure(EventBridgeClient.builder(), AwsClients.Target.DEFAULT,
                AwsClients.Http.URL_CONNECTION).build();
        return event -> {
            var result = client.putEvents(r -> r.entries(e -> e.eventBusName(busName).source(CompletionEvent.SOURCE)
                    .detailType(event.detailType()).detail(event.toJson())));
            if (result.failedEntryCount() != null && result.failedEntryCount() > 0) {
                throw new IllegalStateException("PutEvents refused the job event: "
                        + result.entries().getFirst().errorCode());
            }
        };
    }
}
