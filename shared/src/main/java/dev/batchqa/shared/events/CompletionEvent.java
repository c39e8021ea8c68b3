package dev.batchqa.shared.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.model.QaRecord;
import java.time.Instant;
import java.util.Optional;

/**
 * The event published when a question is finished: DONE, FAILED or CANCELLED. One mapping from a record for both
 * paths: the deployed one (the table's stream, CompletionEventsHandler, EventBridge {@code PutEvents}) and the local
 * runner's (its own write path, {@code GET /local/events}). Never user text: no question, context, answer, error
 * message or correlation id; the id is what a subscriber reads the record with.
 *
 * <pre>{@code
 * CompletionEvent.of(record).ifPresent(e -> bus.put(CompletionEvent.SOURCE, CompletionEvent.DETAIL_TYPE, e.toJson()));
 * // {"id":"1b0f...","status":"FAILED","createdAt":"2026-11-26T10:15:30Z","completedAt":"...","errorCode":"EXPIRED"}
 * }</pre>
 *
 * @param errorCode the FAILED record's error code; absent otherwise
 */
public record CompletionEvent(String id, String status, String createdAt, String completedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String errorCode) {
    /** EventBridge {@code Source} of every event. */
    public static final String SOURCE = "batch-qa";
    /** EventBridge {@code DetailType} of every event. */
    public static final String DETAIL_TYPE = "QuestionCompleted";

    /** The event of a finished record; empty for PENDING and for a tombstone (deletion publishes nothing). */
    public static Optional<CompletionEvent> of(QaRecord r) {
        if (r == null || r.status() == null || !r.status().isFinished()) return Optional.empty();
        return Optional.of(new CompletionEvent(r.id(), r.status().name(), text(r.createdAt()), text(r.completedAt()),
                r.error() == null ? null : r.error().code()));
    }

    /** The EventBridge {@code Detail}. */
    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event", e);
        }
    }

    /**
     * The event as an EventBridge rule target receives it, less what only AWS knows (account, region, event id):
     * what the local runner offers its subscribers.
     */
    public String toEnvelopeJson(Instant time) {
        try {
            return Json.MAPPER.writeValueAsString(new Envelope(SOURCE, DETAIL_TYPE, time.toString(), this));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event", e);
        }
    }

    private record Envelope(String source, @JsonProperty("detail-type") String detailType, String time,
            CompletionEvent detail) {}

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
