package dev.batchqa.ingest.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import java.util.List;

/**
 * One line of a job's results file, for one input line whatever its outcome: {@code status} is DONE, FAILED,
 * CANCELLED or EXPIRED; {@code answer} is the best answer or null; every field is written, null when empty, so a
 * reader sees one shape.
 */
public record ResultLine(@JsonProperty("custom_id") String customId, String id, int line, String status,
        Answer answer, List<Answer> answers, Double noAnswerScore, ModelInfo model, ErrorInfo error) {

    /** The result of line {@code line} from its record; a missing record (deleted, or gone) reads as FAILED. */
    static ResultLine of(String customId, String id, int line, QaRecord record) {
        if (record == null) {
            return new ResultLine(customId, id, line, LineOutcome.FAILED.name(), null, List.of(), null, null,
                    new ErrorInfo("NOT_FOUND", "the line's question no longer exists (deleted, or past its TTL)"));
        }
        LineOutcome outcome = LineOutcome.of(record.status(), record.error() == null ? null : record.error().code());
        if (outcome == null) {
            return new ResultLine(customId, id, line, LineOutcome.FAILED.name(), null, List.of(), null, null,
                    new ErrorInfo("NOT_ANSWERED", "the line was not answered before the job ended"));
        }
        return new ResultLine(customId, id, line, outcome.name(),
                record.answers().isEmpty() ? null : record.answers().getFirst(), record.answers(),
                record.noAnswerScore(), record.model(), record.error());
    }
}
