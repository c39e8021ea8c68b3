package dev.batchqa.inference;

import dev.batchqa.engine.QaResult;
import dev.batchqa.engine.Span;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.shared.store.RequestStore.Completion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records: answers on a pool of writer threads, so that the model never waits on DynamoDB, and failures
 * at once. Each invocation collects its answer writes in a {@link Batch} and waits for them before it returns.
 *
 * <pre>{@code
 * AnswerWriter.Batch writes = writer.batch();
 * writes.submit(work, question, result);       // stored in the background
 * writes.await(deadline, outcome);              // a write still running at the deadline is left unfinished
 * }</pre>
 */
final class AnswerWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AnswerWriter.class);

    private final RequestStore store;
    /** Stored with every answer; null when the answerer does not say (test doubles). */
    private final ModelInfo model;
    private final ExecutorService writers;

    AnswerWriter(RequestStore store, ModelInfo model, int concurrency) {
        this.store = store;
        this.model = model;
        this.writers = Executors.newFixedThreadPool(concurrency,
                Thread.ofPlatform().name("answer-writer-", 0).daemon().factory());
    }

    Batch batch() {
        return new Batch();
    }

    /**
     * Moves the question's record to FAILED now. If the store refuses (unreachable), the message must come back:
     * a failure that is not recorded would leave the record PENDING.
     */
    void fail(MessageWork work, Question q, ErrorInfo error, BatchOutcome outcome) {
        fail(work.messageId(), work.completion(q), error, outcome);
        if (outcome.retry.contains(work.messageId())) work.mustRetry = true;
    }

    void fail(String sqsMessageId, Completion completion, ErrorInfo error, BatchOutcome outcome) {
        try {
            store.fail(completion, error);
            outcome.failed++;
        } catch (RuntimeException storeError) {
            log.warn("recording a failure failed; the message will be retried", storeError);
            outcome.retry.add(sqsMessageId);
        }
    }

    @Override
    public void close() {
        writers.shutdown();
    }

    private enum Written { ANSWERED, NO_ANSWER, DUPLICATE, CONFLICT, FAILED }

    private record Write(MessageWork work, Question question, Future<Written> result) {}

    /** One invocation's answer writes. */
    final class Batch {
        private final List<Write> writes = new ArrayList<>();

        void submit(MessageWork work, Question q, QaResult result) {
            writes.add(new Write(work, q, writers.submit(() -> store(work, q, result))));
        }

        /**
         * Waits for every write, at most until the deadline's write limit. A write that failed sends its message
         * back (a real failure); one still running is unfinished: a continuation asks again, and completion being
         * write-once, a late write and a second answer cannot both land.
         */
        void await(Deadline deadline, BatchOutcome outcome) {
            for (Write w : writes) {
                Written written;
                try {
                    written = w.result.get(deadline.writeWaitNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    w.work.withIds(w.question, () -> log.warn("storing the answer did not finish in time"));
                    w.work.unfinished.add(w.question);
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    written = Written.FAILED;
                } catch (ExecutionException e) {
                    written = Written.FAILED;
                }
                switch (written) {
                    case ANSWERED -> outcome.answered++;
                    case NO_ANSWER -> outcome.noAnswer++;
                    case DUPLICATE -> outcome.duplicates++;
                    case CONFLICT -> outcome.idConflicts++;
                    case FAILED -> {
                        w.work.mustRetry = true;
                        outcome.retry.add(w.work.messageId());
                    }
                }
            }
        }
    }

    /** Runs on a writer thread; the tally is made by the invocation's thread from the returned value. */
    private Written store(MessageWork work, Question q, QaResult result) {
        List<Answer> answers = result.answers().stream().map(AnswerWriter::toAnswer).toList();
        try {
            boolean written = store.complete(work.completion(q), answers,
                    Double.isNaN(result.noAnswerScore()) ? null : result.noAnswerScore(), model);
            work.withIds(q, () -> log.atInfo()
                    .addKeyValue("outcome", answers.isEmpty() ? "NO_ANSWER" : "ANSWERED")
                    .addKeyValue("windows", result.windows())
                    .log(written ? "question answered" : "already completed; duplicate delivery ignored"));
            if (!written) return isConflict(work, q) ? Written.CONFLICT : Written.DUPLICATE;
            return answers.isEmpty() ? Written.NO_ANSWER : Written.ANSWERED;
        } catch (RuntimeException e) {
            work.withIds(q, () -> log.warn("storing the answer failed; the message will be retried", e));
            return Written.FAILED;
        }
    }

    /**
     * A refused completion is a redelivery of the same question, or a producer reusing an id for a different
     * question (the record keeps the question it was created with). The second one is the producer's bug, and it
     * must hear of it: a warning, a metric and an alarm; its answer is not stored.
     */
    private boolean isConflict(MessageWork work, Question q) {
        try {
            QaRecord record = store.findAll(List.of(q.id())).get(q.id());
            boolean conflict = record != null && record.question() != null && !record.question().isEmpty()
                    && !record.question().equals(q.text());
            if (conflict) work.withIds(q, () -> log.warn("id reused for a different question; this message is dropped"));
            return conflict;
        } catch (RuntimeException e) {
            return false; // the read only tells the two apart; the completion was refused either way
        }
    }

    private static Answer toAnswer(Span span) {
        return new Answer(span.text(), span.start(), span.end(), span.score());
    }
}
