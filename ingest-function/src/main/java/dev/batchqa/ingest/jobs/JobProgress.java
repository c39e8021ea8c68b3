package dev.batchqa.ingest.jobs;

import dev.batchqa.shared.model.QaStatus;
import java.util.Optional;

/**
 * The one hook of the completion path: told that a question ended, it counts the line if the question is a job's
 * line. Deployed it is called by CompletionEventsHandler for each stream image of a finished record; locally by the
 * runner's store decorator after each completing write (dynalite has no streams). Counting is idempotent per line
 * ({@link JobStore#countLine}), so a record seen twice (a retried stream batch, a redelivered message whose
 * completion was refused as a duplicate) counts once.
 *
 * <pre>{@code
 * progress.lineEnded(record.id(), record.status(), errorCode).ifPresent(worker::advance); // may be complete
 * }</pre>
 */
public final class JobProgress {
    private final JobStore jobs;

    public JobProgress(JobStore jobs) {
        this.jobs = jobs;
    }

    /**
     * Counts the line of {@code questionId}, if it is one.
     *
     * @return the job's id when this count ended the last line of its shard: the job may now be complete
     */
    public Optional<String> lineEnded(String questionId, QaStatus status, String errorCode) {
        Optional<JobLines.Line> line = JobLines.parse(questionId);
        LineOutcome outcome = LineOutcome.of(status, errorCode);
        if (line.isEmpty() || outcome == null) return Optional.empty();
        return jobs.countLine(line.get().jobId(), line.get().line(), outcome)
                ? Optional.of(line.get().jobId()) : Optional.empty();
    }
}
