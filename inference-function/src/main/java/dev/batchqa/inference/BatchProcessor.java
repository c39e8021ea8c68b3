package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.PreparedQuery;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.engine.Span;
import dev.batchqa.engine.ModelIdentity;
import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.RequestStore.Completion;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Answers one SQS batch within the invocation's time and reports in {@code batchItemFailures} exactly the messages
 * that must come back. The loop, in order:
 * <ol>
 *   <li>decode every message into its questions (schema v1: one; v2: several about one context, answered in the
 *       same chunks); a poison message ends FAILED under its ids, or goes back (to the dead-letter queue) when it
 *       has none; an invalid question of a v2 message ends FAILED alone;</li>
 *   <li>read the batch's records (one BatchGetItem) and skip questions CANCELLED or deleted by their user, and on a
 *       redelivery also those already DONE or FAILED (no second inference);</li>
 *   <li>tokenize each question and refuse one whose context needs more than
 *       {@link BatchPolicy#maxWindowsPerQuestion} model windows: FAILED {@code TOO_MANY_WINDOWS};</li>
 *   <li>answer in chunks of about {@link BatchPolicy#chunkWindows} windows; before each chunk, estimate its time
 *       from the measured cost per window and stop when it would not end before the deadline (the remaining time
 *       minus {@link BatchPolicy#deadlineMargin}): unstarted messages go back, answered ones are kept;</li>
 *   <li>store each answer as soon as its chunk is decoded, on a pool of writers, so the model never waits on
 *       DynamoDB; a write that fails or is still running at the deadline sends its message back.</li>
 * </ol>
 * A message is acknowledged when all its questions are stored, and comes back whole otherwise (its questions already
 * stored are skipped then). Messages that were delivered before are answered first (they are the ones closest to the dead-letter queue) and
 * one question per chunk, so that a question that kills an invocation cannot take its neighbours with it again.
 *
 * <pre>{@code
 * BatchProcessor processor = new BatchProcessor(engine, store, codec, metrics, Clock.systemUTC(), BatchPolicy.DEFAULT);
 * SQSBatchResponse response = processor.process(event, context.getRemainingTimeInMillis());
 * }</pre>
 */
public final class BatchProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);
    private static final ErrorInfo INFERENCE_ERROR =
            new ErrorInfo("INFERENCE_ERROR", "the model could not answer this question");
    /** Without a deadline (tests, tools) the loop never postpones. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;
    /** Time kept back after the last write wait, to build and return the response. */
    private static final long RESPONSE_MARGIN_MILLIS = 500;

    private final Answerer answerer;
    private final RequestStore store;
    private final MessageCodec codec;
    private final BatchMetrics metrics;
    private final Clock clock;
    private final BatchPolicy policy;
    private final ExecutorService writers;
    private final Requeue requeue;
    /** Stored with every answer; null when the answerer does not say (test doubles). */
    private final ModelInfo model;
    /** Measured cost of one window (forward pass share + decoding), kept across the invocations of a container. */
    private volatile double millisPerWindow;
    /**
     * The best cost per window seen (or the initial estimate): what a whole invocation can count on. The current
     * estimate above also carries waits for a shared engine or a busy neighbour; refusing a question for good is
     * decided on this one.
     */
    private volatile double bestMillisPerWindow;
    /**
     * Whether {@link #bestMillisPerWindow} was measured on real work. The initial estimate (e.g. from a warm-up on
     * a busy machine) is good enough to plan a batch, not to refuse a question for good.
     */
    private volatile boolean bestMeasured;
    /** Chunks this small are dominated by fixed costs: they do not set the best speed. */
    private static final int MIN_WINDOWS_FOR_BEST = 4;

    public BatchProcessor(Answerer answerer, RequestStore store, MessageCodec codec, BatchMetrics metrics, Clock clock) {
        this(answerer, store, codec, metrics, clock, BatchPolicy.DEFAULT);
    }

    public BatchProcessor(Answerer answerer, RequestStore store, MessageCodec codec, BatchMetrics metrics, Clock clock,
            BatchPolicy policy) {
        this(answerer, store, codec, metrics, clock, policy, Requeue.NONE);
    }

    /** @param requeue gives postponed messages back to the queue at once */
    public BatchProcessor(Answerer answerer, RequestStore store, MessageCodec codec, BatchMetrics metrics, Clock clock,
            BatchPolicy policy, Requeue requeue) {
        this.requeue = requeue;
        this.answerer = answerer;
        this.store = store;
        this.codec = codec;
        this.metrics = metrics;
        this.clock = clock;
        this.policy = policy;
        this.millisPerWindow = policy.initialMillisPerWindow();
        this.bestMillisPerWindow = policy.initialMillisPerWindow();
        ModelIdentity identity = answerer.identity();
        this.model = identity == null ? null : new ModelInfo(identity.name(), identity.variant());
        this.writers = Executors.newFixedThreadPool(policy.writeConcurrency(),
                Thread.ofPlatform().name("answer-writer-", 0).daemon().factory());
    }

    /** Answers a batch with no deadline. */
    public SQSBatchResponse process(SQSEvent event) {
        return process(event, NO_DEADLINE);
    }

    /**
     * Answers a batch that must be done within {@code remainingMillis} (Lambda's
     * {@code Context.getRemainingTimeInMillis()}, or {@link #NO_DEADLINE}).
     */
    public SQSBatchResponse process(SQSEvent event, long remainingMillis) {
        long startNanos = System.nanoTime();
        List<SQSEvent.SQSMessage> messages = event.getRecords() == null ? List.of() : event.getRecords();
        Outcome outcome = new Outcome(messages.size(), clock.millis());
        Run run = new Run(outcome, startNanos, remainingMillis);
        List<Pending> valid = new ArrayList<>();
        for (SQSEvent.SQSMessage message : messages) {
            Instant sentAt = MessageCodec.sentAt(message.getAttributes());
            outcome.observeAge(sentAt);
            try {
                MessageCodec.Decoded decoded = codec.decode(message.getBody(), message.getMessageId());
                for (Question q : decoded.set().questions()) {
                    valid.add(new Pending(message, q, decoded.set(), receiveCount(message), sentAt));
                }
                for (QuestionReader.Rejected r : decoded.rejected()) {
                    log.atWarn().addKeyValue("qaId", r.question().id()).addKeyValue("reason", r.problem().code())
                            .log("invalid question");
                    failRecord(message.getMessageId(), Completion.of(r.question(), decoded.set(), sentAt),
                            new ErrorInfo(r.problem().code(), r.problem().getMessage()), outcome);
                }
            } catch (InvalidMessageException e) {
                rejectPoison(message, sentAt, e, outcome);
            }
        }
        boolean redelivered = valid.stream().anyMatch(p -> p.receiveCount > 1);
        valid = skipCompleted(valid, outcome);
        List<Prepared> prepared = prepareAll(valid, run);
        // Messages delivered before go first (they are closest to the dead-letter queue), then the cheapest:
        // a batch mixing long contexts with short ones answers the short ones in seconds, not after the long ones.
        prepared.sort(Comparator.comparingInt((Prepared p) -> p.pending.receiveCount).reversed()
                .thenComparingInt(Prepared::cost));
        answerInChunks(prepared, redelivered ? 1 : policy.chunkWindows(), run);
        run.awaitWrites();
        if (!run.postponed.isEmpty()) requeue.now(run.postponed);
        outcome.inferenceMillis = (System.nanoTime() - startNanos) / 1_000_000;
        metrics.record(outcome);
        log.atInfo()
                .addKeyValue("batchSize", outcome.batchSize)
                .addKeyValue("answered", outcome.answered)
                .addKeyValue("noAnswer", outcome.noAnswer)
                .addKeyValue("duplicates", outcome.duplicates)
                .addKeyValue("idConflicts", outcome.idConflicts)
                .addKeyValue("skipped", outcome.skipped)
                .addKeyValue("failed", outcome.failed)
                .addKeyValue("retried", outcome.retry.size())
                .addKeyValue("postponed", outcome.postponed)
                .addKeyValue("windows", outcome.windows)
                .addKeyValue("redelivered", redelivered)
                .addKeyValue("inferenceMs", outcome.inferenceMillis)
                .addKeyValue("msPerWindow", Math.round(millisPerWindow * 10) / 10.0)
                .addKeyValue("maxQueueAgeMs", outcome.maxQueueAgeMillis)
                .log("batch processed");
        return SQSBatchResponse.builder()
                .withBatchItemFailures(outcome.retry.stream()
                        .map(id -> SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(id).build())
                        .toList())
                .build();
    }

    /** The measured cost of one window, in milliseconds (the initial estimate until a chunk has run). */
    public double millisPerWindow() {
        return millisPerWindow;
    }

    /**
     * A redelivered message may have been answered by an invocation that timed out or crashed before it could
     * acknowledge it, and any message's question may have been cancelled or deleted (DELETE /qa/{id}) while it
     * waited: one batch read tells. A CANCELLED or deleted question is skipped without error (its message is
     * acknowledged; a completion would be refused anyway). A first delivery whose record is already DONE or FAILED
     * is still answered, so that an id reused for another question is noticed ({@link #isConflict}). If the read
     * fails, every question is answered (completion is write-once, so that costs time, not correctness).
     */
    private List<Pending> skipCompleted(List<Pending> valid, Outcome outcome) {
        if (valid.isEmpty()) return valid;
        Map<String, QaRecord> records;
        try {
            records = store.findAll(valid.stream().map(p -> p.question.id()).toList());
        } catch (RuntimeException e) {
            log.warn("reading the records of a batch failed; answering every question", e);
            return valid;
        }
        List<Pending> open = new ArrayList<>();
        for (Pending p : valid) {
            QaRecord record = records.get(p.question.id());
            QaStatus status = record == null ? QaStatus.PENDING : record.status();
            boolean withdrawn = status == QaStatus.CANCELLED || status == QaStatus.DELETED;
            if (withdrawn || (p.receiveCount > 1 && status != QaStatus.PENDING)) {
                withIds(p, () -> log.atInfo().addKeyValue("status", status)
                        .log(withdrawn ? "question withdrawn by its user; skipped" : "already completed; redelivery skipped"));
                outcome.skipped++;
            } else {
                open.add(p);
            }
        }
        return open;
    }

    /** Tokenizes every question (no forward pass yet), until the deadline. */
    private List<Prepared> prepareAll(List<Pending> questions, Run run) {
        List<Prepared> prepared = new ArrayList<>();
        for (Pending p : questions) {
            if (run.stopped || !run.fits(0, 0)) {
                run.stopped = true;
                run.postpone(p);
                continue;
            }
            Prepared one = prepare(p, run);
            if (one != null) prepared.add(one);
        }
        return prepared;
    }

    private void answerInChunks(List<Prepared> questions, int chunkWindows, Run run) {
        List<Prepared> chunk = new ArrayList<>();
        int windows = 0;
        for (Prepared prepared : questions) {
            if (!chunk.isEmpty() && windows + prepared.cost() > chunkWindows) {
                runChunk(chunk, run);
                chunk.clear();
                windows = 0;
            }
            if (run.stopped) {
                run.postpone(prepared.pending);
                continue;
            }
            chunk.add(prepared);
            windows += prepared.cost();
        }
        if (!chunk.isEmpty()) runChunk(chunk, run);
    }

    /** Tokenizes one question; null when it ended here (too costly, or input the tokenizer cannot take). */
    private Prepared prepare(Pending p, Run run) {
        PreparedQuery prepared;
        try {
            prepared = answerer.prepare(p.query());
        } catch (RuntimeException e) {
            withIds(p, () -> log.error("tokenizing one question failed", e));
            failRecord(p.sqsMessageId(), completion(p), INFERENCE_ERROR, run.outcome);
            return null;
        }
        if (prepared.windows() > policy.maxWindowsPerQuestion()) {
            withIds(p, () -> log.atWarn().addKeyValue("windows", prepared.windows())
                    .addKeyValue("maxWindows", policy.maxWindowsPerQuestion()).log("question refused: too many windows"));
            failRecord(p.sqsMessageId(), completion(p), new ErrorInfo("TOO_MANY_WINDOWS",
                    "the context needs " + prepared.windows() + " model windows; this deployment answers at most "
                            + policy.maxWindowsPerQuestion() + " per question"), run.outcome);
            return null;
        }
        return new Prepared(p, prepared);
    }

    /**
     * Runs the longest prefix of the chunk that fits before the deadline, then the rest, until it is done or
     * nothing more fits: the unstarted questions go back to the queue.
     */
    private void runChunk(List<Prepared> chunk, Run run) {
        int from = 0;
        while (from < chunk.size() && !run.stopped) {
            int to = from;
            int windows = 0;
            while (to < chunk.size() && run.fits(windows + chunk.get(to).cost(), millisPerWindow)) {
                windows += chunk.get(to).cost();
                to++;
            }
            if (to == from) {
                Prepared first = chunk.get(from);
                if (bestMeasured && !run.fitsWholeBudget(first.cost(), bestMillisPerWindow)) {
                    // Even a whole invocation at the best speed seen could not answer it: retrying would only lead
                    // to the dead-letter queue.
                    failRecord(first.pending.sqsMessageId(), completion(first.pending), new ErrorInfo(
                            "EXCEEDS_TIME_BUDGET", "the context needs " + first.cost() + " model windows, more than"
                                    + " this deployment can answer within its timeout"), run.outcome);
                    from++;
                    continue;
                }
                if (run.started) {
                    run.stopped = true;
                    break;
                }
                // Nothing has run in this invocation yet, so no later one would do better: the current speed
                // estimate may be pessimistic (a busy neighbour), and the best one says it fits. Run it alone.
                to = from + 1;
                windows = first.cost();
            }
            answerAndStore(chunk.subList(from, to), windows, run);
            from = to;
        }
        for (int i = from; i < chunk.size(); i++) run.postpone(chunk.get(i).pending);
    }

    private void answerAndStore(List<Prepared> group, int windows, Run run) {
        run.started = true;
        long started = System.nanoTime();
        List<QaResult> results;
        try {
            results = answerer.answerPrepared(group.stream().map(Prepared::query).toList());
            observe(windows, System.nanoTime() - started);
        } catch (RuntimeException batchError) {
            log.warn("inference failed for a group of " + group.size() + "; isolating the failing questions", batchError);
            results = isolate(group, run);
        }
        run.outcome.windows += windows;
        for (int i = 0; i < group.size(); i++) {
            QaResult result = results.get(i);
            if (result != null) {
                Pending p = group.get(i).pending;
                run.writes.add(new Write(p, writers.submit(() -> store(p, result))));
            }
        }
    }

    /** Exponentially weighted: one slow chunk (a noisy neighbour) moves the estimate, but not all the way. */
    private void observe(int windows, long nanos) {
        if (windows <= 0) return;
        double observed = nanos / 1e6 / windows;
        millisPerWindow = 0.5 * millisPerWindow + 0.5 * observed;
        if (windows >= MIN_WINDOWS_FOR_BEST) {
            bestMillisPerWindow = bestMeasured ? Math.min(bestMillisPerWindow, observed) : observed;
            bestMeasured = true;
        }
    }

    /**
     * Answers the group one question at a time. Questions that fail while others succeed are bad input: they
     * end FAILED. When every question fails, the model itself is failing: all go back to the queue, and so does
     * everything not started yet.
     */
    private List<QaResult> isolate(List<Prepared> group, Run run) {
        List<QaResult> results = new ArrayList<>();
        List<Pending> failing = new ArrayList<>();
        for (Prepared p : group) {
            try {
                results.add(answerer.answerPrepared(List.of(p.query())).get(0));
            } catch (RuntimeException e) {
                withIds(p.pending, () -> log.error("inference failed for one question", e));
                failing.add(p.pending);
                results.add(null);
            }
        }
        boolean inputSpecific = failing.size() < group.size();
        for (Pending p : failing) {
            if (inputSpecific) {
                failRecord(p.sqsMessageId(), completion(p), INFERENCE_ERROR, run.outcome);
            } else {
                run.outcome.retry.add(p.sqsMessageId());
            }
        }
        if (!inputSpecific) run.stopped = true;
        return results;
    }

    /** Runs on a writer thread; the tally is made by the batch thread from the returned value. */
    private Written store(Pending p, QaResult result) {
        List<Answer> answers = result.answers().stream().map(BatchProcessor::toAnswer).toList();
        try {
            boolean written = store.complete(completion(p), answers,
                    Double.isNaN(result.noAnswerScore()) ? null : result.noAnswerScore(), model);
            withIds(p, () -> log.atInfo()
                    .addKeyValue("outcome", answers.isEmpty() ? "NO_ANSWER" : "ANSWERED")
                    .addKeyValue("windows", result.windows())
                    .log(written ? "question answered" : "already completed; duplicate delivery ignored"));
            if (!written) return isConflict(p) ? Written.CONFLICT : Written.DUPLICATE;
            return answers.isEmpty() ? Written.NO_ANSWER : Written.ANSWERED;
        } catch (RuntimeException e) {
            withIds(p, () -> log.warn("storing the answer failed; the message will be retried", e));
            return Written.RETRY;
        }
    }

    /**
     * A refused completion is a redelivery of the same question, or a producer reusing an id for a different
     * question (the record keeps the question it was created with). The second one is the producer's bug, and it
     * must hear of it: a warning, a metric and an alarm; its answer is not stored.
     */
    private boolean isConflict(Pending p) {
        try {
            QaRecord record = store.findAll(List.of(p.question.id())).get(p.question.id());
            boolean conflict = record != null && record.question() != null && !record.question().isEmpty()
                    && !record.question().equals(p.question.text());
            if (conflict) {
                withIds(p, () -> log.warn("id reused for a different question; this message is dropped"));
            }
            return conflict;
        } catch (RuntimeException e) {
            return false; // the read only tells the two apart; the completion was refused either way
        }
    }

    private void rejectPoison(SQSEvent.SQSMessage message, Instant sentAt, InvalidMessageException e, Outcome outcome) {
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
            failRecord(message.getMessageId(), new Completion(q, e.topK() == null ? 1 : e.topK(), null, sentAt),
                    e.toErrorInfo(), outcome);
        }
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

    @Override
    public void close() {
        writers.shutdown();
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
        return Completion.of(p.question, p.set, p.sentAt);
    }

    private static Answer toAnswer(Span span) {
        return new Answer(span.text(), span.start(), span.end(), span.score());
    }

    private static void withIds(Pending p, Runnable logging) {
        MDC.put("qaId", p.question.id());
        MDC.put("correlationId", p.set.correlationId());
        try {
            logging.run();
        } finally {
            MDC.remove("qaId");
            MDC.remove("correlationId");
        }
    }

    /** One question of a message, as it waits for its answer. */
    private record Pending(SQSEvent.SQSMessage sqs, Question question, QuestionSet set, int receiveCount,
            Instant sentAt) {
        String sqsMessageId() {
            return sqs.getMessageId();
        }

        QaQuery query() {
            var o = set.options();
            return new QaQuery(question.text(), set.context(), o.topK(), o.maxAnswerLength(), o.allowNoAnswer());
        }
    }

    private record Prepared(Pending pending, PreparedQuery query) {
        int cost() {
            return Math.max(1, query.windows());
        }
    }

    private enum Written { ANSWERED, NO_ANSWER, DUPLICATE, CONFLICT, RETRY }

    private record Write(Pending pending, Future<Written> result) {}

    /** One invocation's clock and its writes in flight. */
    private final class Run {
        final Outcome outcome;
        final long startNanos;
        /** When no new chunk may start: the remaining time minus the margin. */
        final long deadlineNanos;
        /** When the last write wait must end, to return in time. */
        final long hardDeadlineNanos;
        final List<Write> writes = new ArrayList<>();
        final List<SQSEvent.SQSMessage> postponed = new ArrayList<>();
        boolean stopped;
        /** Some chunk has run in this invocation. */
        boolean started;

        Run(Outcome outcome, long startNanos, long remainingMillis) {
            this.outcome = outcome;
            this.startNanos = startNanos;
            if (remainingMillis == NO_DEADLINE) {
                deadlineNanos = Long.MAX_VALUE;
                hardDeadlineNanos = Long.MAX_VALUE;
            } else {
                deadlineNanos = startNanos + TimeUnit.MILLISECONDS.toNanos(remainingMillis)
                        - policy.deadlineMargin().toNanos();
                long responseMargin = Math.min(RESPONSE_MARGIN_MILLIS, policy.deadlineMargin().toMillis());
                hardDeadlineNanos = startNanos + TimeUnit.MILLISECONDS.toNanos(remainingMillis - responseMargin);
            }
        }

        boolean fits(int windows, double millisPerWindow) {
            if (deadlineNanos == Long.MAX_VALUE) return true;
            return System.nanoTime() + (long) (windows * millisPerWindow * 1e6) <= deadlineNanos;
        }

        /** Would these windows fit if the whole invocation were theirs? */
        boolean fitsWholeBudget(int windows, double millisPerWindow) {
            if (deadlineNanos == Long.MAX_VALUE) return true;
            return startNanos + (long) (windows * millisPerWindow * 1e6) <= deadlineNanos;
        }

        void postpone(Pending p) {
            withIds(p, () -> log.info("not started before the deadline; the message goes back to the queue"));
            outcome.retry.add(p.sqsMessageId());
            outcome.postponed++;
            if (postponed.stream().noneMatch(m -> m.getMessageId().equals(p.sqsMessageId()))) postponed.add(p.sqs);
        }

        /** Waits for every write, at most until the hard deadline; one still running then is retried. */
        void awaitWrites() {
            for (Write w : writes) {
                Written written;
                try {
                    long wait = hardDeadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : hardDeadlineNanos - System.nanoTime();
                    written = w.result.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    withIds(w.pending, () -> log.warn("storing the answer did not finish in time; retried"));
                    written = Written.RETRY;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    written = Written.RETRY;
                } catch (ExecutionException e) {
                    written = Written.RETRY;
                }
                switch (written) {
                    case ANSWERED -> outcome.answered++;
                    case NO_ANSWER -> outcome.noAnswer++;
                    case DUPLICATE -> outcome.duplicates++;
                    case CONFLICT -> outcome.idConflicts++;
                    case RETRY -> outcome.retry.add(w.pending.sqsMessageId());
                }
            }
        }
    }

    /** What happened to one batch; read by the metrics. */
    public static final class Outcome {
        final int batchSize;
        final long receivedAtMillis;
        /** SQS message ids to give back: a message with several questions is named once. */
        final Set<String> retry = new LinkedHashSet<>();
        int answered;
        int noAnswer;
        int duplicates;
        int idConflicts;
        int skipped;
        int failed;
        int postponed;
        int windows;
        long inferenceMillis;
        long maxQueueAgeMillis;

        Outcome(int batchSize, long receivedAtMillis) {
            this.batchSize = batchSize;
            this.receivedAtMillis = receivedAtMillis;
        }

        /** @param sentAt null when the attribute is absent or malformed: that only costs the age metric */
        void observeAge(Instant sentAt) {
            if (sentAt != null) maxQueueAgeMillis = Math.max(maxQueueAgeMillis, receivedAtMillis - sentAt.toEpochMilli());
        }

        public int batchSize() { return batchSize; }
        public int answered() { return answered; }
        public int noAnswer() { return noAnswer; }
        public int duplicates() { return duplicates; }
        public int skipped() { return skipped; }
        public int idConflicts() { return idConflicts; }
        public int failed() { return failed; }
        public int retried() { return retry.size(); }
        public int postponed() { return postponed; }
        public int windows() { return windows; }
        public long inferenceMillis() { return inferenceMillis; }
        public long maxQueueAgeMillis() { return maxQueueAgeMillis; }
    }
}
