package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.PendingSweeper;
import dev.batchqa.shared.testing.InMemoryRequestStore;
import dev.batchqa.shared.testing.LogCapture;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduled sweeper entry point: one bounded sweep, a summary back, no user text in the logs. */
class SweeperHandlerTest {
    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private static final Duration EXPIRY = Settings.pendingExpiry(Map.of());
    private final InMemoryRequestStore store = new InMemoryRequestStore(Clock.fixed(NOW, ZoneOffset.UTC));
    private final SweeperHandler handler =
            new SweeperHandler(new PendingSweeper(store, EXPIRY, Clock.fixed(NOW, ZoneOffset.UTC)));

    @Test
    void aScheduledRunExpiresStalePendingQuestionsOnly() throws Exception {
        store.createPending(QaRecord.pending("old", "Which secret score?", 1, null, NOW.minus(EXPIRY).minusSeconds(1)));
        store.createPending(QaRecord.pending("new", "Which secret score?", 1, null, NOW.minus(EXPIRY).plusSeconds(60)));
        Map<String, Object> event = Map.of("source", "aws.events", "detail-type", "Scheduled Event");

        Map<String, Object> summary;
        try (LogCapture logs = LogCapture.capture()) {
            summary = handler.handleRequest(event, context(Duration.ofMinutes(5)));
            assertTrue(logs.lines().stream().anyMatch(l -> l.contains("pending question expired") && l.contains("qaId=old")),
                    () -> "the expired id is logged: " + logs.lines());
            assertFalse(logs.lines().stream().anyMatch(l -> l.contains("secret")), "no question text in the logs");
        }

        assertEquals(Map.of("expired", 1, "alreadyComplete", 0, "truncated", false), summary);
        assertEquals("EXPIRED", store.find("old").orElseThrow().error().code());
        assertEquals(QaStatus.PENDING, store.find("new").orElseThrow().status());
    }

    @Test
    void theRunStopsBeforeTheInvocationTimesOut() {
        store.createPending(QaRecord.pending("old", "q?", 1, null, NOW.minus(EXPIRY).minusSeconds(1)));

        // less time left than the safety margin: nothing is written, the next run takes it
        Map<String, Object> summary = handler.handleRequest(Map.of(), context(SweeperHandler.SAFETY.minusSeconds(1)));

        assertEquals(Map.of("expired", 0, "alreadyComplete", 0, "truncated", true), summary);
        assertEquals(QaStatus.PENDING, store.find("old").orElseThrow().status());
    }

    private static Context context(Duration remaining) {
        return (Context) Proxy.newProxyInstance(SweeperHandlerTest.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getRemainingTimeInMillis" -> (int) remaining.toMillis();
                    case "getAwsRequestId" -> "req-1";
                    default -> null;
                });
    }
}
