package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.PendingSweeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The local runner sweeps stale PENDING records on its own, as SweeperFunction does on AWS (API role: no model). */
class LocalSweeperTest {

    @Test
    void theLocalRunnerExpiresStalePendingRecordsOnItsSchedule() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("QA_HTTP_PORT", "0");
        env.put(Settings.PENDING_EXPIRY_HOURS, "2");
        try (LocalPipeline pipeline = LocalPipeline.start(LocalConfig.builder(env).role(LocalConfig.Role.API)
                .sweepInterval(Duration.ofSeconds(1)).build())) {
            var store = new DynamoDbRequestStore(pipeline.dynamo(), pipeline.config().tableName(), Duration.ofHours(24),
                    Clock.systemUTC());
            String stale = UUID.randomUUID().toString();
            String fresh = UUID.randomUUID().toString();
            store.createPending(QaRecord.pending(stale, "q?", 1, null, Instant.now().minus(Duration.ofHours(3))));
            store.createPending(QaRecord.pending(fresh, "q?", 1, null, Instant.now().minus(Duration.ofHours(1))));

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (store.find(stale).orElseThrow().status() == QaStatus.PENDING && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(PendingSweeper.EXPIRED, store.find(stale).orElseThrow().error(), "swept by the schedule");
            assertEquals(QaStatus.PENDING, store.find(fresh).orElseThrow().status());
            assertEquals(new PendingSweeper.Result(0, 0, false), pipeline.sweepPending());

            assertTrue(Settings.DEFAULT_PENDING_EXPIRY_HOURS * 3600L > AwsResources.QUEUE_RETENTION_SECONDS,
                    "the default expiry assumes the queue's retention");
        }
    }
}
