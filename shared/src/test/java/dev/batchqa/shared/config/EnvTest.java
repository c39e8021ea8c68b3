package dev.batchqa.shared.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvTest {
    private final Env env = new Env(Map.of("A", " 7 ", "BLANK", "  ", "BAD", "x", "FLAG", "TRUE", "BIG", "99"));

    @Test
    void blankIsUnsetAndValuesAreStripped() {
        assertEquals(Optional.of("7"), env.string("A"));
        assertEquals(Optional.empty(), env.string("BLANK"));
        assertEquals("d", env.string("BLANK", "d"));
        assertEquals(7, env.integer("A", 1));
        assertEquals(1, env.integer("MISSING", 1, 0, 5), "the default is not range-checked");
        assertTrue(env.flag("FLAG", false));
    }

    @Test
    void errorsNameTheVariable() {
        assertTrue(assertThrows(IllegalStateException.class, () -> env.integer("BAD", 1)).getMessage().contains("BAD"));
        assertTrue(assertThrows(IllegalStateException.class, () -> env.integer("BIG", 1, 0, 10)).getMessage()
                .contains("BIG must be between 0 and 10"));
        assertTrue(assertThrows(IllegalStateException.class, () -> env.flag("BAD", false)).getMessage().contains("BAD"));
    }
}
