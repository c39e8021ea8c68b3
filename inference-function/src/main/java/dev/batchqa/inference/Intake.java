package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.shared.store.RequestStore.Completion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of a batch: decodes every message into its questions and leaves out those that need no
 * inference. A poison message ends FAILED under its ids, or goes back (to the dead-letter queue) when it has none;
 * an invalid question of a v2 message ends FAILED alone. One read of the batch's records then skips questions
 * CANCELLED or deleted by their user or ended by their job, and, in a message a previous invocation worked on (a
 * continuation or a redelivery), those already DONE or FAILED.
 *
 * <pre>{@code
 * List<MessageWork> work = intake.read(event.getRecords(), outcome);
 * }</pre>
 */
final class Intake {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);

    private final MessageCodec codec;
    private final RequestStore store;
    private final AnswerWriter writer;

    Intake(MessageCodec codec, RequestStore store, AnswerWriter writer) {
        this.codec = codec;
        this.store = store;
        this.writer = writer;
    }

    List<MessageWork> read(List<SQSEvent.SQSMessage> messages, BatchOutcome outcome) {
        List<MessageWork> work = new ArrayList<>();
        for (SQSEvent.SQSMessage message : messages) {
            Instant sentAt = MessageCodec.sentAt(message.getAttributes());
            try {
                MessageCodec.Decoded decoded = codec.decode(message.getBody(), message.getMessageId());
                Instant acceptedAt = decoded.continuation() != null && decoded.continuation().acceptedAt() != null
                        ? decoded.continuation().acceptedAt() : sentAt;
                outcome.observeAge(acceptedAt);
                MessageWork w = new MessageWork(message, decoded.set(), receiveCount(message), decoded.continuation(),
                        acceptedAt);
                w.open.addAll(decoded.set().questions());
                for (QuestionReader.Rejected r : decoded.rejected()) {
                    log.atWarn().addKeyValue("qaId", r.question().id()).addKeyValue("reason", r.problem().code())
                            .log("invalid question");
                    writer.fail(w, r.question(), new ErrorInfo(r.problem().code(), r.problem().getMessage()), outcome);
                }
                work.add(w);
            } catch (InvalidMessageException e) {
                outcome.observeAge(sentAt);
                rejectPoison(message, sentAt, e, outcome);
            }
        }
        skipClosed(work, outcome);
        return work;
    }

    /**
     * A message seen before may have been answered by an invocation that timed out or crashed before it could
     * acknowledge it, and any question may have been cancelled or deleted (DELETE /qa/{id}), or ended by its job's
     * cancellation or expiry, while it waited. Such a question is skipped without error (a completion would be
     * refused anyway): a cancelled job's lines cost no passes and do not delay the work queued behind them. A first
     * delivery whose record is already DONE or FAILED is still answered, so that an id reused for another question
     * is noticed. If the read fails, every question is answered: completion is write-once, so that costs time,
     * not correctness.
     */
    private void skipClosed(List<MessageWork> work, BatchOutcome outcome) {
        List<String> ids = work.stream().flatMap(w -> w.open.stream()).map(Question::id).toList();
        if (ids.isEmpty()) return;
        Map<String, QaRecord> records;
        try {
            records = store.findAll(ids);
        } catch (RuntimeException e) {
            log.warn("reading the records of a batch failed; answering every question", e);
            return;
        }
        for (MessageWork w : work) {
            w.open.removeIf(q -> {
                QaRecord record = records.get(q.id());
                QaStatus status = record == null ? QaStatus.PENDING : record.status();
                boolean withdrawn = status == QaStatus.CANCELLED || status == QaStatus.DELETED
                        || (status == QaStatus.FAILED && record.error() != null && record.error().withdrawn());
                if (!withdrawn && !(w.seenBefore() && status != QaStatus.PENDING)) return false;
                w.withIds(q, () -> log.atInfo().addKeyValue("status", status).log(withdrawn
                        ? "question withdrawn by its user; skipped" : "already completed; redelivery skipped"));
                outcome.skipped++;
                return true;
            });
        }
    }

    private void rejectPoison(SQSEvent.SQSMessage message, Instant sentAt, InvalidMessageException e,
            BatchOutcome outcome) {
        if (e.questions().isEmpty()) {
            // Without an id there is no record to fail: let SQS retry it into the dead-letter queue.
            log.atWarn().addKeyValue("sqsMessageId", message.getMessageId()).addKeyValue("reason", e.code())
                    .log("unreadable message left for the dead-letter queue");
            outcome.retry.add(message.getMessageId());
            outcome.failed++;
            return;
        }
        for (Question q : e.questions()) {
            log.atWarn().addKeyValue("qaId", q.id()).addKeyValue("reason", e.code()).log("invalid message");
            writer.fail(message.getMessageId(), new Completion(q, e.topK() == null ? 1 : e.topK(), null, sentAt),
                    e.toErrorInfo(), outcome);
        }
    }

    private static int receiveCount(SQSEvent.SQSMessage message) {
        String count = message.getAttributes() == null ? null : message.getAttributes().get("ApproximateReceiveCount");
        try {
            return count == null ? 1 : Integer.parseInt(count);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
