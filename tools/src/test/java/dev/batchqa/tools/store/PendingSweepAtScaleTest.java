package dev.batchqa.tools.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.batchqa.local.Dynalite;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.PendingSweeper;
import dev.batchqa.shared.store.RecordItem;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Issue #18's bar for the sweeper: one run clears a backlog of 50,000 stale PENDING records in dynalite, every
 * one of them ends FAILED (EXPIRED) and the index is left empty. The run prints {@code scripts/sweep-rate}'s report
 * (records per minute) to the test's output; the guarantee's bound is derived from that figure.
 */
class PendingSweepAtScaleTest {
    private static final int RECORDS = 50_000;

    @Test
    void oneRunClearsFiftyThousandStaleRecords() throws Exception {
        try (Dynalite dynalite = Dynalite.start(0);
                DynamoDbClient dynamo = SweepRate.client(dynalite)) {
            String table = "sweep-scale-" + UUID.randomUUID();
            SweepRate.Report report = SweepRate.measure(dynamo, dynalite, table, RECORDS);
            System.out.println(report.text());
            System.out.println(report.json());

            assertEquals(new PendingSweeper.Result(RECORDS, 0, false), report.result());
            assertEquals(0, report.leftInIndex());
            var store = new DynamoDbRequestStore(dynamo, table, Duration.ofHours(24), Clock.systemUTC());
            List<String> ids = report.ids();
            assertEquals(RECORDS, ids.size());
            for (int i = 0; i < ids.size(); i += 1_000) {
                Map<String, QaRecord> records = store.findAll(ids.subList(i, Math.min(ids.size(), i + 1_000)));
                assertEquals(Math.min(1_000, ids.size() - i), records.size());
                records.values().forEach(r -> assertEquals(PendingSweeper.EXPIRED, r.error(), r.id()));
            }
            assertFalse(dynamo.scanPaginator(r -> r.tableName(table).indexName(RecordItem.PENDING_INDEX))
                    .items().iterator().hasNext(), "no PENDING record left in the index");
        }
    }
}
