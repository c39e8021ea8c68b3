package dev.batchqa.shared.store;

import dev.batchqa.shared.model.ErrorInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns PENDING records older than the queue can hold their message into FAILED ({@code EXPIRED}). SQS drops a
 * message at the end of its retention without dead-lettering it; without the sweeper its question would read
 * PENDING until the record's own TTL and then 404, against the promise that every accepted question ends DONE
 * or FAILED.
 *
 * <p>The expiry is the source queue's retention plus a margin for an invocation still running with the last copy
 * of the message ({@link Settings#PENDING_EXPIRY_HOURS}). Each record is failed with a conditional write that
 * needs it still PENDING, so a record completed meanwhile (by a late answer, or by the dead-letter function) is
 * left alone. A run is bounded in time and count; what it leaves over, the next run takes.
 *
 * <pre>{@code
 * PendingSweeper sweeper = new PendingSweeper(store, Settings.pendingExpiry(System.getenv()), Clock.systemUTC());
 * PendingSweeper.Result r = sweeper.sweep(Duration.ofMinutes(4), 20_000);
 * }</pre>
 */
public final class PendingSweeper {
    private static final Logger log = LoggerFactory.getLogger(PendingSweeper.class);
    /** The error of an expired question; names the reason only (no user text). */
    public static final ErrorInfo EXPIRED = new ErrorInfo("EXPIRED",
            "the question was not answered before its queue message expired");
    /** Ids asked of the index at a time. */
    static final int ROUND = 100;

    private final RequestStore store;
    private final Duration expiry;
    private final Clock clock;

    public PendingSweeper(RequestStore store, Duration expiry, Clock clock) {
        if (expiry.isNegative() || expiry.isZero()) throw new IllegalArgumentException("expiry must be positive");
        this.store = store;
        this.expiry = expiry;
        this.clock = clock;
    }

    /**
     * One run: fails PENDING records created before now minus the expiry, until none is left, {@code timeBudget}
     * has passed or {@code maxRecords} were handled.
     */
    public Result sweep(Duration timeBudget, int maxRecords) {
        long deadline = System.nanoTime() + timeBudget.toNanos();
        Instant cutoff = clock.instant().minus(expiry);
        Set<String> seen = new HashSet<>();
        int expired = 0;
        int alreadyComplete = 0;
        boolean truncated = false;
        while (true) {
            int wanted = Math.min(ROUND, maxRecords - seen.size());
            if (wanted <= 0) {
                truncated = true;
                break;
            }
            List<String> ids = store.stalePending(cutoff, wanted);
            // the index lags behind completions: ids failed in this run may come back once more
            List<String> fresh = ids.stream().filter(id -> !seen.contains(id)).toList();
            for (String id : fresh) {
                if (System.nanoTime() >= deadline) {
                    truncated = true;
                    break;
                }
                seen.add(id);
                if (store.failPending(id, EXPIRED)) {
                    expired++;
                    log.atWarn().addKeyValue("qaId", id).addKeyValue("errorCode", EXPIRED.code())
                            .log("pending question expired");
                } else {
                    alreadyComplete++;
                }
            }
            if (truncated || fresh.isEmpty() || ids.size() < wanted) break;
        }
        Result result = new Result(expired, alreadyComplete, truncated);
        log.atInfo().addKeyValue("expired", expired).addKeyValue("alreadyComplete", alreadyComplete)
                .addKeyValue("truncated", truncated).addKeyValue("cutoff", cutoff.toString())
                .log("pending sweep finished");
        return result;
    }

    /**
     * @param expired         records this run moved to FAILED (EXPIRED)
     * @param alreadyComplete stale index entries whose record was complete by the time of the write
     * @param truncated       the run stopped on its time or count bound; more may be left for the next run
     */
    public record Result(int expired, int alreadyComplete, boolean truncated) {}
}
