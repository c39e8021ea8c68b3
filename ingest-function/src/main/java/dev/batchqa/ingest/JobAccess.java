package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.batchqa.ingest.jobs.Job;
import dev.batchqa.ingest.jobs.JobLines;
import dev.batchqa.ingest.jobs.JobStore;

/**
 * Who may see a job: its owner, the caller as Idempotency-Keys are scoped ({@link SubmitQuestion#caller}). Anyone
 * else gets the 404 of a job that does not exist, so that a job id reveals nothing to another principal.
 */
final class JobAccess {
    private final JobStore jobs;

    JobAccess(JobStore jobs) {
        this.jobs = jobs;
    }

    /** The stored owner of the caller's jobs: a digest, so the table holds no principal names. */
    static String owner(APIGatewayV2HTTPEvent event) {
        return Digests.sha256("jobs\n" + SubmitQuestion.caller(event));
    }

    /** The caller's job, or a 404. */
    Job find(APIGatewayV2HTTPEvent event, String jobId) {
        if (!JobLines.isJobId(jobId)) throw notFound(jobId);
        Job job = jobs.find(jobId).orElseThrow(() -> notFound(jobId));
        if (!job.owner().equals(owner(event))) throw notFound(jobId);
        return job;
    }

    private static ApiException notFound(String jobId) {
        return new ApiException(404, "NOT_FOUND", "no job " + (JobLines.isJobId(jobId) ? jobId : "with this id"));
    }
}
