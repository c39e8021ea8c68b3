package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.inference.engine.Answerer;
import dev.batchqa.inference.engine.QaQuery;
import dev.batchqa.inference.engine.QaResult;
import dev.batchqa.inference.engine.Span;
import dev.batchqa.shared.Answer;
import dev.batchqa.shared.ErrorInfo;
import dev.batchqa.shared.InvalidMessageException;
import dev.batchqa.shared.MessageCodec;
import dev.batchqa.shared.MessageCodec.DecodedMessage;
import dev.batchqa.shared.RequestStore;
import dev.batchqa.shared.RequestStore.Completion;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Answers one SQS batch: decode every message, answer the valid ones together, write each result, and report
 * in {@code batchItemFailures} exactly the messages that must come back (transient failures, and poison
 * messages with no id to record a failure under). Everything else is deleted by SQS.
 */
public final class BatchProcessor {
    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);
    private static final ErrorInfo INFERENCE_ERROR =
            new ErrorInfo("INFERENCE_ERROR", "the model could not answer this question");

    private final Answerer answerer;
    private final RequestStore store;
    private final MessageCodec codec;
    private final BatchMetrics metrics;
    private final Clock clock;

    public BatchProcessor(Answerer answerer, RequestStore store, MessageCodec codec, BatchMetrics metrics, Clock clock) {
        this.answerer = answerer;
        this.store = store;
        this.codec = codec;
        this.metrics = metrics;
        this.clock = clock;
    }

    public SQSBatchResponse process(SQSEvent event) {
        List<SQSEvent.SQSMessage> messages = event.getRecords() == null ? List.of() : event.getRecords();
        Outcome outcome = new Outcome(messages.size(), clock.millis());
        List<Pending> valid = new ArrayList<>();
        boolean redelivered = false;
        for (SQSEvent.SQSMessage message : messages) {
            outcome.observeAge(message);
            redelivered |= receiveCount(message) > 1;
            try {
                valid.add(new Pending(message.getMessageId(), codec.decode(message.getBody(), message.getMessageId()),
                        sentAt(message)));
            } catch (InvalidMessageException e) {
                rejectPoison(message, e, outcome);
            }
        }
        long started = System.nanoTime();
        if (redelivered) {
            // This batch failed before (a time-out, a crash, memory): take it one question at a time, each stored
            // as soon as it is answered, so that one bad question cannot take its neighbours down with it again.
            for (Pending p : valid) answerAndStore(List.of(p), outcome);
        } else {
            answerAndStore(valid, outcome);
        }
        outcome.inferenceMillis = (System.nanoTime() - started) / 1_000_000;
        metrics.record(outcome);
        log.atInfo()
                .addKeyValue("batchSize", outcome.batchSize)
                .addKeyValue("answered", outcome.answered)
                .addKeyValue("noAnswer", outcome.noAnswer)
                .addKeyValue("duplicates", outcome.duplicates)
                .addKeyValue("failed", outcome.failed)
                .addKeyValue("retried", outcome.retry.size())
                .addKeyValue("redelivered", redelivered)
                .addKeyValue("inferenceMs", outcome.inferenceMillis)
                .addKeyValue("maxQueueAgeMs", outcome.maxQueueAgeMillis)
                .log("batch processed");
        return SQSBatchResponse.builder()
                .withBatchItemFailures(outcome.retry.stream()
                        .map(id -> SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(id).build())
                        .toList())
                .build();
    }

    private void answerAndStore(List<Pending> group, Outcome outcome) {
        if (group.isEmpty()) return;
        List<QaResult> results;
        try {
            results = answerer.answerAll(group.stream().map(Pending::query).toList());
        } catch (RuntimeException batchError) {
            log.warn("inference failed for a group of " + group.size() + "; isolating the failing questions", batchError);
            results = isolate(group, outcome);
        }
        for (int i = 0; i < group.size(); i++) {
            if (results.get(i) != null) store(group.get(i), results.get(i), outcome);
        }
    }

    /**
     * Answers the group one question at a time. Questions that fail while others succeed are bad input: they
     * end FAILED. When every question fails, the model itself is failing: all go back to the queue.
     */
    private List<QaResult> isolate(List<Pending> group, Outcome outcome) {
        List<QaResult> results = new ArrayList<>();
        List<Pending> failing = new ArrayList<>();
        for (Pending p : group) {
            try {
                results.add(answerer.answer(p.query()));
            } catch (RuntimeException e) {
                withIds(p.message, () -> log.error("inference failed for one question", e));
                failing.add(p);
                results.add(null);
            }
        }
        boolean inputSpecific = failing.size() < group.size();
        for (Pending p : failing) {
            if (inputSpecific) {
                failRecord(p.sqsMessageId, completion(p), INFERENCE_ERROR, outcome);
            } else {
                outcome.retry.add(p.sqsMessageId);
            }
        }
        return results;
    }

    private void store(Pending p, QaResult result, Outcome outcome) {
        List<Answer> answers = result.answers().stream().map(BatchProcessor::toAnswer).toList();
        try {
            boolean written = store.complete(completion(p), answers);
            withIds(p.message, () -> log.atInfo()
                    .addKeyValue("outcome", answers.isEmpty() ? "NO_ANSWER" : "ANSWERED")
                    .addKeyValue("windows", result.windows())
                    .log(written ? "question answered" : "already completed; duplicate delivery ignored"));
            if (!written) outcome.duplicates++;
            else if (answers.isEmpty()) outcome.noAnswer++;
            else outcome.answered++;
        } catch (RuntimeException e) {
            withIds(p.message, () -> log.warn("storing the answer failed; the message will be retried", e));
            outcome.retry.add(p.sqsMessageId);
        }
    }

    private void rejectPoison(SQSEvent.SQSMessage message, InvalidMessageException e, Outcome outcome) {
        if (e.requestId() == null) {
            // Without an id there is no record to fail: let SQS retry it into the dead-letter queue.
            log.atWarn().addKeyValue("sqsMessageId", message.getMessageId()).addKeyValue("reason", e.code())
                    .log("unreadable message left for the dead-letter queue");
            outcome.retry.add(message.getMessageId());
            outcome.failed++;
            return;
        }
        log.atWarn().addKeyValue("qaId", e.requestId()).addKeyValue("reason", e.code()).log("invalid message");
        failRecord(message.getMessageId(), new Completion(e.requestId(), null, 1, null, sentAt(message)),
                e.toErrorInfo(), outcome);
    }

    private void failRecord(String sqsMessageId, Completion completion, ErrorInfo error, Outcome outcome) {
        try {
            store.fail(completion, error);
            outcome.failed++;
        } catch (RuntimeException storeError) {
            log.warn("recording a failure failed; the message will be retried", storeError);
            outcome.retry.add(sqsMessageId);
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

    private static Completion completion(Pending p) {
        DecodedMessage m = p.message;
        return new Completion(m.id(), m.question(), m.topK(), m.correlationId(), p.sentAt);
    }

    /**
     * When SQS first accepted the message ({@code SentTimestamp}, kept by redeliveries and by the move to the
     * dead-letter queue); null when absent or unreadable. The store creates no missing record for an old one.
     */
    static Instant sentAt(SQSEvent.SQSMessage message) {
        String sent = message.getAttributes() == null ? null : message.getAttributes().get("SentTimestamp");
        if (sent == null) return null;
        try {
            return Instant.ofEpochMilli(Long.parseLong(sent.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Answer toAnswer(Span span) {
        return new Answer(span.text(), span.start(), span.end(), span.score());
    }

    private static void withIds(DecodedMessage m, Runnable logging) {
        MDC.put("qaId", m.id());
        MDC.put("correlationId", m.correlationId());
        try {
            logging.run();
        } finally {
            MDC.remove("qaId");
            MDC.remove("correlationId");
        }
    }

    private record Pending(String sqsMessageId, DecodedMessage message, Instant sentAt) {
        QaQuery query() {
            return new QaQuery(message.question(), message.context(), message.topK());
        }
    }

    /** What happened to one batch; read by the metrics. */
    public static final class Outcome {
        final int batchSize;
        final long receivedAtMillis;
        final List<String> retry = new ArrayList<>();
        int answered;
        int noAnswer;
        int duplicates;
        int failed;
        long inferenceMillis;
        long maxQueueAgeMillis;

        Outcome(int batchSize, long receivedAtMillis) {
            this.batchSize = batchSize;
            this.receivedAtMillis = receivedAtMillis;
        }

        void observeAge(SQSEvent.SQSMessage message) {
            String sent = message.getAttributes() == null ? null : message.getAttributes().get("SentTimestamp");
            if (sent == null) return;
            try {
                maxQueueAgeMillis = Math.max(maxQueueAgeMillis, receivedAtMillis - Long.parseLong(sent));
            } catch (NumberFormatException ignored) {
                // a malformed attribute only costs us the age metric
            }
        }

        public int batchSize() { return batchSize; }
        public int answered() { return answered; }
        public int noAnswer() { return noAnswer; }
        public int duplicates() { return duplicates; }
        public int failed() { return failed; }
        public int retried() { return retry.size(); }
        public long inferenceMillis() { return inferenceMillis; }
        public long maxQueueAgeMillis() { return maxQueueAgeMillis; }
    }
}
