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

    /**
     * Inference reads a body that names a key twice as no message at all (no id to fail) and leaves it to the
     * dead-letter queue; the dead-letter function must read it the same way: the SQS message id ends FAILED, and
     * neither id in the body is touched (a lenient parser would fail the second, someone else's question).
     */
    @org.junit.jupiter.api.Test
    void aBodyThatNamesAKeyTwiceFailsOnlyItsSqsMessageId() {
        store.createPending(QaRecord.pending("first-id", "Which score?", 1, null, SENT));
        store.createPending(QaRecord.pending("second-id", "Which model?", 1, null, SENT));
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId("7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f");
        message.setBody("{\"id\": \"first-id\", \"id\": \"second-id\", \"question\": \"Which score?\", "
                + "\"context\": \"BERT scored 83.1.\"}");
        message.setAttributes(java.util.Map.of("SentTimestamp", Long.toString(SENT.toEpochMilli())));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));

        assertEquals(List.of(), handler.handleRequest(event, null).getBatchItemFailures());

        assertEquals(QaStatus.PENDING, store.find("first-id").orElseThrow().status());
        assertEquals(QaStatus.PENDING, store.find("second-id").orElseThrow().status());
        assertEquals("RETRIES_EXHAUSTED",
                store.find("7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f").orElseThrow().error().code());
    }

    /** A schema v2 message names several questions: every one still PENDING ends FAILED, each under its own id. */
    @org.junit.jupiter.api.Test
    void aDeadLetteredVersionTwoMessageFailsEachOfItsQuestions() {
        store.createPending(QaRecord.pending("v2-a", "Which score?", 1, null, SENT));
        store.complete(new Completion("v2-b", "Which model?", 1, null), List.of(new Answer("BERT", 0, 4, 0.9)));
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId("5b1e6f0a-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
        message.setBody("{\"version\": 2, \"context\": \"BERT scored 83.1.\", \"questions\": [{\"id\": \"v2-a\", "
                + "\"question\": \"Which score?\"}, {\"id\": \"v2-b\", \"question\": \"Which model?\"}, "
                + "{\"id\": \"v2-c\", \"question\": \"Which year?\"}]}");
        message.setAttributes(java.util.Map.of("SentTimestamp", Long.toString(SENT.toEpochMilli())));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));

        assertEquals(List.of(), handler.handleRequest(event, null).getBatchItemFailures());
        assertEquals("RETRIES_EXHAUSTED", store.find("v2-a").orElseThrow().error().code());
        assertEquals(QaStatus.DONE, store.find("v2-b").orElseThrow().status(), "an answer that made it is kept");
        QaRecord created = store.find("v2-c").orElseThrow();
        assertEquals(QaStatus.FAILED, created.status(), "a bulk question without a record gets one");
        assertEquals("Which year?", created.question());
        assertEquals(java.util.Optional.empty(), store.find("5b1e6f0a-1c2d-4e3f-8a9b-0c1d2e3f4a5b"),
                "no record under the SQS message id of a message that names its questions");
    }
}
