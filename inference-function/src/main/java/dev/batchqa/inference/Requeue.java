package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * Gives postponed messages back to the queue at once. A message reported in {@code batchItemFailures} only comes
 * back when its visibility timeout ends (six function timeouts, by AWS's advice), which is right for a failure but
 * wastes a quarter of an hour on a message this invocation merely had no time for: another invocation can take it
 * now.
 */
public interface Requeue {

    /** Best effort: a message that cannot be released comes back after its visibility timeout anyway. */
    void now(List<SQSEvent.SQSMessage> messages);

    /** Leaves postponed messages to their visibility timeout. */
    Requeue NONE = messages -> {};

    /**
     * {@code ChangeMessageVisibilityBatch} to 0 on the queue, ten messages a request.
     *
     * @param sqs made on first use: most invocations postpone nothing, and init stays shorter without it
     */
    static Requeue sqs(Supplier<SqsClient> sqs, String queueUrl) {
        Logger log = LoggerFactory.getLogger(Requeue.class);
        return new Requeue() {
            private volatile SqsClient client;

            @Override
            public void now(List<SQSEvent.SQSMessage> messages) {
                try {
                    if (client == null) client = sqs.get();
                    for (int i = 0; i < messages.size(); i += 10) {
                        List<ChangeMessageVisibilityBatchRequestEntry> entries = messages.subList(i,
                                Math.min(messages.size(), i + 10)).stream()
                                .map(m -> ChangeMessageVisibilityBatchRequestEntry.builder().id(m.getMessageId())
                                        .receiptHandle(m.getReceiptHandle()).visibilityTimeout(0).build())
                                .toList();
                        var response = client.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
                        if (response.hasFailed() && !response.failed().isEmpty()) {
                            log.atWarn().addKeyValue("failed", response.failed().size())
                                    .log("some postponed messages keep their visibility timeout");
                        }
                    }
                } catch (RuntimeException e) {
                    log.warn("releasing postponed messages failed; they come back after their visibility timeout", e);
                }
            }
        };
    }
}
