package dev.batchqa.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.batchqa.ingest.jobs.Job;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /jobs/{id}} (and of each job in {@code GET /jobs}): status, line counts as they are now,
 * times, the caller's metadata, the line errors of a job that failed validation, and where the results are once
 * it has ended ({@code results}, null before).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record JobView(String id, String status, CountsView counts, String createdAt, String expiresAt, String completedAt,
        long completionWindowSeconds, Map<String, String> metadata,
        @JsonInclude(JsonInclude.Include.NON_NULL) String parentId, List<Job.LineError> errors, int errorCount,
        String results) {

    record CountsView(int total, int done, int failed, int cancelled, int expired, int pending) {
        /** A job that failed validation has nothing pending: none of its lines will be answered. */
        static CountsView of(Job job) {
            Job.Counts c = job.counts();
            return new CountsView(c.total(), c.done(), c.failed(), c.cancelled(), c.expired(),
                    job.status() == dev.batchqa.ingest.jobs.JobStatus.FAILED ? 0 : c.pending());
        }
    }

    static JobView of(Job job) {
        boolean hasResults = job.status().isEnded() && job.status() != dev.batchqa.ingest.jobs.JobStatus.FAILED;
        return new JobView(job.id(), job.status().wire(), CountsView.of(job), job.createdAt().toString(),
                job.expiresAt().toString(), job.completedAt() == null ? null : job.completedAt().toString(),
                job.completionWindow().toSeconds(), job.metadata(), job.parentId(), job.errors(), job.errorCount(),
                hasResults ? "/jobs/" + job.id() + "/results" : null);
    }
}
