package dev.batchqa.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
    static final String SQUAD_V2 = """
            {"version": "v2.0", "data": [
              {"title": "Paris", "paragraphs": [
                {"context": "The capital paris is nice.", "qas": [
                  {"id": "56be4db0acb8001400a502ec", "question": "Which capital?",
                   "answers": [{"text": "paris", "answer_start": 12}], "is_impossible": false},
                  {"id": "5ad39d53604f3c001a3fe8d1", "question": "What color?", "answers": [],
                   "plausible_answers": [{"text": "nice", "answer_start": 21}], "is_impossible": true}]},
                {"context": "The score 83.1 was reported.", "qas": [
                  {"id": "56be4db0acb8001400a502ed", "question": "Which score?", "answers": [{"text": "83.1", "answer_start": 10}]}]}]},
              {"title": "Empty", "paragraphs": []},
              {"title": "Odd", "paragraphs": [
                {"context": "A town river long.", "qas": [
                  {"question": "Which town?", "answers": []},
                  {"id": "bad id!", "question": "Which river?", "answers": []}]}]}
            ]}
            """;

    @Test
    void jsonlLinesBecomeMessagesAndUnreadableLinesSayWhereAndWhy() throws IOException {
        String jsonl = "\uFEFF{\"id\": \"q1\", \"question\": \"Which score?\", \"context\": \"The score 83.1 was reported.\", \"topK\": 3}\n"
                + "\n"
                + "{\"question\": \"Which capital?\", \"context\": \"The capital paris is nice.\"}\r\n"
                + "{\"questoin\": \"typo\", \"context\": \"x\"}\n"
                + "{\"question\": 7, \"context\": \"x\"}\n"
                + "{\"question\": \"q\", \"context\": \"x\", \"topK\": 1.5}\n"
                + "{\"question\": \"q\", \"question\": \"again\", \"context\": \"x\"}\n"
                + "not json\n"
                + "[1, 2]\n"
                + "{\"question\": \"q\", \"context\": \"x\"} trailing\n"
                + "   \n"
                + "{\"id\": null, \"question\": \"Which capital?\", \"context\": \"c\", \"correlationId\": \"corr-1\"}";
        List<InputItem> items = read(InputFiles.jsonl(new BufferedReader(new StringReader(jsonl)), 2));

        assertEquals(10, items.size());
        assertEquals(InputItem.of("line 1", QuestionSet.single("q1", "Which score?", "The score 83.1 was reported.", 3, null)),
                items.get(0));
        assertEquals(InputItem.of("line 3", QuestionSet.single(null, "Which capital?", "The capital paris is nice.", 2, null)),
                items.get(1));
        assertReason(items.get(2), "line 4", "UNKNOWN_FIELD: 'questoin'");
        assertReason(items.get(3), "line 5", "WRONG_TYPE: 'question' must be a string");
        assertReason(items.get(4), "line 6", "WRONG_TYPE: 'topK' must be an integer");
        assertReason(items.get(5), "line 7", "MALFORMED_JSON: Duplicate field 'question'");
        assertReason(items.get(6), "line 8", "MALFORMED_JSON");
        assertReason(items.get(7), "line 9", "INVALID_BODY");
        assertReason(items.get(8), "line 10", "MALFORMED_JSON");
        assertEquals(QuestionSet.single(null, "Which capital?", "c", 2, "corr-1"), items.get(9).message());
        assertEquals("line 12", items.get(9).where());
    }

    /**
     * The contract (QuestionReader): a line is read as the HTTP API reads a body and the codec a message, so topK
     * 1.0 is rejected here as there, instead of being sent and then failing as a poison message.
     */
    @Test
    void jsonlAcceptsExactlyWhatTheMessageCodecAccepts() throws Exception {
        MessageCodec codec = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
        for (String topK : new String[] {"1.0", "2.5", "\"1\"", "4294967297"}) {
            String line = "{\"id\": \"q1\", \"question\": \"Which?\", \"context\": \"Some text.\", \"topK\": " + topK + "}";
            assertReason(InputFiles.parseLine("line 1", line, null), "line 1", "WRONG_TYPE: 'topK' must be an integer");
            InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.decode(line, "m1"));
            assertEquals("WRONG_TYPE", e.code());
        }
        String good = "{\"id\": \"q1\", \"question\": \"Which?\", \"context\": \"Some text.\", \"topK\": 2}";
        InputItem item = InputFiles.parseLine("line 1", good, null);
        assertEquals(2, item.message().options().topK());
        assertEquals(2, codec.decode(codec.encode(item.message()), "m1").set().options().topK());
    }

    @Test
    void missingFieldsAreLeftToTheValidatorNotGuessed() {
        InputItem item = InputFiles.parseLine("line 1", "{\"context\": \"c\"}", null);
        assertNull(item.error());
        assertNull(item.message().first().text());
        assertEquals(1, item.message().options().topK(), "the default, as the codec would apply it");
    }

    @Test
    void squadQuestionsBecomeMessagesWithTheirQid() throws IOException {
        List<InputItem> items = read(InputFiles.squad(
                new ByteArrayInputStream(SQUAD_V2.getBytes(StandardCharsets.UTF_8)), null));

        assertEquals(5, items.size());
        assertEquals(QuestionSet.single("56be4db0acb8001400a502ec", "Which capital?", "The capital paris is nice.", 1, null),
                items.get(0).message());
        assertEquals("data[0].paragraphs[0].qas[0] (id 56be4db0acb8001400a502ec)", items.get(0).where());
        assertEquals("5ad39d53604f3c001a3fe8d1", items.get(1).message().first().id(), "unanswerable questions are sent too");
        assertEquals(QuestionSet.single("56be4db0acb8001400a502ed", "Which score?", "The score 83.1 was reported.", 1, null),
                items.get(2).message());
        assertReason(items.get(3), "data[2].paragraphs[0].qas[0]", "MISSING_FIELD");
        assertEquals("bad id!", items.get(4).message().first().id(), "the id pattern is the validator's to check");
    }

    @Test
    void versionTwoLinesAndParagraphsCarrySeveralQuestions() throws IOException {
        InputItem line = InputFiles.parseLine("line 1", "{\"version\": 2, \"context\": \"The capital paris is nice.\", "
                + "\"questions\": [{\"id\": \"a\", \"question\": \"Which capital?\"}, {\"question\": \"Which city?\"}], "
                + "\"maxAnswerLength\": 5, \"allowNoAnswer\": false}", null);
        assertEquals(new QuestionSet("The capital paris is nice.", List.of(new Question("a", "Which capital?"),
                new Question(null, "Which city?")), new AnswerOptions(1, 5, false), null), line.message());
        assertReason(InputFiles.parseLine("line 2", "{\"context\": \"c\", \"questions\": [{\"id\": \"a\", "
                + "\"questoin\": \"q\"}]}", null), "line 2", "UNKNOWN_FIELD: 'questions[0].questoin'");

        List<InputItem> items = read(InputFiles.squad(
                new ByteArrayInputStream(SQUAD_V2.getBytes(StandardCharsets.UTF_8)), 2, true));
        assertEquals("data[0].paragraphs[0] (2 questions)", items.get(0).where());
        assertEquals(List.of("56be4db0acb8001400a502ec", "5ad39d53604f3c001a3fe8d1"),
                items.get(0).message().questions().stream().map(Question::id).toList());
        assertEquals(2, items.get(0).message().options().topK());
    }

    @Test
    void squadV11GzippedFileIsReadAndCounted(@TempDir Path dir) throws IOException {
        String v11 = """
                {"data": [{"title": "T", "paragraphs": [{"context": "The score 83.1 was reported.", "qas": [
                  {"answers": [{"answer_start": 10, "text": "83.1"}], "question": "Which score?", "id": "5733be284776f41900661182"}]}]}],
                 "version": "1.1"}
                """;
        Path file = dir.resolve("dev-v1.1.json.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(v11.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(InputFiles.Format.SQUAD, InputFiles.detect(file));
        assertEquals(1, InputFiles.count(file, InputFiles.Format.SQUAD));
        List<InputItem> items = read(InputFiles.open(file, InputFiles.Format.SQUAD, 4));
        assertEquals(List.of(InputItem.of("data[0].paragraphs[0].qas[0] (id 5733be284776f41900661182)",
                QuestionSet.single("5733be284776f41900661182", "Which score?", "The score 83.1 was reported.", 4, null))), items);
    }

    @Test
    void jsonlFileIsCountedByNonBlankLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "{\"question\":\"a\",\"context\":\"b\"}\n\n  \n{\"question\":\"a\",\"context\":\"b\"}");
        assertEquals(InputFiles.Format.JSONL, InputFiles.detect(file));
        assertEquals(2, InputFiles.count(file, InputFiles.Format.JSONL));
        assertEquals(2, read(InputFiles.open(file, InputFiles.Format.JSONL, null)).size());
    }

    @Test
    void aFileThatIsNotSquadIsRefused() {
        assertThrows(IOException.class, () -> InputFiles.squad(
                new ByteArrayInputStream("{\"version\": \"x\"}".getBytes(StandardCharsets.UTF_8)), null));
        assertThrows(IOException.class, () -> InputFiles.squad(
                new ByteArrayInputStream("[]".getBytes(StandardCharsets.UTF_8)), null));
    }

    private static void assertReason(InputItem item, String where, String reasonStart) {
        assertEquals(where, item.where());
        assertNull(item.message());
        assertTrue(item.error().startsWith(reasonStart), item.error());
    }

    private static List<InputItem> read(ItemSource source) throws IOException {
        List<InputItem> items = new ArrayList<>();
        try (source) {
            source.forEachRemaining(items::add);
        }
        return items;
    }
}
