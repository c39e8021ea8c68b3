package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.batchqa.ingest.jobs.Job;
import dev.batchqa.ingest.jobs.JobFiles;
import dev.batchqa.ingest.jobs.JobStatus;
import java.net.URI;
import java.time.Duration;

/**
 * {@code GET /jobs/{id}/results}: once the job has ended (completed, cancelled or expired: all keep what was
 * answered), a 303 to a pre-signed URL of the results object, valid {@link #VALIDITY}: one JSONL line per input
 * line, in input order. The object can be far larger than a Lambda response may be, hence the redirect.
 *
 * <pre>{@code
 * URI url = new GetJobResults(access, files).url(event, jobId); // curl -L follows it
 * }</pre>
 */
final class GetJobResults {
    static final Duration VALIDITY = Duration.ofMinutes(15);

    private final JobAccess access;
    private final JobFiles files;

    GetJobResults(JobAccess access, JobFiles files) {
        this.access = access;
        this.files = files;
    }

    URI url(APIGatewayV2HTTPEvent event, String jobId) {
        Job job = access.find(event, jobId);
        if (job.status() == JobStatus.FAILED) {
            throw new ApiException(409, "NO_RESULTS", "the job failed validation and answered nothing; see its errors");
        }
        if (!job.status().isEnded()) {
            throw new ApiException(409, "RESULTS_NOT_READY", "the job is " + job.status().wire()
                    + "; results are written when it ends");
        }
        return files.downloadUrl(JobFiles.resultsKey(jobId), VALIDITY);
    }
}
