package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;

/** Dead-lettered questions end FAILED; answers that made it before are kept. */
class DeadLetterHandlerTest {
    /** The SentTimestamp of the messages in dlq-batch.json. */
    private static final Instant SENT = Instant.ofEpochMilli(1795688130000L);
    private static final Duration TTL = Duration.ofHours(24);
    private final InMemoryRequestStore store =
            new InMemoryRequestStore(Clock.fixed(SENT.plusSeconds(600), ZoneOffset.UTC), TTL);
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

    /**
     * A dead letter older than the result TTL may belong to a record that was completed and has expired: it must
     * not bring the id back as FAILED. A PENDING record is still failed, however old its message.
     */
    @ParameterizedTest
    @Event(value = "events/sqs/dlq-batch.json", type = SQSEvent.class)
    void aDeadLetterOlderThanTheResultTtlCreatesNoRecord(SQSEvent event) {
        InMemoryRequestStore later = new InMemoryRequestStore(Clock.fixed(SENT.plus(TTL).plusSeconds(1), ZoneOffset.UTC), TTL);
        later.createPending(QaRecord.pending("throttled-7", "Which score?", 1, null, SENT));

        SQSBatchResponse response = new DeadLetterHandler(later).handleRequest(event, null);

        assertEquals(List.of(), response.getBatchItemFailures(), "nothing to retry: refused, not failed");
        assertEquals("RETRIES_EXHAUSTED", later.find("throttled-7").orElseThrow().error().code());
        assertEquals(java.util.Optional.empty(), later.find("9b2f4c1a-0000-4000-8000-00000000dead"));
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
