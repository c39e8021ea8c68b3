package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.store.RequestStore;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reads the dead-letter queue: a message lands there after maxReceiveCount failed receives, and its question
 * must then read FAILED rather than PENDING for ever. The record id is the message's {@code id} or, without a
 * usable one, its SQS message id (which SQS keeps when it moves a message to the dead-letter queue). A
 * message whose failure cannot be recorded stays in the dead-letter queue, where the depth alarm sees it.
 *
 * <p>Packaged in the ingest zip beside {@link SweeperHandler}: it needs the store and the codec, never the model, so
 * it has no place in the inference image.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);
    static final ErrorInfo RETRIES_EXHAUSTED =
            new ErrorInfo("RETRIES_EXHAUSTED", "the question could not be processed after repeated attempts");

    private final RequestStore store;

    /** Used by the Lambda runtime: configuration from the environment. */
    public DeadLetterHandler() {
        this(new DynamoDbRequestStore(AwsClients.dynamoDb(), Settings.fromEnvironment()));
    }

    public DeadLetterHandler(RequestStore store) {
        this.store = store;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            for (SQSEvent.SQSMessage message : event.getRecords() == null ? List.<SQSEvent.SQSMessage>of() : event.getRecords()) {
                List<Completion> completions = completionsOf(message);
                if (completions.isEmpty()) {
                    log.atWarn().addKeyValue("sqsMessageId", message.getMessageId())
                            .log("dead-lettered message names no question; dropped");
                }
                for (Completion completion : completions) {
                    try {
                        boolean changed = store.fail(completion, RETRIES_EXHAUSTED);
                        log.atWarn().addKeyValue("qaId", completion.id()).addKeyValue("recorded", changed)
                                .log("dead-lettered message marked FAILED");
                    } catch (RuntimeException e) {
                        log.atError().addKeyValue("qaId", completion.id()).setCause(e)
                                .log("cannot record a dead-lettered message; it stays in the dead-letter queue");
                        failures.add(SQSBatchResponse.BatchItemFailure.builder()
                                .withItemIdentifier(message.getMessageId()).build());
                        break; // the message comes back whole: its other questions are failed then
                    }
                }
            }
            return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
        } finally {
            MDC.clear();
        }
    }

    /** Whatever can be read from the body (it may be anything, since it failed before): one completion per question. */
    private static List<Completion> completionsOf(SQSEvent.SQSMessage message) {
        // a dead letter of a record completed and expired long ago must not recreate it: the store creates a
        // missing record only for a message younger than the result TTL
        var sentAt = MessageCodec.sentAt(message.getAttributes());
        return MessageCodec.bestEffortQuestions(message.getBody(), message.getMessageId()).stream()
                .map(q -> new Completion(q, 1, q.id(), sentAt))
                .toList();
    }
}
