package dev.batchqa.shared.model;

import java.time.Instant;
import java.util.List;

/**
 * The stored state of one question. The context is not stored: it travels only in the SQS message, which keeps
 * the item far below DynamoDB's 400 KB limit.
 *
 * @param answers best first; empty when DONE without an answer (or not DONE)
 * @param noAnswerScore the engine's score for "no answer" when DONE (comparable with the answers' scores, so that a
 *                client can apply its own threshold); null otherwise or when not recorded
 * @param model   which model and numeric variant answered; null when not DONE or not recorded
 * @param queued  the ingest function saw SQS accept the message (recorded for idempotent requests, so that a
 *                replay can tell a queued question from one whose first attempt died before queueing)
 */
public record QaRecord(
        String id,
        QaStatus status,
        String question,
        int topK,
        List<Answer> answers,
        Double noAnswerScore,
        ModelInfo model,
        ErrorInfo error,
        String correlationId,
        Instant createdAt,
        Instant completedAt,
        boolean queued) {

    public QaRecord {
        answers = answers == null ? List.of() : List.copyOf(answers);
    }

    public static QaRecord pending(String id, String question, int topK, String correlationId, Instant createdAt) {
        return new QaRecord(id, QaStatus.PENDING, question, topK, List.of(), null, null, null, correlationId, createdAt,
                null, false);
    }
}
