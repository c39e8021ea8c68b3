package dev.batchqa.ingest.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where jobs and their line counts live. Every transition is conditional on the status it leaves, so that two
 * workers advancing one job (a redelivered trigger, the sweep) cannot both take a step; line counting is
 * idempotent per line ({@link #countLine}), so that a completion seen twice counts once.
 */
public interface JobStore {

    /** Stores a new job; false when the id is taken. */
    boolean create(Job job);

    /** The job with its current counts (a consistent read), or empty. */
    Optional<Job> find(String jobId);

    /**
     * Sets the number of lines and makes the items their outcomes are counted in; safe to repeat. True unless the
     * job has left validating (and is not cancelling either).
     *
     * @param expiresAt the job's completion deadline: what it keeps is kept until {@code RETENTION} after it
     */
    boolean setTotal(String jobId, int total, Instant expiresAt);

    /** {@code from -> to}; false when the job is not in {@code from} (any of them). */
    boolean transition(String jobId, List<JobStatus> from, JobStatus to);

    /** validating -> failed, with the line errors (those kept and how many there were). */
    boolean failValidation(String jobId, int total, List<Job.LineError> errors, int errorCount, Instant now);

    /** validating or in_progress -> cancelling; the job will end cancelled. */
    boolean requestCancel(String jobId);

    /** Notes that an in_progress job ends expired once its lines are ended; false if already noted or not in_progress. */
    boolean markExpiring(String jobId);

    /** finalizing -> {@code end}, with the completion time: the one step that ends a job. */
    boolean finish(String jobId, JobStatus end, Instant now);

    /**
     * Counts one line's outcome, exactly once however often it is called for that line (a set of line numbers,
     * not a counter: adding a line twice leaves it there once).
     *
     * @return whether every line of the line's shard has now ended (the job may be complete: check it)
     */
    boolean countLine(String jobId, int line, LineOutcome outcome);

    /** The caller's jobs, newest first. */
    Page list(String owner, int limit, String cursor);

    /** Ids of jobs that have not ended, at most {@code limit}, for the sweep. */
    List<String> openJobs(int limit);

    /** One page of jobs and the cursor of the next (null: no more). */
    record Page(List<Job> jobs, String nextCursor) {}

    /** A cursor that is not one of ours. */
    final class InvalidCursor extends RuntimeException {
        public InvalidCursor() {
            super("invalid cursor", null, false, false);
        }
    }
}
