package dev.batchqa.bench;

import dev.batchqa.shared.eval.SquadMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A SQuAD v1.1 or v2.0 file in the official JSON layout ({@code data[].paragraphs[].qas[]}), flattened to questions
 * in file order, each tagged with the index of its article.
 *
 * @param version "v1.1" or "v2.0" (from the file's {@code version}, else v2.0 if any question has
 *     {@code is_impossible})
 * @param articles number of articles
 * @param questions all questions, in file order
 */
public record SquadDataset(String version, int articles, List<Question> questions) {

    /**
     * @param id the question id (key of the predictions file)
     * @param article index of the article in the file
     * @param answers gold answer texts as given (may be empty for unanswerable v2.0 questions)
     */
    public record Question(String id, int article, String question, String context, List<String> answers) {

        /** The golds the metrics use (see {@link SquadMetrics#goldAnswers}). */
        public List<String> golds() {
            return SquadMetrics.goldAnswers(answers);
        }

        public boolean hasAnswer() {
            return !golds().get(0).isEmpty();
        }
    }

    public boolean isV2() {
        return version.startsWith("v2") || version.startsWith("2");
    }

    /** Reads a {@code .json} or {@code .json.gz} file (gzip is detected by its magic bytes). */
    public static SquadDataset read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b1 = raw.read();
            int b2 = raw.read();
            raw.reset();
            InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return parse(new ObjectMapper().readTree(in));
        }
    }

    static SquadDataset parse(JsonNode root) throws IOException {
        JsonNode data = root.path("data");
        if (!data.isArray()) {
            throw new IOException("Not a SQuAD file: no data[] array");
        }
        List<Question> questions = new ArrayList<>();
        boolean impossibleSeen = false;
        int article = 0;
        for (JsonNode a : data) {
            for (JsonNode p : a.path("paragraphs")) {
                String context = p.path("context").asText();
                for (JsonNode qa : p.path("qas")) {
                    List<String> answers = new ArrayList<>();
                    for (JsonNode ans : qa.path("answers")) {
                        answers.add(ans.path("text").asText());
                    }
                    impossibleSeen |= qa.has("is_impossible");
                    boolean impossible = qa.path("is_impossible").asBoolean(false);
                    questions.add(new Question(qa.path("id").asText(), article, qa.path("question").asText(), context,
                            impossible ? List.of() : List.copyOf(answers)));
                }
            }
            article++;
        }
        String version = root.path("version").asText(impossibleSeen ? "v2.0" : "v1.1");
        if (version.isEmpty()) {
            version = impossibleSeen ? "v2.0" : "v1.1";
        }
        return new SquadDataset(version, article, List.copyOf(questions));
    }

    /** The first {@code limit} questions (the articles count shrinks to those still present). */
    public SquadDataset limit(int limit) {
        if (limit >= questions.size()) {
            return this;
        }
        List<Question> kept = questions.subList(0, limit);
        int lastArticle = kept.isEmpty() ? -1 : kept.get(kept.size() - 1).article();
        return new SquadDataset(version, lastArticle + 1, List.copyOf(kept));
    }
}
