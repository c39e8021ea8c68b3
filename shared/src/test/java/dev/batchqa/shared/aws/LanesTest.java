package dev.batchqa.shared.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LanesTest {
    private final List<String> interactive = new ArrayList<>();
    private final List<String> bulk = new ArrayList<>();
    private final Lanes lanes = new Lanes(recorder(interactive), recorder(bulk));

    @Test
    void aQuestionAboutAParagraphIsInteractiveALongContextOrManyQuestionsGoToTheBulkLane() {
        QuestionSet paragraph = QuestionSet.single("p", "Who?", "a".repeat(1_500), 1, null);
        QuestionSet longEnglish = QuestionSet.single("l", "Who?", "a".repeat(38_000), 1, null);
        QuestionSet manyAboutAParagraph = set("m", 50, "a".repeat(700));
        QuestionSet hangul = QuestionSet.single("k", "누구?", "가".repeat(11_000), 1, null); // 33,000 UTF-8 bytes

        lanes.send(paragraph);
        lanes.send(longEnglish);
        Set<String> failed = lanes.sendAll(List.of(manyAboutAParagraph, hangul, set("few", 10, "a".repeat(1_500))));

        assertEquals(Set.of(), failed);
        assertEquals(List.of("p", "few0"), interactive);
        assertEquals(List.of("l", "m0", "k"), bulk);
        assertEquals(38, Lanes.estimatedWindows(longEnglish));
        assertEquals(Lanes.Lane.BULK, Lanes.of(hangul), "tokens per byte, not per character: CJK is not cheap");
    }

    private static QuestionSet set(String prefix, int questions, String context) {
        List<Question> qs = new ArrayList<>();
        for (int i = 0; i < questions; i++) qs.add(new Question(prefix + i, "Question " + i + "?"));
        return new QuestionSet(context, qs, AnswerOptions.DEFAULT, null);
    }

    private static RequestQueue recorder(List<String> sent) {
        return new RequestQueue() {
            @Override
            public void send(QuestionSet message) {
                sent.add(message.first().id());
            }

            @Override
            public Set<String> sendAll(List<QuestionSet> messages) {
                messages.forEach(this::send);
                return Set.of();
            }
        };
    }
}
