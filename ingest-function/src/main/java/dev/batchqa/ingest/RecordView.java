package dev.batchqa.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import java.util.List;

/**
 * The body of {@code GET /qa/{id}}. {@code answer} is the best answer or null (no answer, or not DONE);
 * {@code answers} holds the top-k answers, best first; {@code noAnswerScore} and {@code model} are there once DONE
 * (records completed before they were recorded have neither).
 */
record RecordView(
        String id,
        String status,
        String question,
        @JsonInclude(JsonInclude.Include.ALWAYS) Answer answer,
        List<Answer> answers,
        @JsonInclude(JsonInclude.Include.NON_NULL) Double noAnswerScore,
        @JsonInclude(JsonInclude.Include.NON_NULL) ModelInfo model,
        @JsonInclude(JsonInclude.Include.NON_NULL) ErrorInfo error,
        String createdAt,
        @JsonInclude(JsonInclude.Include.ALWAYS) String completedAt) {

    static RecordView of(QaRecord r) {
        return new RecordView(
                r.id(),
                r.status().name(),
                r.question(),
                r.answers().isEmpty() ? null : r.answers().getFirst(),
                r.answers(),
                r.noAnswerScore(),
                r.model(),
                r.error(),
                r.createdAt() == null ? null : r.createdAt().toString(),
                r.completedAt() == null ? null : r.completedAt().toString());
    }
}
