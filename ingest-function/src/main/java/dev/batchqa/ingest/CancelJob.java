package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.batchqa.ingest.jobs.Job;
import dev.batchqa.ingest.jobs.JobStatus;
import dev.batchqa.ingest.jobs.JobStore;
import java.util.function.Consumer;

/**
 * {@code POST /jobs/{id}/cancel}: the job becomes {@code cancelling}; its worker then ends every line not answered
 * yet as CANCELLED (answered lines keep their answers) and the job ends {@code cancelled}, with results. Cancelling
 * a job that is cancelling already changes nothing; one that has ended is a 409.
 *
 * <pre>{@code
 * Job job = new CancelJob(access, jobs, worker::advance).cancel(event, jobId); // 202, status "cancelling"
 * }</pre>
 */
final class CancelJob {
    private final JobAccess access;
    private final JobStore jobs;
    private final Consumer<String> advance;

    CancelJob(JobAccess access, JobStore jobs, Consumer<String> advance) {
        this.access = access;
        this.jobs = jobs;
        this.advance = advance;
    }

    Job cancel(APIGatewayV2HTTPEvent event, String jobId) {
        Job job = access.find(event, jobId);
        if (!jobs.requestCancel(jobId)) {
            job = jobs.find(jobId).orElse(job);
            if (job.status() != JobStatus.CANCELLING
                    && !(job.status() == JobStatus.FINALIZING && job.endAs() == JobStatus.CANCELLED)) {
                throw new ApiException(409, "JOB_NOT_CANCELLABLE", "the job is " + job.status().wire()
                        + "; only a validating or in_progress job can be cancelled");
            }
            return job;
        }
        advance.accept(jobId);
        return jobs.find(jobId).orElse(job);
    }
}
