package dev.batchqa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SquadDatasetTest {

    private static final String V2 = """
            {"version": "v2.0", "data": [
              {"title": "A", "paragraphs": [{"context": "Paris is in France.", "qas": [
                {"id": "a1", "question": "Where is Paris?", "is_impossible": false,
                 "answers": [{"text": "France", "answer_start": 12}, {"text": "in France", "answer_start": 9}]},
                {"id": "a2", "question": "Where is Rome?", "is_impossible": true, "answers": []}]}]},
              {"title": "B", "paragraphs": [{"context": "Ice is cold.", "qas": [
                {"id": "b1", "question": "What is cold?", "is_impossible": false,
                 "answers": [{"text": "Ice", "answer_start": 0}]}]}]},
              {"title": "C", "paragraphs": [{"context": "Two plus two is four.", "qas": [
                {"id": "c1", "question": "Two plus two?", "is_impossible": false,
                 "answers": [{"text": "four", "answer_start": 16}]},
                {"id": "c2", "question": "Two plus three?", "is_impossible": true, "answers": []}]}]}
            ]}""";

    @Test
    void readsGzippedV2AndSplitsByArticle(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("dev.json.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(V2.getBytes(StandardCharsets.UTF_8));
        }
        SquadDataset data = SquadDataset.read(file);
        assertTrue(data.isV2());
        assertEquals(3, data.articles());
        assertEquals(List.of("a1", "a2", "b1", "c1", "c2"), data.questions().stream().map(SquadDataset.Question::id)
                .toList());
        assertEquals(List.of("France", "in France"), data.questions().get(0).golds());
        assertFalse(data.questions().get(1).hasAnswer());
        assertEquals(List.of(""), data.questions().get(1).golds());

        ArticleSplit split = ArticleSplit.of(data); // 3 articles: first half 1, second half 2
        assertEquals(1, split.firstArticles());
        assertEquals(List.of("a1", "a2"), split.first().stream().map(SquadDataset.Question::id).toList());
        assertEquals(List.of("b1", "c1", "c2"), split.second().stream().map(SquadDataset.Question::id).toList());

        SquadDataset limited = data.limit(3);
        assertEquals(2, limited.articles());
        assertEquals(3, limited.questions().size());
    }

    @Test
    void readsPlainV11(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("dev.json");
        Files.writeString(file, """
                {"version": "1.1", "data": [{"title": "A", "paragraphs": [{"context": "Ice is cold.", "qas": [
                  {"id": "q", "question": "What is cold?", "answers": [{"text": "Ice", "answer_start": 0}]}]}]}]}""");
        SquadDataset data = SquadDataset.read(file);
        assertFalse(data.isV2());
        assertEquals(1, data.questions().size());
        assertTrue(data.questions().get(0).hasAnswer());
    }

    @Test
    void stepToOverlapAsRunSquad() {
        // 192 tokens, question of 11 tokens: 178 context tokens per window; step 128 -> overlap 50
        assertEquals(50, SquadEval.overlapForStep(192, 11, 128, 64));
        // 384, question 64 tokens: 317 context tokens, step 128 -> overlap 189
        assertEquals(189, SquadEval.overlapForStep(384, 64, 128, 64));
        // a step larger than the window cannot be expressed as an overlap: 0
        assertEquals(0, SquadEval.overlapForStep(128, 60, 128, 64));
    }
}
