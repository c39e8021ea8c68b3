package dev.batchqa.tools.load;

import java.util.ArrayList;
import java.util.List;

/**
 * Questions whose answers the fixture model (model/fixtures/tiny-qa) is known to give: its pointer rule answers
 * with the word that follows a question word found in the context. Each question has its own value (so a mixed-up
 * answer cannot pass), contexts have 0..6 filler sentences (1 to several 64-token windows), values alternate
 * between integers and decimals (multi-piece words), and every 25th question has no answer in its context.
 */
final class FixtureQuestions {
    /** Content words of the fixture vocabulary that serve as question words. */
    private static final String[] CUES = {"score", "result", "price", "value", "number", "year", "name", "capital",
            "river", "town"};
    /** Words outside the fixture vocabulary: they tokenize into letters, which are never question words. */
    private static final String[] FILLER = {"alpha bravo delta kilo.", "lima oscar tango zulu.",
            "the sierra was quebec for november.", "echo hotel india juliet mike."};

    /** @param expected the answer text, or null when the context holds no answer */
    record Question(int index, String question, String context, String expected) {}

    private FixtureQuestions() {}

    static List<Question> generate(int n) {
        List<Question> questions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String cue = CUES[i % CUES.length];
            String value = i % 2 == 0 ? Integer.toString(1000 + i) : (i / 10) + "." + (i % 10);
            StringBuilder context = new StringBuilder();
            for (int f = 0; f < i % 4; f++) context.append(FILLER[(i + f) % FILLER.length]).append(' ');
            context.append("In this report the ").append(cue).append(' ').append(value).append(" appears once.");
            for (int f = 0; f < i % 3; f++) context.append(' ').append(FILLER[(i + f + 1) % FILLER.length]);
            boolean unanswerable = i % 25 == 24;
            String question = unanswerable ? "Which color?" : i % 3 == 0 ? "What is the " + cue + "?" : "Which " + cue + "?";
            questions.add(new Question(i, question, context.toString(), unanswerable ? null : value));
        }
        return questions;
    }
}
