package dev.batchqa.shared.model;

import java.util.List;

/**
 * One context and the questions asked about it: a {@code POST /qa} request, one SQS message (schema v1 holds one
 * question, v2 several), one item of a bulk file. Read by {@link dev.batchqa.shared.message.QuestionReader} and
 * written to the queue by {@link dev.batchqa.shared.message.MessageCodec}.
 *
 * <pre>{@code
 * QuestionSet set = QuestionSet.single(id, "Which score?", "BERT scored 83.1 on SQuAD 2.0.", 1, correlationId);
 * }</pre>
 *
 * @param context       the text the answers are cut from
 * @param questions     at least one, ids unique within the set
 * @param options       apply to every question
 * @param correlationId carried into the logs; null when none was given
 */
public record QuestionSet(String context, List<Question> questions, AnswerOptions options, String correlationId) {

    public QuestionSet {
        questions = List.copyOf(questions);
        if (options == null) options = AnswerOptions.DEFAULT;
    }

    /** A set of one question with the default options but topK. */
    public static QuestionSet single(String id, String question, String context, int topK, String correlationId) {
        return new QuestionSet(context, List.of(new Question(id, question)), AnswerOptions.DEFAULT.withTopK(topK),
                correlationId);
    }

    /** The first (for schema v1: the only) question. */
    public Question first() {
        return questions.getFirst();
    }

    public QuestionSet withCorrelationId(String value) {
        return new QuestionSet(context, questions, options, value);
    }

    public QuestionSet withQuestions(List<Question> value) {
        return new QuestionSet(context, value, options, correlationId);
    }
}
