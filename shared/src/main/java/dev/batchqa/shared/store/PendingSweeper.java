package dev.batchqa.shared.store;

import dev.batchqa.shared.model.ErrorInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns PENDING records older than the queue can hold their message into FAILED ({@code EXPIRED}). SQS drops a
 * message at the end of its retention without dead-lettering it; without the sweeper its question would read
 * PENDING until the record's own TTL and then 404, against the promise that every accepted question ends DONE
 * or FAILED.
 *
 * <p>The expiry is the source queue's retention plus a margin for an invocation still running with the last copy
 * of the message ({@link dev.batchqa.shared.config.Settings#PENDING_EXPIRY_HOURS}). Each record is failed with a
 * conditional write that needs it still PENDING, so a record completed meanwhile (by a late answer, or by the
 * dead-letter function) is left alone, and two runs that overlap do no harm.
 *
 * <p>A run goes on until the index holds no stale record or its time is spent: the guarantee's bound depends on
 * how fast a backlog of stale records is cleared, so nothing but time stops it. Each shard of the index
 * ({@link RequestStore#pendingShards()}) is read and written by a thread of its own: the work is one conditional
 * write per record, bound by the store's latency, not by CPU. What a run leaves over, the next run takes.
 *
 * <pre>{@code
 * PendingSweeper sweeper = new PendingSweeper(store, Settings.pendingExpiry(System.getenv()), Clock.systemUTC());
 * PendingSweeper.Result r = sweeper.sweep(Duration.ofMinutes(14));
 * }</pre>
 */
public final class PendingSweeper {
    private static final Logger log = LoggerFactory.getLogger(PendingSweeper.class);
    /** The error of an expired question; names the reason only (no user text). */
    public static final ErrorInfo EXPIRED = new ErrorInfo("EXPIRED",
            "the question was not answered before its queue message expired");

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
     * One run: fails the PENDING records created before now minus the expiry, every shard in parallel, until no
     * shard has one left or {@code timeBudget} has passed.
     *
     * @throws IllegalStateException when the store failed on a shard (after the other shards finished their work,
     *     so that one bad shard does not hold up the rest); the next run tries again
     */
    public Result sweep(Duration timeBudget) {
        long started = System.nanoTime();
        long deadline = started + timeBudget.toNanos();
        Instant cutoff = clock.instant().minus(expiry);
        int shards = store.pendingShards();
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        AtomicInteger thread = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(shards, r -> {
            Thread t = new Thread(r, "pending-sweeper-" + thread.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        List<Future<Result>> runs = new ArrayList<>();
        try {
            for (int shard = 0; shard < shards; shard++) {
                int s = shard;
                runs.add(pool.submit(() -> {
                    if (mdc != null) MDC.setContextMap(mdc);
                    try {
                        return sweepShard(s, cutoff, deadline);
                    } finally {
                        MDC.clear();
                    }
                }));
            }
            Result total = new Result(0, 0, false);
            RuntimeException failure = null;
            for (Future<Result> run : runs) {
                try {
                    total = total.plus(run.get());
                } catch (ExecutionException e) {
                    if (failure == null) failure = new IllegalStateException("sweeping a shard failed", e.getCause());
                    else failure.addSuppressed(e.getCause());
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            log.atInfo().addKeyValue("expired", total.expired()).addKeyValue("alreadyComplete", total.alreadyComplete())
                    .addKeyValue("truncated", total.truncated()).addKeyValue("failedShards", failure == null ? 0
                            : 1 + failure.getSuppressed().length)
                    .addKeyValue("shards", shards).addKeyValue("durationMs", millis)
                    .addKeyValue("cutoff", cutoff.toString())
                    .log("pending sweep finished");
            if (failure != null) throw failure;
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sweeping", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One shard, pass after pass, until a pass expires nothing: an index entry a pass does not see (the index is
     * eventually consistent, and its pages shift under the pass's own deletions) is found by the next one.
     * Each further pass starts only after one that expired a record, so a run ends.
     */
    private Result sweepShard(int shard, Instant cutoff, long deadline) {
        Result total = new Result(0, 0, false);
        while (true) {
            Result pass = sweepPass(shard, cutoff, deadline);
            total = total.plus(pass);
            if (pass.truncated() || pass.expired() == 0) return total;
        }
    }

    /** One pass from the shard's oldest entry: every id the index lists before the cutoff. */
    private Result sweepPass(int shard, Instant cutoff, long deadline) {
        int expired = 0;
        int alreadyComplete = 0;
        if (System.nanoTime() >= deadline) return new Result(0, 0, true);
        Iterator<String> ids = store.stalePending(shard, cutoff).iterator();
        while (ids.hasNext()) {
            // checked before each write, not before each page read: a page costs one Query, a write per id
            if (System.nanoTime() >= deadline) return new Result(expired, alreadyComplete, true);
            String id = ids.next();
            if (store.failPending(id, EXPIRED)) {
                expired++;
                log.atWarn().addKeyValue("qaId", id).addKeyValue("errorCode", EXPIRED.code())
                        .log("pending question expired");
            } else {
                alreadyComplete++;
            }
        }
        return new Result(expired, alreadyComplete, false);
    }

    /**
     * @param expired         records this run moved to FAILED (EXPIRED)
     * @param alreadyComplete stale index entries whose record was complete by the time of the write
     * @param truncated       the run stopped on its time bound; more may be left for the next run
     */
    public record Result(int expired, int alreadyComplete, boolean truncated) {
        Result plus(Result other) {
            return new Result(expired + other.expired, alreadyComplete + other.alreadyComplete,
                    truncated || other.truncated);
        }
    }
}
