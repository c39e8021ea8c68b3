package dev.batchqa.bulk;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Deque;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Reads the two input formats of the bulk CLI, lazily, into {@link InputItem}s:
 *
 * <ul>
 *   <li><b>JSONL</b>: one JSON object a line, a message of schema v1, {@code {"id"?, "question", "context",
 *       "topK"?, "correlationId"?}}, or v2, {@code {"version": 2, "context", "questions": [{"id"?, "question"}],
 *       "topK"?, "maxAnswerLength"?, "allowNoAnswer"?, "correlationId"?}}; ids left out are given (random UUIDs);
 *       blank lines are skipped. Like the HTTP API, unknown fields and duplicate keys are rejected, so a typo
 *       fails loudly instead of being ignored.
 *   <li><b>SQuAD</b> v1.1/v2.0 ({@code data[].paragraphs[].qas[]}): each question becomes one message whose id
 *       is the SQuAD question id, or with {@code perParagraph} each paragraph one v2 message of its questions
 *       (the context travels once); read one article at a time, so large files do not need a tree in memory.
 * </ul>
 *
 * Either may be gzip-compressed (detected by its magic bytes). Only structure and types are checked here; the
 * content rules (required fields, lengths, id pattern, topK range) are the shared validator's, applied by
 * {@link BulkSubmitter}.
 */
public final class InputFiles {
    public enum Format { JSONL, SQUAD }

    static final Set<String> JSONL_FIELDS = Set.of("id", "question", "context", "topK", "correlationId");
    static final Set<String> JSONL_V2_FIELDS =
            Set.of("version", "context", "questions", "topK", "maxAnswerLength", "allowNoAnswer", "correlationId");

    /** For streaming SQuAD one article at a time (trailing tokens are the next articles). */
    private static final ObjectMapper STREAMING = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private InputFiles() {}

    /** {@code .json} / {@code .json.gz} is SQuAD; anything else ({@code .jsonl}, {@code .ndjson}, ...) JSONL. */
    public static Format detect(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) name = name.substring(0, name.length() - 3);
        return name.endsWith(".json") ? Format.SQUAD : Format.JSONL;
    }

    /**
     * @param defaultTopK topK for items that name none (all SQuAD questions); null leaves it absent (= 1)
     */
    public static ItemSource open(Path file, Format format, Integer defaultTopK) throws IOException {
        return open(file, format, defaultTopK, false);
    }

    /** @param perParagraph SQuAD only: one v2 message per paragraph instead of one message per question */
    public static ItemSource open(Path file, Format format, Integer defaultTopK, boolean perParagraph) throws IOException {
        InputStream in = decompressed(Files.newInputStream(file));
        try {
            return format == Format.SQUAD ? squad(in, defaultTopK, perParagraph)
                    : jsonl(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()), 1 << 16),
                            defaultTopK);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** How many items the file holds, for the progress bar: its non-blank lines, or its SQuAD questions. */
    public static long count(Path file, Format format) throws IOException {
        try (InputStream in = decompressed(Files.newInputStream(file))) {
            long n = 0;
            if (format == Format.JSONL) {
                byte[] buffer = new byte[1 << 16];
                boolean content = false;
                for (int r; (r = in.read(buffer)) > 0; ) {
                    for (int i = 0; i < r; i++) {
                        byte b = buffer[i];
                        if (b == '\n') {
                            if (content) n++;
                            content = false;
                        } else if (b != ' ' && b != '\t' && b != '\r') {
                            content = true;
                        }
                    }
                }
                return content ? n + 1 : n;
            }
            try (JsonParser p = STREAMING.createParser(in)) {
                for (JsonToken t; (t = p.nextToken()) != null; ) {
                    if (t == JsonToken.FIELD_NAME && "question".equals(p.currentName())) n++;
                }
            }
            return n;
        }
    }

    static InputStream decompressed(InputStream raw) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /** JSONL from a reader (a file, standard input, a test string). */
    public static ItemSource jsonl(BufferedReader reader, Integer defaultTopK) {
        return new ItemSource() {
            private long lineNumber;
            private InputItem next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    String line;
                    try {
                        line = reader.readLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException("line " + (lineNumber + 1) + ": " + e.getMessage(), e);
                    }
                    if (line == null) return false;
                    lineNumber++;
                    if (lineNumber == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                    if (line.isBlank()) continue;
                    next = parseLine("line " + lineNumber, line, defaultTopK);
                }
                return true;
            }

            @Override
            public InputItem next() {
                if (!hasNext()) throw new NoSuchElementException();
                InputItem item = next;
                next = null;
                return item;
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    static InputItem parseLine(String where, String line, Integer defaultTopK) {
        JsonNode tree;
        try {
            tree = QuestionReader.parse(line);
        } catch (JsonProcessingException e) {
            return InputItem.unreadable(where, "MALFORMED_JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (!(tree instanceof ObjectNode object)) {
            return InputItem.unreadable(where, "INVALID_BODY: the line is not a JSON object");
        }
        boolean v2 = object.has("questions") || object.path("version").asInt(1) == 2;
        Set<String> fields = v2 ? JSONL_V2_FIELDS : JSONL_FIELDS;
        var unknown = QuestionReader.unknownField(object, fields);
        if (unknown.isPresent()) {
            return InputItem.unreadable(where, "UNKNOWN_FIELD: '" + unknown.get() + "' is not a field ("
                    + String.join(", ", new TreeSet<>(fields)) + ")");
        }
        try {
            // the same types as the HTTP API and the message codec: topK 1.0 is not an integer
            String context = QuestionReader.text(object, "context", "");
            String correlationId = QuestionReader.text(object, "correlationId", "");
            Integer topK = QuestionReader.integer(object, "topK", "");
            int k = topK != null ? topK : defaultTopK != null ? defaultTopK : AnswerOptions.DEFAULT.topK();
            if (!v2) {
                String id = QuestionReader.text(object, "id", "");
                String question = QuestionReader.text(object, "question", "");
                return InputItem.of(where, QuestionSet.single(id, question, context, k, correlationId));
            }
            Integer maxAnswerLength = QuestionReader.integer(object, "maxAnswerLength", "");
            Boolean allowNoAnswer = QuestionReader.bool(object, "allowNoAnswer", "");
            JsonNode many = object.get("questions");
            if (many == null || !many.isArray()) {
                return InputItem.unreadable(where, "WRONG_TYPE: 'questions' must be an array");
            }
            List<Question> questions = new ArrayList<>();
            for (JsonNode q : many) {
                String at = "questions[" + questions.size() + "].";
                if (!q.isObject()) return InputItem.unreadable(where, "WRONG_TYPE: '" + at + "' must be an object");
                var extra = QuestionReader.unknownField(q, Set.of("id", "question"));
                if (extra.isPresent()) {
                    return InputItem.unreadable(where, "UNKNOWN_FIELD: '" + at + extra.get() + "' is not a field (id, question)");
                }
                questions.add(new Question(QuestionReader.text(q, "id", at), QuestionReader.text(q, "question", at)));
            }
            AnswerOptions options = new AnswerOptions(k, maxAnswerLength,
                    allowNoAnswer == null ? AnswerOptions.DEFAULT.allowNoAnswer() : allowNoAnswer);
            return InputItem.of(where, new QuestionSet(context, questions, options, correlationId));
        } catch (QuestionReader.Invalid e) {
            return InputItem.unreadable(where, "WRONG_TYPE: " + e.getMessage());
        }
    }

    /** SQuAD JSON ({@code {"version": ..., "data": [...]}}) from a stream, one article at a time. */
    public static ItemSource squad(InputStream in, Integer defaultTopK) throws IOException {
        return squad(in, defaultTopK, false);
    }

    /** @param perParagraph one v2 message per paragraph (its questions share the context) */
    public static ItemSource squad(InputStream in, Integer defaultTopK, boolean perParagraph) throws IOException {
        JsonParser parser = STREAMING.createParser(in);
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            parser.close();
            throw new IOException("not a SQuAD file: the top level is not a JSON object");
        }
        boolean found = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("data".equals(name) && value == JsonToken.START_ARRAY) {
                found = true;
                break;
            }
            parser.skipChildren();
        }
        if (!found) {
            parser.close();
            throw new IOException("not a SQuAD file: no data[] array");
        }
        return new ItemSource() {
            private final Deque<InputItem> buffer = new ArrayDeque<>();
            private int article = -1;
            private boolean exhausted;

            @Override
            public boolean hasNext() {
                try {
                    while (buffer.isEmpty() && !exhausted) {
                        JsonToken t = parser.nextToken();
                        if (t == null || t == JsonToken.END_ARRAY) {
                            exhausted = true;
                        } else {
                            article++;
                            expand(parser.readValueAsTree());
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("data[" + (article + 1) + "]: " + e.getMessage(), e);
                }
                return !buffer.isEmpty();
            }

            private void expand(JsonNode a) {
                int p = 0;
                for (JsonNode paragraph : a.path("paragraphs")) {
                    String context = textOrNull(paragraph.get("context"));
                    int q = 0;
                    int k = defaultTopK != null ? defaultTopK : AnswerOptions.DEFAULT.topK();
                    List<Question> questions = new ArrayList<>();
                    for (JsonNode qa : paragraph.path("qas")) {
                        String where = "data[" + article + "].paragraphs[" + p + "].qas[" + q + "]";
                        String id = textOrNull(qa.get("id"));
                        if (id == null) {
                            buffer.add(InputItem.unreadable(where, "MISSING_FIELD: the question has no 'id'"));
                        } else if (perParagraph) {
                            questions.add(new Question(id, textOrNull(qa.get("question"))));
                        } else {
                            buffer.add(InputItem.of(where + " (id " + id + ")",
                                    QuestionSet.single(id, textOrNull(qa.get("question")), context, k, null)));
                        }
                        q++;
                    }
                    // a paragraph's questions in messages of at most the limit each
                    for (int from = 0; from < questions.size(); from += Limits.MAX_QUESTIONS_PER_SET) {
                        List<Question> part = questions.subList(from, Math.min(questions.size(), from + Limits.MAX_QUESTIONS_PER_SET));
                        buffer.add(InputItem.of("data[" + article + "].paragraphs[" + p + "] (" + part.size() + " questions)",
                                new QuestionSet(context, part, AnswerOptions.DEFAULT.withTopK(k), null)));
                    }
                    p++;
                }
            }

            @Override
            public InputItem next() {
                if (!hasNext()) throw new NoSuchElementException();
                return buffer.poll();
            }

            @Override
            public void close() throws IOException {
                parser.close();
                in.close();
            }
        };
    }

    private static String textOrNull(JsonNode node) {
        return node == null || !node.isTextual() ? null : node.textValue();
    }
}
