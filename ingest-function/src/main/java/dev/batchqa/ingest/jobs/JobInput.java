package dev.batchqa.ingest.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.QuestionSet;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's input, every line checked before anything is queued: one JSON object a line,
 * {@code {"custom_id", "context", "question"}} plus {@code /qa}'s per-question options ({@code topK},
 * {@code maxAnswerLength}, {@code allowNoAnswer}), read by the same {@link QuestionReader} as {@code POST /qa}, and
 * custom_ids unique in the job. Line numbers are 1-based; a final newline ends the last line and adds none.
 *
 * <pre>{@code
 * JobInput input = JobInput.read(bytes, validator);
 * if (!input.errors().isEmpty()) { ... input.errors().getFirst().line() ... }
 * }</pre>
 *
 * @param lines      the valid lines (all of them when there are no errors)
 * @param errors     the first {@link #MAX_ERRORS} errors, in line order
 * @param errorCount every error, also those not kept
 * @param lineCount  how many lines the input has
 */
public record JobInput(List<Line> lines, List<Job.LineError> errors, int errorCount, int lineCount) {
    /** Line errors a job keeps: enough to fix a file in one round, small enough for the job's item. */
    public static final int MAX_ERRORS = 1_000;
    /** Longest custom_id, in characters. */
    public static final int MAX_CUSTOM_ID_CHARS = 256;
    private static final String CUSTOM_ID = "custom_id";

    /**
     * One valid line.
     *
     * @param set its question (no id yet) with context and options
     */
    public record Line(int number, String customId, QuestionSet set) {}

    /** The input is not UTF-8 text (a request problem, not a line's). */
    public static final class NotText extends Exception {
        NotText() {
            super("input is not valid UTF-8", null, false, false);
        }
    }

    public static JobInput read(byte[] bytes, QaValidator validator) throws NotText {
        List<String> texts = lines(bytes);
        List<Line> lines = new ArrayList<>(texts.size());
        List<Job.LineError> errors = new ArrayList<>();
        int errorCount = 0;
        Map<String, Integer> firstLineOf = new HashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            int number = i + 1;
            try {
                Line line = line(number, texts.get(i), validator);
                Integer earlier = firstLineOf.putIfAbsent(line.customId(), number);
                if (earlier != null) {
                    throw new QuestionReader.Invalid("DUPLICATE_CUSTOM_ID",
                            "custom_id is also on line " + earlier + "; each line needs its own", CUSTOM_ID);
                }
                lines.add(line);
            } catch (QuestionReader.Invalid e) {
                if (errors.size() < MAX_ERRORS) errors.add(new Job.LineError(number, e.code(), e.getMessage()));
                errorCount++;
            }
        }
        return new JobInput(lines, errors, errorCount, texts.size());
    }

    /** How many lines the input has, without reading them (a final newline adds none). */
    public static int countLines(byte[] bytes) {
        if (bytes.length == 0) return 0;
        int count = 0;
        for (byte b : bytes) if (b == '\n') count++;
        return bytes[bytes.length - 1] == '\n' ? count : count + 1;
    }

    /** The input's lines as text, without their line ends. */
    public static List<String> lines(byte[] bytes) throws NotText {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new NotText();
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            String line = text.substring(start, end);
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            start = end + 1;
        }
        return lines;
    }

    private static Line line(int number, String text, QaValidator validator) throws QuestionReader.Invalid {
        if (text.isBlank()) throw new QuestionReader.Invalid("EMPTY_LINE", "line is empty; expected a JSON object", null);
        JsonNode node;
        try {
            node = QuestionReader.parse(text);
        } catch (JsonProcessingException e) {
            throw new QuestionReader.Invalid("MALFORMED_JSON", "line is not valid JSON: " + e.getOriginalMessage(), null);
        }
        if (!node.isObject()) throw new QuestionReader.Invalid("INVALID_LINE", "line must be a JSON object", null);
        JsonNode id = node.get(CUSTOM_ID);
        if (id == null || id.isNull()) throw new QuestionReader.Invalid("MISSING_FIELD", "'custom_id' is required", CUSTOM_ID);
        if (!id.isTextual()) throw new QuestionReader.Invalid("WRONG_TYPE", "'custom_id' must be a string", CUSTOM_ID);
        String customId = id.textValue();
        if (customId.isEmpty() || customId.length() > MAX_CUSTOM_ID_CHARS
                || customId.chars().anyMatch(Character::isISOControl)) {
            throw new QuestionReader.Invalid("INVALID_CUSTOM_ID", "'custom_id' must be 1 to " + MAX_CUSTOM_ID_CHARS
                    + " characters without control characters", CUSTOM_ID);
        }
        ObjectNode rest = ((ObjectNode) node).deepCopy();
        rest.remove(CUSTOM_ID);
        return new Line(number, customId, QuestionReader.request(rest, "", validator, false));
    }
}
