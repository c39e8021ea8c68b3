package dev.batchqa.shared.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The public message schemas v1 and v2, as bulk producers write them. */
class MessageCodecTest {
    private final MessageCodec codec = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));

    @Test
    void encodedMessagesDecodeToTheSameQuestion() throws Exception {
        QuestionSet set = QuestionSet.single("id-1", "Which score?", "Café 東京 😀 score 83.1", 3, "corr");
        String body = codec.encode(set);
        assertTrue(body.startsWith("{\"version\":1,"), "a single question with topK only is written as v1: " + body);
        assertEquals(new MessageCodec.Decoded(set, List.of()), codec.decode(body, "sqs-1"));
    }

    @Test
    void manyQuestionsOrNewOptionsAreWrittenAsVersionTwo() throws Exception {
        QuestionSet many = new QuestionSet("BERT scored 83.1 on SQuAD.", List.of(new Question("a-1", "Which score?"),
                new Question("a-2", "Which model?")), new AnswerOptions(2, 12, false), "corr");
        String body = codec.encode(many);
        assertEquals("{\"version\":2,\"context\":\"BERT scored 83.1 on SQuAD.\",\"questions\":[{\"id\":\"a-1\","
                + "\"question\":\"Which score?\"},{\"id\":\"a-2\",\"question\":\"Which model?\"}],\"topK\":2,"
                + "\"maxAnswerLength\":12,\"allowNoAnswer\":false,\"correlationId\":\"corr\"}", body);
        assertEquals(new MessageCodec.Decoded(many, List.of()), codec.decode(body, "sqs-1"));
        QuestionSet oneWithOptions = new QuestionSet("c", List.of(new Question("b-1", "q")),
                new AnswerOptions(1, null, false), null);
        assertTrue(codec.encode(oneWithOptions).startsWith("{\"version\":2,"), "v1 cannot carry allowNoAnswer");
        assertEquals(oneWithOptions.withCorrelationId("b-1"), codec.decode(codec.encode(oneWithOptions), "s").set());
    }

    @Test
    void onlyQuestionAndContextAreRequired() throws Exception {
        MessageCodec.Decoded m = codec.decode("{\"question\":\"Why?\",\"context\":\"Because.\",\"future\":true}", "sqs-1");
        assertEquals(QuestionSet.single("sqs-1", "Why?", "Because.", 1, "sqs-1"), m.set(),
                "id and correlation id default to the SQS message id; unknown fields are ignored");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"id":"a-1","context":"c"}                                  | MISSING_FIELD       | a-1
            {"id":"a-1","question":" ","context":"c"}                   | EMPTY_FIELD         | a-1
            {"id":"a-1","question":1,"context":"c"}                     | WRONG_TYPE          | a-1
            {"id":"a-1","question":"q","context":"c","topK":0}          | OUT_OF_RANGE        | a-1
            {"id":"a-1","question":"q","context":"c","topK":1.5}        | WRONG_TYPE          | a-1
            {"id":"a-1","question":"q","context":"c","topK":1.0}        | WRONG_TYPE          | a-1
            {"version":3,"id":"a-1","question":"q","context":"c"}       | UNSUPPORTED_VERSION | a-1
            {"version":4294967297,"id":"a-1","question":"q","context":"c"} | UNSUPPORTED_VERSION | a-1
            {"version":1.0,"id":"a-1","question":"q","context":"c"}     | UNSUPPORTED_VERSION | a-1
            {"version":"1","id":"a-1","question":"q","context":"c"}     | UNSUPPORTED_VERSION | a-1
            {"id":"a-1","question":"q","question":"r","context":"c"}    | MALFORMED_MESSAGE   |
            {"id":"a-1","id":"a-2","question":"q","context":"c"}        | MALFORMED_MESSAGE   |
            {"question":"q"}                                            | MISSING_FIELD       | sqs-1
            {"id":"no spaces","question":"q","context":"c"}             | INVALID_ID          |
            {"id":7,"question":"q","context":"c"}                       | INVALID_ID          |
            [1,2]                                                       | MALFORMED_MESSAGE   |
            not json                                                    | MALFORMED_MESSAGE   |
            {"version":2,"id":"a-1","question":"q","context":"c"}       | MISSING_FIELD       | a-1
            {"version":2,"question":"q","context":"c"}                  | MISSING_FIELD       |
            {"version":2,"context":"c","questions":[{"question":"q"}]}  | INVALID_ID          |
            {"version":2,"context":"c","questions":[]}                  | EMPTY_FIELD         |
            {"version":2,"context":"c","questions":[{"id":"a-1","question":"q"},{"id":"a-1","question":"r"}]} | DUPLICATE_ID | a-1
            {"version":2,"context":" ","questions":[{"id":"a-1","question":"q"},{"id":"a-2","question":"r"}]} | EMPTY_FIELD | a-1
            {"version":2,"context":"c","topK":11,"questions":[{"id":"a-1","question":"q"}]} | OUT_OF_RANGE | a-1
            {"version":2,"context":"c","allowNoAnswer":"no","questions":[{"id":"a-1","question":"q"}]} | WRONG_TYPE | a-1
            """)
    void poisonMessagesSayWhyAndUnderWhichId(String body, String code, String requestId) {
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(body, "sqs-1"));
        assertEquals(code, e.code());
        assertEquals(requestId, e.requestId());
    }

    @Test
    void aVersionTwoContextProblemFailsEveryQuestionItNames() {
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(
                "{\"version\":2,\"context\":\"\",\"questions\":[{\"id\":\"a-1\",\"question\":\"q\"},"
                        + "{\"id\":\"a-2\",\"question\":\"r\"},{\"id\":\"bad id\",\"question\":\"s\"}]}", "sqs-1"));
        assertEquals(List.of(new Question("a-1", "q"), new Question("a-2", "r")), e.questions());
    }

    @Test
    void aBadQuestionInVersionTwoFailsAloneAndItsSiblingsAreAnswered() throws Exception {
        MessageCodec.Decoded d = codec.decode("{\"version\":2,\"context\":\"c\",\"questions\":[{\"id\":\"a-1\","
                + "\"question\":\"q\"},{\"id\":\"a-2\",\"question\":\"" + "x".repeat(Limits.MAX_QUESTION_CHARS + 1)
                + "\"},{\"id\":\"a-3\",\"question\":7}]}", "sqs-1");
        assertEquals(List.of(new Question("a-1", "q")), d.set().questions());
        assertEquals(List.of("a-2", "a-3"), d.rejected().stream().map(r -> r.question().id()).toList());
        assertEquals(List.of("TOO_LARGE", "WRONG_TYPE"), d.rejected().stream().map(r -> r.problem().code()).toList());
    }

    @Test
    void aContextOverTheLimitIsRejectedWithItsId() {
        String body = "{\"id\":\"big\",\"question\":\"q\",\"context\":\"" + "x".repeat(Limits.MAX_CONTEXT_CHARS + 1) + "\"}";
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(body, "sqs-1"));
        assertEquals("TOO_LARGE", e.code());
        assertEquals("big", e.requestId());
    }

    @Test
    void theWorstCaseValidMessageFitsSqs() {
        // control characters are escaped to six bytes each: the limits are chosen so this still fits
        String context = "\u0001".repeat(Limits.MAX_CONTEXT_CHARS);
        String question = "\u0002".repeat(Limits.MAX_QUESTION_CHARS);
        String body = codec.encode(QuestionSet.single("x".repeat(64), question, context, 10, "c".repeat(128)));
        assertTrue(body.getBytes(StandardCharsets.UTF_8).length <= Limits.MAX_MESSAGE_BYTES);
    }

    @Test
    void versionTwoMessagesFitAsLimitsSays() {
        AnswerOptions options = new AnswerOptions(10, Limits.MAX_ANSWER_LENGTH, false);
        // a full ASCII context with all questions at full length
        List<Question> all = IntStream.range(0, Limits.MAX_QUESTIONS_PER_SET)
                .mapToObj(i -> new Question(("q" + i + "-").repeat(30).substring(0, 64), "q".repeat(Limits.MAX_QUESTION_CHARS)))
                .toList();
        codec.encode(new QuestionSet("c".repeat(Limits.MAX_CONTEXT_CHARS), all, options, "c".repeat(128)));
        // the worst case: every character escaped to six bytes; three full questions fit, four do not
        String context = "\u0001".repeat(Limits.MAX_CONTEXT_CHARS);
        List<Question> worst = all.stream().map(q -> new Question(q.id(), "\u0002".repeat(Limits.MAX_QUESTION_CHARS)))
                .toList();
        codec.encode(new QuestionSet(context, worst.subList(0, 3), options, "c".repeat(128)));
        assertThrows(IllegalArgumentException.class,
                () -> codec.encode(new QuestionSet(context, worst.subList(0, 4), options, "c".repeat(128))));
    }

    @Test
    void anUnusableCorrelationIdFallsBackToTheId() throws Exception {
        assertEquals("a-1", codec.decode("{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\",\"correlationId\":{\"x\":1}}", "s").set().correlationId());
        assertEquals("a-1", codec.decode("{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\",\"correlationId\":\"has space\"}", "s").set().correlationId());
        assertEquals("ok-1", codec.decode("{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\",\"correlationId\":\"ok-1\"}", "s").set().correlationId());
    }

    @Test
    void bestEffortIdsReadWhatTheyCan() {
        assertEquals("a-1", MessageCodec.bestEffortId("{\"id\":\"a-1\"}", "sqs-1"));
        assertEquals("sqs-1", MessageCodec.bestEffortId("{\"id\":\"bad id\"}", "sqs-1"));
        assertEquals("sqs-1", MessageCodec.bestEffortId("not json", "sqs-1"));
        assertEquals("sqs-1", MessageCodec.bestEffortId(null, "sqs-1"));
        assertEquals(List.of("a-1", "a-3"), MessageCodec.bestEffortIds("{\"version\":2,\"questions\":[{\"id\":\"a-1\"},"
                + "{\"id\":\"bad id\"},{\"id\":\"a-3\",\"question\":9}]}", "sqs-1"));
        assertEquals(List.of(), MessageCodec.bestEffortIds("{\"version\":2,\"questions\":\"x\"}", "sqs-1"));
    }

    @Test
    void bestEffortReadingTakesTheVersionAsDecodingDoes() throws Exception {
        // 4294967298's int value wraps around to 2: decoding calls it an unsupported version and fails the v1 id,
        // so the dead-letter path must read the same id rather than the body's questions
        String body = "{\"version\":4294967298,\"id\":\"a-1\",\"questions\":[{\"id\":\"q-1\"}]}";
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(body, "sqs-1"));
        assertEquals("UNSUPPORTED_VERSION", e.code());
        assertEquals(List.of("a-1"), e.questions().stream().map(q -> q.id()).toList());
        assertEquals(List.of("a-1"), MessageCodec.bestEffortIds(body, "sqs-1"));
        assertEquals(List.of("sqs-1"), MessageCodec.bestEffortIds("{\"version\":2.0,\"questions\":[{\"id\":\"q-1\"}]}",
                "sqs-1"));
    }

    /**
     * A body that decoding refuses as a whole (a key given twice, anything after the object) names no record to
     * inference, which leaves it to the dead-letter queue: the dead-letter path must then fail the SQS message id
     * too, not the id a lenient parser would pick (the last of two, or one before trailing text).
     */
    @Test
    void bestEffortReadingRefusesWhatDecodingRefuses() {
        List<String> bodies = List.of(
                "{\"id\":\"a-1\",\"id\":\"a-2\",\"question\":\"q\",\"context\":\"c\"}",
                "{\"version\":2,\"context\":\"c\",\"questions\":[{\"id\":\"q-1\",\"id\":\"q-2\",\"question\":\"q\"}]}",
                "{\"version\":2,\"version\":1,\"id\":\"a-1\",\"questions\":[{\"id\":\"q-1\",\"question\":\"q\"}]}",
                "{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\"} {\"id\":\"a-2\"}");
        for (String body : bodies) {
            InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(body, "sqs-1"));
            assertEquals("MALFORMED_MESSAGE", e.code(), body);
            assertEquals(List.of(), e.questions(), "inference names no record: " + body);
            assertEquals(List.of("sqs-1"), MessageCodec.bestEffortIds(body, "sqs-1"), body);
        }
    }

    @Test
    void noVersionMeansVersionOne() throws Exception {
        assertNull(Json.MAPPER.readTree("{\"question\":\"q\",\"context\":\"c\"}").get("version"));
        assertEquals("sqs-9", codec.decode("{\"version\":1,\"question\":\"q\",\"context\":\"c\"}", "sqs-9").set().first().id());
    }
}
