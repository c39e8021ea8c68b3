package dev.batchqa.shared.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.batchqa.shared.message.MessageCodec.DecodedMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The public message schema v1, as bulk producers write it. */
class MessageCodecTest {
    private final MessageCodec codec = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));

    @Test
    void encodedMessagesDecodeToTheSameQuestion() throws Exception {
        String body = codec.encode(QaMessage.of("id-1", "Which score?", "Café 東京 😀 score 83.1", 3, "corr"));
        assertEquals(new DecodedMessage("id-1", "Which score?", "Café 東京 😀 score 83.1", 3, "corr"), codec.decode(body, "sqs-1"));
    }

    @Test
    void onlyQuestionAndContextAreRequired() throws Exception {
        DecodedMessage m = codec.decode("{\"question\":\"Why?\",\"context\":\"Because.\",\"future\":true}", "sqs-1");
        assertEquals(new DecodedMessage("sqs-1", "Why?", "Because.", 1, "sqs-1"), m,
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
            {"version":2,"id":"a-1","question":"q","context":"c"}       | UNSUPPORTED_VERSION | a-1
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
            """)
    void poisonMessagesSayWhyAndUnderWhichId(String body, String code, String requestId) {
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(body, "sqs-1"));
        assertEquals(code, e.code());
        assertEquals(requestId, e.requestId());
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
        String body = codec.encode(QaMessage.of("x".repeat(64), question, context, 10, "c".repeat(128)));
        assertEquals(true, body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= Limits.MAX_MESSAGE_BYTES);
    }

    @Test
    void anUnusableCorrelationIdFallsBackToTheId() throws Exception {
        assertEquals("a-1", codec.decode("{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\",\"correlationId\":{\"x\":1}}", "s").correlationId());
        assertEquals("a-1", codec.decode("{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\",\"correlationId\":\"has space\"}", "s").correlationId());
        assertEquals("ok-1", codec.decode("{\"id\":\"a-1\",\"question\":\"q\",\"context\":\"c\",\"correlationId\":\"ok-1\"}", "s").correlationId());
    }

    @Test
    void bestEffortIdReadsWhatItCan() {
        assertEquals("a-1", MessageCodec.bestEffortId("{\"id\":\"a-1\"}", "sqs-1"));
        assertEquals("sqs-1", MessageCodec.bestEffortId("{\"id\":\"bad id\"}", "sqs-1"));
        assertEquals("sqs-1", MessageCodec.bestEffortId("not json", "sqs-1"));
        assertEquals("sqs-1", MessageCodec.bestEffortId(null, "sqs-1"));
    }

    @Test
    void noVersionMeansVersionOne() throws Exception {
        assertNull(Json.MAPPER.readTree("{\"question\":\"q\",\"context\":\"c\"}").get("version"));
        assertEquals("sqs-9", codec.decode("{\"version\":1,\"question\":\"q\",\"context\":\"c\"}", "sqs-9").id());
    }
}
