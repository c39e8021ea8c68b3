package dev.batchqa.ingest;

import dev.batchqa.shared.aws.Lanes;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Admission control: refuses new questions while the queue already holds as many as the inference side can
 * answer before they expire ({@code QA_MAX_BACKLOG}), so that a question is either refused now, visibly, or
 * answered, instead of being accepted and then silently lost to the queue's retention.
 *
 * <p>The queue's depth is SQS's {@code ApproximateNumberOfMessages}, read at most once per {@code refresh}
 * per container: one GetQueueAttributes call every few seconds costs nothing next to the requests, and an
 * approximate, slightly old depth is good enough for a limit sized with a wide margin. When the depth cannot
 * be read the gate admits (and tries again after {@code refresh}): a broken metadata call must not stop an
 * otherwise working API; if SQS itself is down, the send fails and says so.
 *
 * <pre>{@code
 * BacklogGate gate = BacklogGate.sqs(sqs, queueUrl, 1_000_000);
 * if (!gate.admits()) return 503;
 * }</pre>
 */
public final class BacklogGate {
    private static final Logger log = LoggerFactory.getLogger(BacklogGate.class);
    /** How long one reading of the depth is used. */
    static final Duration REFRESH = Duration.ofSeconds(5);
    /** What a refused client is told to wait: a backlog at the limit takes far longer than this to drain. */
    static final int RETRY_AFTER_SECONDS = 60;
    private static final long UNKNOWN = -1;

    private final LongSupplier depth;
    /** The bulk lane's depth; null with one lane. */
    private volatile LongSupplier bulkDepth;
    private final long maxBacklog;
    private final long refreshNanos;
    private final LongSupplier nanoTime;
    private volatile Reading last;

    /**
     * @param depth      reads the number of messages waiting (may throw)
     * @param maxBacklog refuse at this many messages waiting or more; 0 = never refuse, never read the depth
     * @param nanoTime   the clock of the cache, {@code System::nanoTime} outside tests
     */
    BacklogGate(LongSupplier depth, long maxBacklog, Duration refresh, LongSupplier nanoTime) {
        if (maxBacklog < 0) throw new IllegalArgumentException("maxBacklog must be >= 0, was " + maxBacklog);
        this.depth = depth;
        this.maxBacklog = maxBacklog;
        this.refreshNanos = refresh.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Admits everything. */
    public static BacklogGate off() {
        return new BacklogGate(() -> 0, 0, REFRESH, System::nanoTime);
    }

    /** Reads the depth of the SQS queue at {@code queueUrl}. */
    public static BacklogGate sqs(SqsClient sqs, String queueUrl, long maxBacklog) {
        return sqs(sqs, queueUrl, null, maxBacklog);
    }

    /**
     * Reads both lanes' depths: admission counts the messages of both, and {@link #cachedQuestionsAhead} tells each
     * lane's wait apart. {@code bulkQueueUrl} null: one lane.
     */
    public static BacklogGate sqs(SqsClient sqs, String queueUrl, String bulkQueueUrl, long maxBacklog) {
        return lanes(() -> depth(sqs, queueUrl), bulkQueueUrl == null ? null : () -> depth(sqs, bulkQueueUrl),
                maxBacklog);
    }

    /** Two lanes' depth readers; {@code bulk} null: one lane. */
    static BacklogGate lanes(LongSupplier interactive, LongSupplier bulk, long maxBacklog) {
        BacklogGate gate = new BacklogGate(interactive, maxBacklog, REFRESH, System::nanoTime);
        gate.bulkDepth = bulk;
        return gate;
    }

    private static long depth(SqsClient sqs, String url) {
        return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    /**
     * Questions estimated to wait ahead of a new one in {@code lane}, from the last readings (never calls SQS), or
     * -1 when unknown. An interactive message is at most one piece of the inference loop and counts as one
     * question; a bulk message counts {@value #QUESTIONS_PER_BULK_MESSAGE} (a SQuAD paragraph's questions, as
     * {@code bulk-submit --per-paragraph} and multi-question requests send them).
     */
    long cachedQuestionsAhead(Lanes.Lane lane) {
        Reading r = last;
        if (r == null || r.depth == UNKNOWN) return UNKNOWN;
        if (lane == Lanes.Lane.INTERACTIVE || r.bulk == UNKNOWN) return r.interactive;
        return r.bulk * QUESTIONS_PER_BULK_MESSAGE;
    }

    /** What a message of the bulk lane is assumed to hold, for Retry-After. */
    static final int QUESTIONS_PER_BULK_MESSAGE = 10;

    /** True when a new question may be accepted now. */
    public boolean admits() {
        if (maxBacklog == 0) return true;
        long waiting = current();
        return waiting == UNKNOWN || waiting < maxBacklog;
    }

    /**
     * The last depth read, however old, or -1 when none was read (the gate is off, or no question has been
     * submitted in this container yet) or the reading failed. Never calls SQS: it only serves estimates such
     * as {@link RetryAfter}, which must not cost a request of their own.
     */
    long cachedDepth() {
        Reading r = last;
        return r == null ? UNKNOWN : r.depth;
    }

    private long current() {
        long now = nanoTime.getAsLong();
        Reading r = last;
        if (r != null && now - r.atNanos < refreshNanos) return r.depth;
        synchronized (this) { // one reading at a time (a Lambda container serves one request at a time anyway)
            r = last;
            if (r != null && now - r.atNanos < refreshNanos) return r.depth;
            long interactive;
            long bulk = UNKNOWN;
            long value;
            try {
                interactive = depth.getAsLong();
                LongSupplier second = bulkDepth;
                if (second != null) bulk = second.getAsLong();
                value = interactive + Math.max(0, bulk);
            } catch (RuntimeException e) {
                log.warn("reading the queue depth failed; admitting until the next reading", e);
                interactive = UNKNOWN;
                value = UNKNOWN;
            }
            last = new Reading(value, interactive, bulk, now);
            if (value >= maxBacklog) {
                log.atWarn().addKeyValue("waiting", value).addKeyValue("maxBacklog", maxBacklog)
                        .log("queue backlog at the limit; refusing new questions");
            }
            return value;
        }
    }

    /** Both lanes' messages ({@code depth}), and each lane's; -1 where unknown. */
    private record Reading(long depth, long interactive, long bulk, long atNanos) {}
}
