package dev.batchqa.shared.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuestionReaderTest {
    private static final QaValidator VALIDATOR = new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS);

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5", "\"1\"", "true", "4294967297", "[1]"})
    void topKIsAnIntegerTokenThatFitsAnInt(String topK) throws Exception {
        JsonNode tree = QuestionReader.parse("{\"topK\": " + topK + "}");
        QuestionReader.Invalid e = assertThrows(QuestionReader.Invalid.class,
                () -> QuestionReader.integer(tree, "topK", "items[2]."));
        assertEquals("items[2].topK", e.field());
        assertEquals("WRONG_TYPE", e.code());
        assertEquals("'items[2].topK' must be an integer", e.getMessage());
    }

    @Test
    void absentOrNullFieldsReadAsNull() throws Exception {
        JsonNode tree = QuestionReader.parse("{\"topK\": null, \"question\": null}");
        assertNull(QuestionReader.integer(tree, "topK", ""));
        assertNull(QuestionReader.text(tree, "question", ""));
        assertNull(QuestionReader.text(tree, "context", ""));
        assertNull(QuestionReader.bool(tree, "allowNoAnswer", ""));
        assertEquals(3, QuestionReader.integer(QuestionReader.parse("{\"topK\": 3}"), "topK", ""));
    }

    @Test
    void textFieldsAreStringsAndFlagsBooleans() throws Exception {
        assertEquals("'question' must be a string", assertThrows(QuestionReader.Invalid.class,
                () -> QuestionReader.text(QuestionReader.parse("{\"question\": 7}"), "question", "")).getMessage());
        assertEquals("'allowNoAnswer' must be true or false", assertThrows(QuestionReader.Invalid.class,
                () -> QuestionReader.bool(QuestionReader.parse("{\"allowNoAnswer\": \"false\"}"), "allowNoAnswer", ""))
                .getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\": 1, \"a\": 2}", "{} {}", "{} x", "{", "not json"})
    void duplicateKeysAndTrailingTokensAreMalformed(String text) {
        assertThrows(JsonProcessingException.class, () -> QuestionReader.parse(text));
    }

    @Test
    void unknownFieldsAreNamed() throws Exception {
        JsonNode tree = QuestionReader.parse("{\"question\": \"q\", \"questoin\": \"q\"}");
        assertEquals(Optional.of("questoin"), QuestionReader.unknownField(tree, Set.of("question")));
        assertEquals(Optional.empty(), QuestionReader.unknownField(tree, Set.of("question", "questoin")));
    }

    @Test
    void aRequestWithManyQuestionsAndOptions() throws Exception {
        QuestionSet set = QuestionReader.request(QuestionReader.parse("""
                {"context": "BERT scored 83.1.", "questions": ["Which score?", "Which model?"],
                 "topK": 2, "maxAnswerLength": 10, "allowNoAnswer": false}"""), "", VALIDATOR, true);
        assertEquals(new QuestionSet("BERT scored 83.1.", List.of(new Question(null, "Which score?"),
                new Question(null, "Which model?")), new AnswerOptions(2, 10, false), null), set);
        QuestionSet one = QuestionReader.request(QuestionReader.parse("{\"context\":\"c\",\"question\":\"q\"}"), "",
                VALIDATOR, true);
        assertEquals(AnswerOptions.DEFAULT, one.options());
        assertEquals(List.of(new Question(null, "q")), one.questions());
    }

    @ParameterizedTest(name = "{0} -> {1} at {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"context":"c","question":"q","questions":["r"]}        | CONFLICTING_FIELDS | questions
            {"context":"c","questions":[]}                          | EMPTY_FIELD        | questions
            {"context":"c","questions":"q"}                         | WRONG_TYPE         | questions
            {"context":"c","questions":["q", 7]}                    | WRONG_TYPE         | questions[1]
            {"context":"c","questions":["q", " "]}                  | EMPTY_FIELD        | questions[1]
            {"context":"c","question":"q","maxAnswerLength":0}      | OUT_OF_RANGE       | maxAnswerLength
            {"context":"c","question":"q","maxAnswerLength":101}    | OUT_OF_RANGE       | maxAnswerLength
            {"context":"c","question":"q","maxAnswerLength":1.0}    | WRONG_TYPE         | maxAnswerLength
            {"context":"c","question":"q","allowNoAnswer":1}        | WRONG_TYPE         | allowNoAnswer
            {"context":"c","question":"q","id":"x"}                 | UNKNOWN_FIELD      | id
            {"context":"c"}                                         | MISSING_FIELD      | question
            """)
    void badRequestsNameTheField(String body, String code, String field) {
        QuestionReader.Invalid e = assertThrows(QuestionReader.Invalid.class,
                () -> QuestionReader.request(QuestionReader.parse(body), "items[0].", VALIDATOR, true));
        assertEquals(code, e.code());
        assertEquals("items[0]." + field, e.field());
    }

    @Test
    void aBatchItemHoldsOneQuestion() throws Exception {
        QuestionReader.Invalid e = assertThrows(QuestionReader.Invalid.class, () -> QuestionReader.request(
                QuestionReader.parse("{\"context\":\"c\",\"questions\":[\"q\"]}"), "items[1].", VALIDATOR, false));
        assertEquals("UNKNOWN_FIELD", e.code());
        assertEquals("items[1].questions", e.field());
    }

    @Test
    void tooManyQuestionsAreRefused() throws Exception {
        String many = "\"q\",".repeat(Limits.MAX_QUESTIONS_PER_SET) + "\"q\"";
        QuestionReader.Invalid e = assertThrows(QuestionReader.Invalid.class, () -> QuestionReader.request(
                QuestionReader.parse("{\"context\":\"c\",\"questions\":[" + many + "]}"), "", VALIDATOR, true));
        assertEquals("TOO_MANY_QUESTIONS", e.code());
    }
}
