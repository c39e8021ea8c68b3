package dev.batchqa.ingest.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A bulk job as stored: who owns it, where it is in its lifecycle, and how many of its lines ended how.
 *
 * @param owner    a digest of the caller (as Idempotency-Keys are scoped); never shown
 * @param endAs    what the job ends as once its lines are all ended: null (completed), CANCELLED or EXPIRED
 * @param inputKey the object holding the job's input lines, in the jobs bucket
 * @param errors   the first {@link JobInput#MAX_ERRORS} line errors of a job that failed validation
 * @param errorCount all line errors, also those not kept
 */
public record Job(String id, String owner, JobStatus status, JobStatus endAs, Counts counts,
        Map<String, String> metadata, Instant createdAt, Instant expiresAt, Instant completedAt,
        Duration completionWindow, String parentId, String inputKey, List<LineError> errors, int errorCount) {

    public Job {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        errors = errors == null ? List.of() : List.copyOf(errors);
        if (counts == null) counts = Counts.EMPTY;
    }

    /** A new job, validating its input. */
    public static Job validating(String id, String owner, Map<String, String> metadata, Instant now, Duration window,
            String parentId, String inputKey) {
        // as stored: creation in milliseconds, the deadline in seconds (so the 202 and a later GET agree)
        Instant created = now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        return new Job(id, owner, JobStatus.VALIDATING, null, Counts.EMPTY, metadata, created,
                created.plus(window).truncatedTo(java.time.temporal.ChronoUnit.SECONDS), null, window, parentId,
                inputKey, List.of(), 0);
    }

    /** What its lines' counts say: every line has ended. */
    public boolean linesEnded() {
        return counts.total() > 0 && counts.pending() == 0;
    }

    /**
     * Line counts; {@code pending} is what has not ended yet.
     */
    public record Counts(int total, int done, int failed, int cancelled, int expired) {
        public static final Counts EMPTY = new Counts(0, 0, 0, 0, 0);

        public int pending() {
            return Math.max(0, total - done - failed - cancelled - expired);
        }
    }

    /** A line that failed validation: 1-based line number, a code and what is wrong. */
    public record LineError(int line, String code, String message) {}
}
