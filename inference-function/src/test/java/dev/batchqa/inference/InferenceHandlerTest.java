package dev.batchqa.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/** The SQS batch contract, replayed from recorded SQS events, with the real engine on the fixture model. */
class InferenceHandlerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:15:31Z"), ZoneOffset.UTC);
    private static QaEngine engine;

    private final InMemoryRequestStore store = new InMemoryRequestStore(CLOCK);
    private final ByteArrayOutputStream metricsOut = new ByteArrayOutputStream();
    private final InferenceHandler handler = handlerWith(engine);

    private InferenceHandler handlerWith(Answerer answerer) {
        return new InferenceHandler(new BatchProcessor(answerer, store,
                new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS)),
                new BatchMetrics(new PrintStream(metricsOut, true, StandardCharsets.UTF_8), "inference-test"), CLOCK));
    }

    @BeforeAll
    static void loadEngine() throws Exception {
        engine = QaEngine.load(EngineOptions.builder(System.getProperty("qa.fixture.dir")));
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-v2.json", type = SQSEvent.class)
    void aVersionTwoMessageAnswersEachQuestionWithItsOptionsAndAnInvalidOneFailsAlone(SQSEvent event) {
        SQSBatchResponse response = handler.handleRequest(event, null);

        assertEquals(List.of(), response.getBatchItemFailures(), "every question is stored: the messages are done");
        QaRecord capital = store.find("v2-capital").orElseThrow();
        assertEquals(QaStatus.DONE, capital.status());
        assertEquals("paris", capital.answers().getFirst().text());
        assertEquals(2, capital.answers().size(), "topK 2 applies to every question of the message");
        assertEquals("corr-v2", capital.correlationId());
        assertEquals(new ModelInfo("tiny-qa", "fp32"), capital.model(), "the record names the model that answered");
        assertTrue(capital.noAnswerScore() != null && capital.noAnswerScore() < capital.answers().getFirst().score());
        assertEquals("83.1", store.find("v2-score").orElseThrow().answers().getFirst().text());

        QaRecord color = store.find("v2-color").orElseThrow();
        assertEquals(1 + 1, color.answers().size(), "allowNoAnswer=false: spans even where the model would abstain");
        assertTrue(color.noAnswerScore() > color.answers().getFirst().score(), "the client can see it would abstain");
        QaRecord v1Color = store.find("v1-color").orElseThrow();
        assertTrue(v1Color.answers().isEmpty(), "v1 keeps the deployment's no-answer rule");

        QaRecord blank = store.find("v2-blank").orElseThrow();
        assertEquals(QaStatus.FAILED, blank.status(), "an invalid question fails alone");
        assertEquals("EMPTY_FIELD", blank.error().code());

        QaRecord shortAnswer = store.find("v2-short").orElseThrow();
        assertTrue(shortAnswer.answers().stream().noneMatch(a -> a.text().contains(".")),
                "maxAnswerLength 1: no three-token 83.1 " + shortAnswer.answers());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-v2.json", type = SQSEvent.class)
    void aRedeliveredVersionTwoMessageAnswersOnlyWhatIsStillPending(SQSEvent event) {
        // an earlier invocation stored one answer of the message and died before acknowledging it
        store.complete(new dev.batchqa.shared.store.RequestStore.Completion("v2-capital", "Which capital?", 2, "c"),
                List.of(new dev.batchqa.shared.model.Answer("earlier", 0, 7, 0.9)));
        event.getRecords().forEach(m -> m.getAttributes().put("ApproximateReceiveCount", "2"));

        assertEquals(List.of(), handler.handleRequest(event, null).getBatchItemFailures());
        assertEquals("earlier", store.find("v2-capital").orElseThrow().answers().getFirst().text(), "skipped, not redone");
        assertEquals("83.1", store.find("v2-score").orElseThrow().answers().getFirst().text());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void everyMessageOfTheBatchIsAnsweredAndStored(SQSEvent event) {
        SQSBatchResponse response = handler.handleRequest(event, null);

        assertEquals(List.of(), response.getBatchItemFailures());
        QaRecord score = store.find("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102").orElseThrow();
        assertEquals(QaStatus.DONE, score.status());
        assertEquals("83.1", score.answers().getFirst().text());
        assertEquals(21, score.answers().getFirst().start());
        assertEquals(25, score.answers().getFirst().end());
        assertEquals("Fv3Q1hNjDoEEJbA=", score.correlationId());
        assertEquals("paris", store.find("7a9d2c4e-1b3f-4a5e-9c8d-0e1f2a3b4c5d").orElseThrow().answers().getFirst().text());

        QaRecord noAnswer = store.find("c8a1f0e2-5b7d-4c3a-9e6f-1d2b3c4a5e6f").orElseThrow();
        assertEquals(QaStatus.DONE, noAnswer.status(), "a message without id is stored under its SQS message id");
        assertTrue(noAnswer.answers().isEmpty());
        assertEquals("What color?", noAnswer.question());
    }

    /**
     * The same messages, delivered again a day after they were sent and after their records expired: they are
     * late duplicates and must not bring the records back; a PENDING record is still completed.
     */
    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void aLateDuplicateDoesNotRecreateAnExpiredRecord(SQSEvent event) {
        Clock dayLater = Clock.offset(CLOCK, java.time.Duration.ofHours(24));
        InMemoryRequestStore later = new InMemoryRequestStore(dayLater, java.time.Duration.ofHours(24));
        later.createPending(QaRecord.pending("7a9d2c4e-1b3f-4a5e-9c8d-0e1f2a3b4c5d", "Which capital?", 1, null,
                Instant.parse("2026-11-26T10:15:30Z")));
        InferenceHandler lateHandler = new InferenceHandler(new BatchProcessor(engine, later,
                new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS)),
                new BatchMetrics(new PrintStream(metricsOut, true, StandardCharsets.UTF_8), "inference-test"), dayLater));

        SQSBatchResponse response = lateHandler.handleRequest(event, null);

        assertEquals(List.of(), response.getBatchItemFailures(), "refused, not retried");
        assertEquals(Set.of("7a9d2c4e-1b3f-4a5e-9c8d-0e1f2a3b4c5d"), later.records().keySet());
        assertEquals(QaStatus.DONE, later.find("7a9d2c4e-1b3f-4a5e-9c8d-0e1f2a3b4c5d").orElseThrow().status());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-with-poison.json", type = SQSEvent.class)
    void poisonMessagesFailAloneAndOnlyIdlessOnesAreRetried(SQSEvent event) {
        SQSBatchResponse response = handler.handleRequest(event, null);

        assertEquals(List.of("0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000006"),
                failures(response), "unparseable messages and bad ids have no record: they go to the DLQ");
        assertEquals(Map.of(
                        "missing-context-1", "MISSING_FIELD",
                        "future-version-1", "UNSUPPORTED_VERSION",
                        "too-long-1", "TOO_LARGE",
                        "wrong-type-1", "WRONG_TYPE"),
                store.records().values().stream().filter(r -> r.status() == QaStatus.FAILED)
                        .collect(Collectors.toMap(QaRecord::id, r -> r.error().code())));
        assertEquals("83.1", store.find("good-1").orElseThrow().answers().getFirst().text());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void aStoreFailureRetriesOnlyThatMessage(SQSEvent event) {
        store.failNextWrite(new IllegalStateException("ProvisionedThroughputExceeded"));

        SQSBatchResponse response = handler.handleRequest(event, null);

        // answers are written concurrently: whichever write met the failure is the one message sent back
        assertEquals(1, failures(response).size());
        assertEquals(2, store.records().size(), "the other two answers are stored");

        SQSBatchResponse redelivered = handler.handleRequest(event, null);
        assertEquals(List.of(), failures(redelivered));
        assertEquals(3, store.records().values().stream().filter(r -> r.status() == QaStatus.DONE).count());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void redeliveryNeverAnswersTwice(SQSEvent event) throws Exception {
        handler.handleRequest(event, null);
        QaRecord first = store.find("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102").orElseThrow();

        SQSBatchResponse again = handler.handleRequest(event, null);

        assertEquals(List.of(), failures(again), "duplicates are acknowledged, not retried");
        assertEquals(3, store.completions(), "three questions, three completions, whatever the deliveries");
        JsonNode secondBatch = Json.MAPPER.readTree(metricsOut.toString(StandardCharsets.UTF_8).strip().lines().toList().getLast());
        assertEquals(3, secondBatch.get("Duplicates").asInt());
        assertEquals(0, secondBatch.get("Answered").asInt());
        assertEquals(first, store.find("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102").orElseThrow());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-with-poison.json", type = SQSEvent.class)
    void eachBatchEmitsEmbeddedMetricFormat(SQSEvent event) throws Exception {
        handler.handleRequest(event, null);

        JsonNode emf = Json.MAPPER.readTree(metricsOut.toString(StandardCharsets.UTF_8));
        assertEquals("BatchQa", emf.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
        assertEquals("inference-test", emf.get("FunctionName").asText());
        assertEquals(7, emf.get("BatchSize").asInt());
        assertEquals(1, emf.get("Answered").asInt());
        assertEquals(6, emf.get("Failed").asInt());
        assertEquals(2, emf.get("Retried").asInt());
        assertEquals(1_000, emf.get("QueueAge").asLong(), "clock minus SentTimestamp");
        assertFalse(metricsOut.toString(StandardCharsets.UTF_8).contains("83.1"), "no user text in metrics");
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void aQuestionTheModelCannotAnswerFailsAloneWhileTheOthersAreAnswered(SQSEvent event) {
        Answerer failsOnCapital = answering(queries -> {
            if (queries.stream().anyMatch(q -> q.question().contains("capital"))) throw new IllegalStateException("bad input");
            return engine.answerAll(queries);
        });

        SQSBatchResponse response = handlerWith(failsOnCapital).handleRequest(event, null);

        assertEquals(List.of(), failures(response));
        QaRecord failed = store.find("7a9d2c4e-1b3f-4a5e-9c8d-0e1f2a3b4c5d").orElseThrow();
        assertEquals("INFERENCE_ERROR", failed.error().code());
        assertEquals(QaStatus.DONE, store.find("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102").orElseThrow().status());
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void aFailingModelSendsTheWholeBatchBackInsteadOfFailingIt(SQSEvent event) {
        Answerer broken = answering(queries -> {
            throw new IllegalStateException("QaEngine is closed");
        });

        SQSBatchResponse response = handlerWith(broken).handleRequest(event, null);

        assertEquals(3, failures(response).size());
        assertTrue(store.records().isEmpty(), "nothing FAILED for a fault of the model");
    }

    @ParameterizedTest
    @Event(value = "events/sqs/batch-valid.json", type = SQSEvent.class)
    void aRedeliveredMessageIsAnsweredOneQuestionAtATimeAndFirst(SQSEvent event) {
        event.getRecords().getFirst().getAttributes().put("ApproximateReceiveCount", "2");
        List<Integer> groupSizes = new java.util.ArrayList<>();
        Answerer counting = answering(queries -> {
            groupSizes.add(queries.size());
            return engine.answerAll(queries);
        });

        SQSBatchResponse response = handlerWith(counting).handleRequest(event, null);

        assertEquals(List.of(), failures(response));
        // the redelivered message's question alone, first; the two first deliveries together
        assertEquals(List.of(1, 2), groupSizes);
        assertEquals(3, store.completions());
    }

    /** An answerer made of one function; answering one query goes through it too. */
    private static Answerer answering(java.util.function.Function<List<QaQuery>, List<QaResult>> answerAll) {
        return new Answerer() {
            @Override
            public List<QaResult> answerAll(List<QaQuery> queries) {
                return answerAll.apply(queries);
            }

            @Override
            public QaResult answer(QaQuery query) {
                return answerAll.apply(List.of(query)).getFirst();
            }
        };
    }

    private static List<String> failures(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }
}
