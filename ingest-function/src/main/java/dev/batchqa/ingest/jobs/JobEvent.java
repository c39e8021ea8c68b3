package dev.batchqa.ingest.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.batchqa.shared.events.CompletionEvent;
import dev.batchqa.shared.message.Json;
import java.time.Instant;
import java.util.Optional;

/**
 * The event of a job's end, on the same bus and with the same source as the question events
 * ({@value CompletionEvent#SOURCE}): detail-type {@code JobCompleted}, {@code JobFailed}, {@code JobCancelled} or
 * {@code JobExpired}. Like them it carries no user text: not the metadata, not a custom_id, no error message.
 *
 * <pre>{@code
 * JobEvent.of(job).ifPresent(events::publish);
 * // {"id":"job_5f0c...","status":"completed","counts":{"total":300,...},"createdAt":"...","completedAt":"..."}
 * }</pre>
 */
public record JobEvent(String id, String status, Job.Counts counts, String createdAt, String completedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String parentId) {

    /** The event of an ended job; empty for a job that has not ended. */
    public static Optional<JobEvent> of(Job job) {
        if (!job.status().isEnded()) return Optional.empty();
        return Optional.of(new JobEvent(job.id(), job.status().wire(), job.counts(), job.createdAt().toString(),
                job.completedAt() == null ? null : job.completedAt().toString(), job.parentId()));
    }

    /** {@code JobCompleted}, {@code JobFailed}, {@code JobCancelled} or {@code JobExpired}. */
    @JsonIgnore
    public String detailType() {
        String s = status;
        return "Job" + Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The EventBridge {@code Detail}. */
    public String toJson() {
        return write(this);
    }

    /** As an EventBridge rule target receives it, less what only AWS knows (see {@link CompletionEvent}). */
    public String toEnvelopeJson(Instant time) {
        return write(new Envelope(CompletionEvent.SOURCE, detailType(), time.toString(), this));
    }

    private record Envelope(String source, @JsonProperty("detail-type") String detailType, String time,
            JobEvent detail) {}

    private static String write(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event", e);
        }
    }
}
