package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.batchqa.shared.Answer;
import dev.batchqa.shared.QaRecord;
import dev.batchqa.shared.QaStatus;
import dev.batchqa.shared.RequestStore.Completion;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;

/** Dead-lettered questions end FAILED; answers that made it before are kept. */
class DeadLetterHandlerTest {
    private final InMemoryRequestStore store = new InMemoryRequestStore();
    private final DeadLetterHandler handler = new DeadLetterHandler(store);

    @ParameterizedTest
    @Event(value = "events/sqs/dlq-batch.json", type = SQSEvent.class)
    void deadLetteredQuestionsReadFailed(SQSEvent event) {
        store.createPending(QaRecord.pending("throttled-7", "Which score?", 1, null, Instant.now()));

        SQSBatchResponse response = handler.handleRequest(event, null);

        assertEquals(List.of(), response.getBatchItemFailures());
        assertEquals("RETRIES_EXHAUSTED", store.find("throttled-7").orElseThrow().error().code());
        QaRecord unreadable = store.find("9b2f4c1a-0000-4000-8000-00000000dead").orElseThrow();
        assertEquals(QaStatus.FAILED, unreadable.status(), "recorded under its SQS message id");
    }

    @ParameterizedTest
    @Event(value = "events/sqs/dlq-batch.json", type = SQSEvent.class)
    void aDoneAnswerIsNeverTurnedFailed(SQSEvent event) {
        store.complete(new Completion("throttled-7", "Which score?", 1, null), List.of(new Answer("83.1", 16, 20, 0.9)));

        handler.handleRequest(event, null);

        assertEquals(QaStatus.DONE, store.find("throttled-7").orElseThrow().status());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/dlq-batch.json", type = SQSEvent.class)
    void anUnrecordableFailureStaysInTheDeadLetterQueue(SQSEvent event) {
        store.failNextWrite(new IllegalStateException("DynamoDB unreachable"));

        SQSBatchResponse response = handler.handleRequest(event, null);

        assertEquals(List.of("9b2f4c1a-0000-4000-8000-00000000dead"),
                response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
    }
}
