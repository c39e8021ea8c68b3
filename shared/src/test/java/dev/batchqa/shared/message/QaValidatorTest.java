package dev.batchqa.shared.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QaValidatorTest {
    private final QaValidator validator = new QaValidator(100, 10);

    @Test
    void acceptsOrdinaryAndAstralText() {
        assertTrue(validator.check("Qui? 😀", "Zoë à Tōkyō 東京 😀", 10).isEmpty());
    }

    @Test
    void namesTheFirstProblem() {
        assertEquals("question", validator.check(null, null, null).orElseThrow().field());
        assertEquals("TOO_LARGE", validator.check("q".repeat(11), "c", null).orElseThrow().code());
        assertEquals("TOO_LARGE", validator.check("q", "c".repeat(101), null).orElseThrow().code());
        assertEquals("OUT_OF_RANGE", validator.check("q", "c", 11).orElseThrow().code());
    }

    @Test
    void rejectsTextNoStoreOrQueueCanCarry() {
        assertEquals("INVALID_TEXT", validator.check("q", "a\uD800b", null).orElseThrow().code(), "lone high surrogate");
        assertEquals("INVALID_TEXT", validator.check("q", "a\uDC00b", null).orElseThrow().code(), "lone low surrogate");
        assertEquals("INVALID_TEXT", validator.check("q\uFFFF", "c", null).orElseThrow().code(), "noncharacter");
    }

    @Test
    void idsMatchThePublishedPattern() {
        assertTrue(QaValidator.isValidId("3f1c2b7e-8d4a-4e9b-a1c3-5d6e7f809102"));
        assertTrue(QaValidator.isValidId("56be4db0acb8001400a502ec"));
        assertEquals(false, QaValidator.isValidId("-leading-dash"));
        assertEquals(false, QaValidator.isValidId("x".repeat(65)));
        assertEquals(false, QaValidator.isValidId("idempotency#abc"));
    }
}
