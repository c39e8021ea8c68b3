package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.shared.message.MessageCodec.Continuation;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.RequestStore.Completion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * One SQS message as an invocation works through it: its questions still open, and at the end which of them the
 * deadline left unanswered. Its fate follows from that: acknowledged when nothing is left, handed on in a
 * continuation when questions are left, given back to SQS ({@link #mustRetry}) only after a real failure.
 */
final class MessageWork {
    final SQSEvent.SQSMessage sqs;
    final QuestionSet set;
    final int receiveCount;
    /** Null for an original message. */
    final Continuation continuation;
    /** When SQS first accepted the original message; null when unknown. */
    final Instant acceptedAt;
    /** Questions to answer in this invocation, in message order. */
    final List<Question> open = new ArrayList<>();
    /** Questions not answered by the end of this invocation: the next continuation's. */
    final List<Question> unfinished = new ArrayList<>();
    /** A real failure (a write or the model failed): the whole message comes back and its receive is spent. */
    boolean mustRetry;
    private int contextBytes = -1;

    MessageWork(SQSEvent.SQSMessage sqs, QuestionSet set, int receiveCount, Continuation continuation,
            Instant acceptedAt) {
        this.sqs = sqs;
        this.set = set;
        this.receiveCount = receiveCount;
        this.continuation = continuation;
        this.acceptedAt = acceptedAt;
    }

    /** The context's UTF-8 size: a cost estimate before tokenizing. */
    int contextBytes() {
        if (contextBytes < 0) contextBytes = set.context().getBytes(StandardCharsets.UTF_8).length;
        return contextBytes;
    }

    String messageId() {
        return sqs.getMessageId();
    }

    /** Delivered before and not acknowledged: an invocation failed or timed out on it. */
    boolean redelivered() {
        return receiveCount > 1;
    }

    /** A previous invocation has worked on these questions (a continuation, or a redelivery). */
    boolean seenBefore() {
        return continuation != null || redelivered();
    }

    int continuationCount() {
        return continuation == null ? 0 : continuation.count();
    }

    QaQuery query(Question q) {
        var o = set.options();
        return new QaQuery(q.text(), set.context(), o.topK(), o.maxAnswerLength(), o.allowNoAnswer());
    }

    Completion completion(Question q) {
        return Completion.of(q, set, acceptedAt);
    }

    /** Runs {@code logging} with the question's ids in the MDC: log lines name ids, never text. */
    void withIds(Question q, Runnable logging) {
        MDC.put("qaId", q.id());
        MDC.put("correlationId", set.correlationId());
        try {
            logging.run();
        } finally {
            MDC.remove("qaId");
            MDC.remove("correlationId");
        }
    }
}
