package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Optional checks against a real exported model, e.g.
 * {@code mvn -o -pl inference-function test -Dtest=RealModelTest -Dqa.model.dir=/work/shared/models/minilm-squad1}.
 */
@EnabledIfSystemProperty(named = "qa.model.dir", matches = ".+")
class RealModelTest {

    static final String BERT_ABSTRACT = "We introduce a new language representation model called BERT, which stands "
            + "for Bidirectional Encoder Representations from Transformers. Unlike recent language representation "
            + "models, BERT is designed to pre-train deep bidirectional representations from unlabeled text by jointly "
            + "conditioning on both left and right context in all layers. As a result, the pre-trained BERT model can "
            + "be fine-tuned with just one additional output layer to create state-of-the-art models for a wide range "
            + "of tasks, such as question answering and language inference, without substantial task-specific "
            + "architecture modifications. BERT is conceptually simple and empirically powerful. It obtains new "
            + "state-of-the-art results on eleven natural language processing tasks, including pushing the GLUE score "
            + "to 80.5% (7.7% point absolute improvement), MultiNLI accuracy to 86.7% (4.6% absolute improvement), "
            + "SQuAD v1.1 question answering Test F1 to 93.2 (1.5 point absolute improvement) and SQuAD v2.0 Test F1 "
            + "to 83.1 (5.1 point absolute improvement).";

    private static Path dir;
    private static QaEngine engine;

    @BeforeAll
    static void load() throws IOException {
        dir = Path.of(System.getProperty("qa.model.dir"));
        engine = QaEngine.load(EngineOptions.builder(dir.toString()));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** Same ids as Python and the same decoded result from DJL logits as from the Python logits. */
    @Test
    void matchesTheExportedExpectedLogits() throws IOException {
        Path expectedFile = dir.resolve(engine.options().modelFile() + ".expected.json");
        if (!Files.isRegularFile(expectedFile)) {
            return;
        }
        JsonObject expected = JsonParser.parseString(Files.readString(expectedFile)).getAsJsonObject();
        QaQuery query = new QaQuery(expected.get("question").getAsString(), expected.get("context").getAsString(), 3);
        try (WindowEncoder encoder = WindowEncoder.create(dir.resolve(engine.options().tokenizerFile()),
                engine.options())) {
            Window window = encoder.encode(query.question(), query.context()).get(0);
            assertTrue(Arrays.equals(longs(row(expected, "input_ids")), window.ids), "token ids differ from Python");
            window.startLogits = floats(row(expected, "start_logits"));
            window.endLogits = floats(row(expected, "end_logits"));
            QaResult python = new SpanDecoder(engine.options()).decode(query, List.of(window));
            QaResult djl = engine.answer(query);
            System.out.println("python logits -> " + python + "\nDJL          -> " + djl);
            assertEquals(python.answers().get(0).text(), djl.answers().get(0).text());
            assertEquals(python.nullScore(), djl.nullScore(), 1e-3);
            assertEquals(python.bestSpanLogit(), djl.bestSpanLogit(), 1e-3);
        }
    }

    @Test
    void answersTheBertAbstractQuestions() {
        List<QaQuery> queries = List.of(
                new QaQuery("What is BERTs best score on Squadv2 ?", BERT_ABSTRACT, 3),
                new QaQuery("What does the 'B' in BERT stand for?", BERT_ABSTRACT, 3),
                new QaQuery("What is the GLUE score for Bert?", BERT_ABSTRACT, 3));
        for (QaResult r : engine.answerAll(queries)) {
            System.out.println(r);
            for (Span s : r.answers()) {
                assertEquals(BERT_ABSTRACT.substring(s.start(), s.end()), s.text());
            }
        }
        QaQuery first = queries.get(0);
        for (int i = 0; i < 3; i++) {
            engine.answer(first); // warm-up
        }
        long[] nanos = new long[10];
        for (int i = 0; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            assertFalse(engine.answer(first).answers().isEmpty(), "SQuAD 1.1 model: never abstains by default");
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        System.out.printf("warm latency (%d threads, 1 query): median %.1f ms, min %.1f ms%n",
                engine.options().threads(), nanos[nanos.length / 2] / 1e6, nanos[0] / 1e6);
    }

    /** Issue #12: this question hung the worker with the old truncation loop; now a few jamo short of 64 tokens. */
    @Test
    void answersTheKoreanQuestionOfIssue12() {
        String question = QuestionTruncationTest.KOREAN;
        QaResult r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> engine.answer(new QaQuery(question, "서울은 대한민국의 수도이며 인구는 약 940만 명이다.", 3)));
        assertEquals(1, r.windows());
        for (Span s : r.answers()) {
            assertTrue(s.text().length() <= engine.options().maxAnswerChars(), s.toString());
        }
    }

    private static JsonArray row(JsonObject json, String key) {
        return json.getAsJsonArray(key).get(0).getAsJsonArray();
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }
}
