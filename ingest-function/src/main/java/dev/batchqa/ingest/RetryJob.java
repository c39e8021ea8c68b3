package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.ingest.jobs.Job;
import dev.batchqa.ingest.jobs.JobFiles;
import dev.batchqa.ingest.jobs.JobInput;
import dev.batchqa.ingest.jobs.JobStatus;
import dev.batchqa.ingest.jobs.JobStore;
import dev.batchqa.ingest.jobs.LineOutcome;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.store.IdempotencyStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code POST /jobs/{id}/retry}: a new job of the ended job's lines that were not answered (FAILED, CANCELLED or
 * EXPIRED), their input lines as they were (custom_ids included, so results match by custom_id), with the same
 * metadata and completion window and {@code parentId} naming the ended job. A job with every line DONE has nothing
 * to retry (409).
 *
 * <p>With an Idempotency-Key (as on {@code POST /jobs}, in the same per-caller namespace): the key is claimed for the
 * new job's id before the job is made, so a retried request gets the same new job instead of a second one, and the
 * key reused for another job's retry (or a submit) is a 422.
 *
 * <pre>{@code
 * RetryJob.Retried r = new RetryJob(access, jobs, files, keys, worker::advance, clock).retry(event, jobId);
 * }</pre>
 */
final class RetryJob {
    /** The new job, and whether it replays an earlier request with the same Idempotency-Key. */
    record Retried(Job job, boolean replayed) {}

    private final JobAccess access;
    private final JobStore jobs;
    private final JobFiles files;
    private final IdempotencyStore keys;
    private final Consumer<String> start;
    private final Clock clock;

    RetryJob(JobAccess access, JobStore jobs, JobFiles files, IdempotencyStore keys, Consumer<String> start,
            Clock clock) {
        this.access = access;
        this.jobs = jobs;
        this.files = files;
        this.keys = keys;
        this.start = start;
        this.clock = clock;
    }

    Retried retry(APIGatewayV2HTTPEvent event, String jobId) {
        Job parent = access.find(event, jobId);
        if (!parent.status().isEnded() || parent.status() == JobStatus.FAILED) {
            throw new ApiException(409, "JOB_NOT_RETRYABLE", "the job is " + parent.status().wire()
                    + "; a completed, cancelled or expired job can be retried (fix a failed one's input and submit it)");
        }
        Set<Integer> unanswered = new HashSet<>();
        for (String line : text(files.read(JobFiles.resultsKey(jobId))).split("\n")) {
            if (line.isBlank()) continue;
            try {
                JsonNode result = Json.MAPPER.readTree(line);
                if (!LineOutcome.DONE.name().equals(result.path("status").asText())) {
                    unanswered.add(result.path("line").asInt());
                }
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unreadable results of " + jobId, e);
            }
        }
        if (unanswered.isEmpty()) {
            throw new ApiException(409, "NOTHING_TO_RETRY", "every line of the job was answered");
        }
        List<String> inputLines;
        try {
            inputLines = JobInput.lines(files.read(parent.inputKey()));
        } catch (JobInput.NotText e) {
            throw new IllegalStateException("input of " + jobId + " is not text", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < inputLines.size(); i++) {
            if (unanswered.contains(i + 1)) out.writeBytes((inputLines.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        SubmitJob.Claimed claimed = SubmitJob.claimJobId(keys, jobs, event, Digests.sha256("retry\n" + jobId));
        if (claimed.existing().isPresent()) return new Retried(claimed.existing().get(), true);
        String id = claimed.id();
        String inputKey = JobFiles.inputKey(id);
        files.put(inputKey, out.toByteArray(), "application/x-ndjson");
        Job job = Job.validating(id, parent.owner(), parent.metadata(), clock.instant(), parent.completionWindow(),
                parent.id(), inputKey);
        jobs.create(job);
        start.accept(id);
        return new Retried(job, claimed.replayed());
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
