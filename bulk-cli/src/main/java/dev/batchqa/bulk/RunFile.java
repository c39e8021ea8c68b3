package dev.batchqa.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.model.ErrorInfo;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ids file of a direct submission: every input question, with the id its record will have, written before its
 * message is sent, so that a run stopped at any point (killed during {@code --wait}, say) can still be collected
 * with {@code --resume FILE}. JSONL, appended to as the run goes:
 *
 * <pre>
 * {"bulkSubmit": "ids", "startedAt": "2026-12-07T16:00:00Z", "table": "qa-requests"}
 * {"where": "line 1", "custom_id": "q-1", "id": "q-1", "given": false, "question": "Which score?", "topK": 1}
 * {"where": "line 2", "custom_id": null, "id": null, "given": false, "question": null, "topK": 0, "error": {"code": "MALFORMED_JSON", ...}}
 * {"id": "q-1", "notSent": "gave up after 8 attempts: ..."}
 * </pre>
 *
 * {@code given} says the CLI made the id (a fresh random UUID, which no earlier record can hold); {@code startedAt}
 * lets a later collection tell an answer of this run from an older record under an id the input chose.
 *
 * <pre>{@code
 * try (RunFile ids = RunFile.create(path, Instant.now(), table)) { submitter.submitItems(items, false, ids); }
 * RunFile.Run run = RunFile.read(path);
 * }</pre>
 */
final class RunFile implements BulkSubmitter.Journal, Closeable {
    private static final String MARKER = "ids";

    /**
     * One input question.
     *
     * @param error why it was not sent: invalid ({@code code} the validator's), or {@code NOT_SENT}; null when sent
     */
    record Line(String where, String customId, String id, boolean given, String question, int topK, ErrorInfo error) {
        boolean sent() {
            return error == null && id != null;
        }
    }

    /** What a run wrote: when it started, its table, and its questions in input order. */
    record Run(Instant startedAt, String table, List<Line> lines) {}

    private final Path path;
    private final BufferedWriter writer;
    private final Instant startedAt;
    private final String table;
    private final List<Line> lines = new ArrayList<>();
    private final Map<String, Integer> byId = new LinkedHashMap<>();

    private RunFile(Path path, BufferedWriter writer, Instant startedAt, String table) {
        this.path = path;
        this.writer = writer;
        this.startedAt = startedAt;
        this.table = table;
    }

    /** A new ids file (an existing one is replaced), its header written. */
    static RunFile create(Path path, Instant startedAt, String table) throws IOException {
        BufferedWriter writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
        RunFile file = new RunFile(path, writer, startedAt, table);
        ObjectNode header = Json.MAPPER.createObjectNode().put("bulkSubmit", MARKER)
                .put("startedAt", startedAt.toString()).put("table", table);
        file.write(header);
        return file;
    }

    Path path() {
        return path;
    }

    /** What has been written so far (not-sent messages included). */
    synchronized Run run() {
        return new Run(startedAt, table, List.copyOf(lines));
    }

    @Override
    public synchronized void planned(List<BulkSubmitter.Planned> questions) {
        for (BulkSubmitter.Planned p : questions) {
            Line line = new Line(p.where(), p.customId(), p.id(), p.given(), p.question(), p.topK(), error(p.error()));
            ObjectNode json = Json.MAPPER.createObjectNode().put("where", line.where())
                    .put("custom_id", line.customId()).put("id", line.id()).put("given", line.given())
                    .put("question", line.question()).put("topK", line.topK());
            if (line.error() != null) json.set("error", Json.MAPPER.valueToTree(line.error()));
            writeLine(json);
            if (line.sent()) byId.put(line.id(), lines.size());
            lines.add(line);
        }
        flush(); // on disk before the message is sent
    }

    @Override
    public synchronized void notSent(List<String> ids, String reason) {
        for (String id : ids) {
            writeLine(Json.MAPPER.createObjectNode().put("id", id).put("notSent", reason));
            Integer at = byId.get(id);
            if (at != null) lines.set(at, notSent(lines.get(at), reason));
        }
        flush();
    }

    private static Line notSent(Line line, String reason) {
        return new Line(line.where(), line.customId(), line.id(), line.given(), line.question(), line.topK(),
                new ErrorInfo("NOT_SENT", reason));
    }

    /** {@code CODE: message} as the submitter words its reasons; a reason without a code is {@code INVALID}. */
    static ErrorInfo error(String reason) {
        if (reason == null) return null;
        int colon = reason.indexOf(": ");
        if (colon > 0 && reason.substring(0, colon).matches("[A-Z][A-Z0-9_]*")) {
            return new ErrorInfo(reason.substring(0, colon), reason.substring(colon + 2));
        }
        return new ErrorInfo("INVALID", reason);
    }

    /** Reads an ids file back, the not-sent notes applied to their lines. */
    static Run read(Path path) throws IOException {
        List<String> text = Files.readAllLines(path, StandardCharsets.UTF_8);
        if (text.isEmpty()) throw new IOException(path + " is empty: not an ids file of bulk-submit");
        JsonNode header = Json.MAPPER.readTree(text.getFirst());
        if (!MARKER.equals(header.path("bulkSubmit").asText())) {
            throw new IOException(path + " is not an ids file of bulk-submit (its first line has no \"bulkSubmit\": \"ids\")");
        }
        List<Line> lines = new ArrayList<>();
        Map<String, Integer> byId = new LinkedHashMap<>();
        for (String raw : text.subList(1, text.size())) {
            if (raw.isBlank()) continue;
            JsonNode j;
            try {
                j = Json.MAPPER.readTree(raw);
            } catch (IOException e) {
                break; // the last line of a run killed while writing it
            }
            if (j.has("notSent")) {
                Integer at = byId.get(j.path("id").asText());
                if (at != null) lines.set(at, notSent(lines.get(at), j.get("notSent").asText()));
                continue;
            }
            JsonNode e = j.get("error");
            Line line = new Line(j.path("where").asText(), text(j, "custom_id"), text(j, "id"), j.path("given").asBoolean(),
                    text(j, "question"), j.path("topK").asInt(),
                    e == null || e.isNull() ? null : new ErrorInfo(e.path("code").asText(), e.path("message").asText()));
            if (line.sent()) byId.put(line.id(), lines.size());
            lines.add(line);
        }
        return new Run(Instant.parse(header.get("startedAt").asText()), text(header, "table"),
                Collections.unmodifiableList(lines));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private void write(JsonNode json) {
        writeLine(json);
        flush();
    }

    private void writeLine(JsonNode json) {
        try {
            writer.write(Json.MAPPER.writeValueAsString(json));
            writer.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ids file " + path + ": " + e.getMessage(), e);
        }
    }

    private void flush() {
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ids file " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        writer.close();
    }
}
