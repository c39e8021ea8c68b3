package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.aws.SqsRequestQueue;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

/**
 * schemas/qa-message-v1.schema.json against the producer ({@link SqsRequestQueue}, {@link MessageCodec#encode}) and
 * the reader ({@link MessageCodec#decode}): what the service writes conforms, and on the recorded SQS events and a
 * corpus of hand-made bodies the schema and the reader agree, but for the documented gaps.
 */
class MessageSchemaTest {
    private static final MessageCodec CODEC = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
    private static int checked;

    private final Contract contract = Contract.get();

    @AfterAll
    static void report() {
        System.out.println("contract: " + checked + " SQS message bodies checked against schemas/qa-message-v1.schema.json and v2");
    }

    @Test
    void bodiesTheServiceSendsConform() {
        List<String> bodies = new ArrayList<>();
        SqsClient capture = (SqsClient) Proxy.newProxyInstance(SqsClient.class.getClassLoader(), new Class<?>[] {SqsClient.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "sendMessage" -> {
                        bodies.add(((SendMessageRequest) args[0]).messageBody());
                        yield SendMessageResponse.builder().messageId("m").build();
                    }
                    case "sendMessageBatch" -> {
                        var request = args[0] instanceof SendMessageBatchRequest r ? r : null;
                        if (request == null) {
                            var builder = SendMessageBatchRequest.builder();
                            @SuppressWarnings("unchecked")
                            var consumer = (java.util.function.Consumer<SendMessageBatchRequest.Builder>) args[0];
                            consumer.accept(builder);
                            request = builder.build();
                        }
                        request.entries().stream().map(SendMessageBatchRequestEntry::messageBody).forEach(bodies::add);
                        yield SendMessageBatchResponse.builder().build();
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        SqsRequestQueue queue = new SqsRequestQueue(capture, "http://sqs.local/q", CODEC);
        queue.send(QuestionSet.single("id-1", "Who wrote Hamlet?", "Hamlet is a tragedy written by William Shakespeare.", 1, "corr-1"));
        queue.send(QuestionSet.single("id-2", "q".repeat(Limits.MAX_QUESTION_CHARS), "Café 東京 😀 " + "c".repeat(39_000), 10, "Fv3Q1hNjDoEEJbA="));
        queue.sendAll(List.of(
                QuestionSet.single("b-1", "Who?", "Someone did it.", 2, "c"),
                QuestionSet.single("b-2", "What?", "\u0001 control characters escape to six bytes", 3, "c")));
        queue.send(new QuestionSet("BERT reached 83.1 on SQuAD.", List.of(new Question("v2-1", "Which score?"),
                new Question("v2-2", "Which dataset?")), new AnswerOptions(3, 12, false), "c"));
        bodies.add("{\"question\":\"bulk question\",\"context\":\"bulk context\"}"); // the bulk minimum
        assertEquals(6, bodies.size());
        for (String body : bodies) {
            assertEquals(List.of(), contract.checkMessage(body), body.substring(0, Math.min(120, body.length())));
            checked++;
        }
    }

    @Test
    void recordedSqsEventsGetTheReadersVerdict() {
        int valid = 0;
        int invalid = 0;
        for (String file : List.of("inference-function/src/test/resources/events/sqs/batch-valid.json",
                "inference-function/src/test/resources/events/sqs/batch-with-poison.json",
                "ingest-function/src/test/resources/events/sqs/dlq-batch.json")) {
            SQSEvent event = EventLoader.loadSQSEvent(Contract.repoRoot().resolve(file).toString());
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                boolean readerAccepts = accepts(message.getBody(), message.getMessageId());
                List<String> problems = contract.checkMessage(message.getBody());
                assertEquals(readerAccepts, problems.isEmpty(),
                        file + " " + message.getMessageId() + ": reader " + readerAccepts + ", schema " + problems);
                if (readerAccepts) valid++; else invalid++;
                checked++;
            }
        }
        assertTrue(valid >= 3 && invalid >= 4, valid + " valid, " + invalid + " invalid");
    }

    @Test
    void schemaAndReaderAgreeOnHandMadeBodies() {
        String ctx = "\"context\":\"BERT reached 83.1.\"";
        List<String> bodies = List.of(
                "{\"question\":\"Which?\"," + ctx + "}",
                "{\"version\":1,\"id\":\"a-1\",\"question\":\"Which?\"," + ctx + ",\"topK\":10,\"correlationId\":\"x\"}",
                "{\"version\":null,\"id\":null,\"question\":\"Which?\"," + ctx + ",\"topK\":null}",
                "{\"question\":\"Which?\"," + ctx + ",\"future\":{\"nested\":true}}",
                "{\"version\":2,\"question\":\"Which?\"," + ctx + "}",
                "{\"version\":\"1\",\"question\":\"Which?\"," + ctx + "}",
                "{\"version\":4294967297,\"question\":\"Which?\"," + ctx + "}",
                "{\"id\":\"-bad\",\"question\":\"Which?\"," + ctx + "}",
                "{\"id\":\"" + "a".repeat(65) + "\",\"question\":\"Which?\"," + ctx + "}",
                "{\"question\":\"   \"," + ctx + "}",
                "{\"question\":\"\"," + ctx + "}",
                "{\"question\":\"" + "q".repeat(1001) + "\"," + ctx + "}",
                "{\"question\":\"Which?\",\"context\":\"" + "c".repeat(40_001) + "\"}",
                "{\"question\":\"Which?\",\"context\":\"ok \uFFFF\"}",
                "{\"question\":\"Which?\"," + ctx + ",\"topK\":0}",
                "{\"question\":\"Which?\"," + ctx + ",\"topK\":11}",
                "{\"question\":\"Which?\"," + ctx + ",\"topK\":\"3\"}",
                "{\"question\":\"Which?\"}",
                "{\"question\":\"Which?\",\"question\":\"Other?\"," + ctx + "}", // duplicate key
                "[1]",
                "not json",
                "{\"version\":2," + ctx + ",\"questions\":[{\"id\":\"a\",\"question\":\"Which?\"}]}",
                "{\"version\":2," + ctx + ",\"questions\":[{\"id\":\"a\",\"question\":\"Which?\"}],\"topK\":3,"
                        + "\"maxAnswerLength\":100,\"allowNoAnswer\":false,\"correlationId\":\"c-1\"}",
                "{\"version\":2," + ctx + ",\"questions\":[]}",
                "{\"version\":2," + ctx + "}",
                "{\"version\":2," + ctx + ",\"questions\":[{\"question\":\"Which?\"}]}",
                "{\"version\":2," + ctx + ",\"questions\":[{\"id\":\"a\",\"question\":\" \"}]}",
                "{\"version\":2," + ctx + ",\"questions\":[{\"id\":\"a\",\"question\":\"Which?\"}],\"maxAnswerLength\":101}",
                "{\"version\":2," + ctx + ",\"questions\":[{\"id\":\"a\",\"question\":\"Which?\"}],\"allowNoAnswer\":\"no\"}",
                "{\"version\":2,\"context\":\" \",\"questions\":[{\"id\":\"a\",\"question\":\"Which?\"}]}");
        for (String body : bodies) {
            boolean reader = accepts(body, "sqs-1");
            assertEquals(reader, contract.checkMessage(body).isEmpty(), "reader " + reader + " on " + abbreviate(body));
            checked++;
        }
    }

    /** The gaps the schema's $comment documents: each is a body the schema accepts and the reader refuses. */
    @Test
    void documentedGapsAreStillGaps() {
        String ctx = "\"context\":\"BERT reached 83.1.\"";
        List<String> gaps = List.of(
                "{\"version\":1.0,\"question\":\"Which?\"," + ctx + "}",                    // 1.0 is an integer to JSON Schema
                "{\"question\":\"Which?\"," + ctx + ",\"topK\":2.0}",
                "{\"question\":\"" + "😀".repeat(600) + "\"," + ctx + "}",              // 600 code points, 1,200 UTF-16 units
                "{\"question\":\"Which \\ud800?\"," + ctx + "}");                          // an unpaired surrogate
        for (String body : gaps) {
            assertFalse(accepts(body, "sqs-1"), abbreviate(body));
            assertEquals(List.of(), contract.checkMessage(body), abbreviate(body));
        }
    }

    /** Whether the reader takes every question of the body (a v2 message may have some of its questions refused). */
    private static boolean accepts(String body, String messageId) {
        try {
            return CODEC.decode(body, messageId).rejected().isEmpty();
        } catch (InvalidMessageException e) {
            return false;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
