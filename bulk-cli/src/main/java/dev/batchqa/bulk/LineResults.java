package dev.batchqa.bulk;

import dev.batchqa.shared.model.ErrorInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code --out} line of the direct path per input question: {@code {"where", "custom_id", "id", "status",
 * "question", "answer", "answers", "noAnswerScore", "model", "error"}}.
 *
 * <p>A record is this line's answer only if it is an answer to this line: the record must hold the line's question
 * and topK, and, under an id the input chose, must not be older than the run. Otherwise the id was reused: the
 * inference side refuses a second completion of an id (it keeps the first question's record and only counts an id
 * conflict), so the record holds an answer to another message, and the line is reported {@code CONFLICT} with
 * error {@code ID_CONFLICT} and no answer. The age check catches a reuse with the same question but another context,
 * {@code maxAnswerLength} or {@code allowNoAnswer} (the record keeps neither); ids the CLI made are fresh UUIDs and
 * need none.
 *
 * <pre>{@code
 * Map<String, Object> json = LineResults.json(line, collector.fetch(List.of(line.id())).get(line.id()), run.startedAt());
 * }</pre>
 */
final class LineResults {
    static final String INVALID = "INVALID";
    static final String NOT_SENT = "NOT_SENT";
    static final String CONFLICT = "CONFLICT";
    static final String ID_CONFLICT = "ID_CONFLICT";
    /** Clock difference allowed between this machine and SQS (a record's createdAt is the message's SentTimestamp). */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private LineResults() {}

    /** The line's status and error when it was not sent (INVALID or NOT_SENT, no record to read). */
    static Map<String, Object> unsent(RunFile.Line line) {
        Map<String, Object> json = base(line);
        boolean notSent = NOT_SENT.equals(line.error().code());
        json.put("status", notSent ? NOT_SENT : INVALID);
        json.put("question", line.question());
        empty(json);
        json.put("error", line.error());
        return json;
    }

    /** The line with what the table says about its id: the record's outcome, or CONFLICT when it is not this line's. */
    static Map<String, Object> json(RunFile.Line line, AnswerCollector.Result r, Instant startedAt) {
        if (!line.sent()) return unsent(line);
        String conflict = conflict(line, r, startedAt);
        Map<String, Object> json = base(line);
        if (conflict == null) {
            Map<String, Object> record = r.toJson();
            record.remove("id");
            json.putAll(record);
            return json;
        }
        json.put("status", CONFLICT);
        json.put("question", line.question());
        empty(json);
        json.put("error", new ErrorInfo(ID_CONFLICT, conflict));
        return json;
    }

    /** Why the record of the line's id is not the answer to this line; null when it is (or nothing is known yet). */
    static String conflict(RunFile.Line line, AnswerCollector.Result r, Instant startedAt) {
        if (r == null || r.question() == null || r.question().isEmpty()) return null; // absent, withdrawn, or legacy
        String id = "id '" + line.id() + "'";
        if (!Objects.equals(r.question(), line.question())) {
            return "the record of " + id + " holds a different question, so its answer is not this line's: the id was "
                    + "reused (give every question its own id, or none and the CLI makes one)";
        }
        if (r.topK() > 0 && line.topK() > 0 && r.topK() != line.topK()) {
            return "the record of " + id + " was asked with topK " + r.topK() + ", this line with topK " + line.topK()
                    + ": the id was reused, and the record keeps its first answer";
        }
        if (!line.given() && r.createdAt() != null && r.createdAt().isBefore(startedAt.minus(CLOCK_SKEW))) {
            return "the record of " + id + " was created at " + r.createdAt() + ", before this run started ("
                    + startedAt + "): it answers an earlier message, perhaps with another context or options "
                    + "(give every question a new id, or none and the CLI makes one)";
        }
        return null;
    }

    /** A line is finished (nothing more to wait for) when unsent, CONFLICT, or its record is complete. */
    static boolean finished(Map<String, Object> json) {
        Object status = json.get("status");
        return !("PENDING".equals(status) || "NOT_FOUND".equals(status));
    }

    private static Map<String, Object> base(RunFile.Line line) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("where", line.where());
        json.put("custom_id", line.customId());
        json.put("id", line.id());
        return json;
    }

    private static void empty(Map<String, Object> json) {
        json.put("answer", null);
        json.put("answers", List.of());
        json.put("noAnswerScore", null);
        json.put("model", null);
    }
}
