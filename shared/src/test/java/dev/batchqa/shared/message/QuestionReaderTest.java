package dev.batchqa.shared.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QuestionReaderTest {

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5", "\"1\"", "true", "4294967297", "[1]"})
    void topKIsAnIntegerTokenThatFitsAnInt(String topK) throws Exception {
        JsonNode tree = QuestionReader.parse("{\"topK\": " + topK + "}");
        QuestionReader.WrongType e = assertThrows(QuestionReader.WrongType.class, () -> QuestionReader.integer(tree, "topK"));
        assertEquals("topK", e.field());
        assertEquals("'topK' must be an integer", e.getMessage());
        assertEquals("'items[2].topK' must be an integer", e.messageAt("items[2]."));
    }

    @Test
    void absentOrNullFieldsReadAsNull() throws Exception {
        JsonNode tree = QuestionReader.parse("{\"topK\": null, \"question\": null}");
        assertNull(QuestionReader.integer(tree, "topK"));
        assertNull(QuestionReader.text(tree, "question"));
        assertNull(QuestionReader.text(tree, "context"));
        assertEquals(3, QuestionReader.integer(QuestionReader.parse("{\"topK\": 3}"), "topK"));
    }

    @Test
    void textFieldsAreStrings() throws Exception {
        JsonNode tree = QuestionReader.parse("{\"question\": 7}");
        assertEquals("'question' must be a string",
                assertThrows(QuestionReader.WrongType.class, () -> QuestionReader.text(tree, "question")).getMessage());
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
}
