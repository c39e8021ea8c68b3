package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.ModelIdentity;
import dev.batchqa.engine.PreparedQuery;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.MessageCodec.Continuation;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.store.RequestStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one SQS batch within the invocation's time. Work is never lost to the clock and never costs a receive:
 * what the deadline leaves unanswered is handed on in a continuation message, and the original is acknowledged;
 * {@code batchItemFailures} names only messages whose processing really failed. The loop:
 * <ol>
 *   <li>{@link Intake} decodes the messages and leaves out what needs no inference;</li>
 *   <li>questions are ordered: messages an invocation failed on first, then continued ones (oldest work first, so
 *       that every continuation makes progress), then the cheapest, so that short questions are answered in
 *       seconds next to long ones;</li>
 *   <li>pieces of about {@link BatchPolicy#chunkWindows} windows are tokenized one at a time (memory holds one
 *       piece's windows, not the batch's) and started only if their pessimistic cost in tokens
 *       ({@link SpeedEstimate}) fits the time left ({@link Deadline}); a question that could not be answered even
 *       by a whole invocation at the best speed seen ends {@code EXCEEDS_TIME_BUDGET}, one over the window cap
 *       {@code TOO_MANY_WINDOWS};</li>
 *   <li>answers are stored as soon as their piece is decoded ({@link AnswerWriter});</li>
 *   <li>each message is then acknowledged when nothing is left, handed on ({@link Continuations}) when questions
 *       are left, or given back after a failure.</li>
 * </ol>
 * A question that fails alone ends {@code INFERENCE_ERROR} at once when a known-good question still succeeds; only
 * a model that fails that too sends the batch back. A message delivered before (an invocation died on it) runs one
 * question per piece, so that a question that kills an invocation cannot take its neighbours with it again.
 *
 * <pre>{@code
 * BatchProcessor processor = new BatchProcessor(engine, store, codec, metrics, Clock.systemUTC(),
 *         BatchPolicy.DEFAULT, Continuations.sqs(AwsClients::sqs));
 * SQSBatchResponse response = processor.process(event, context.getRemainingTimeInMillis());
 * }</pre>
 */
public final class BatchProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);
    private static final ErrorInfo INFERENCE_ERROR =
            new ErrorInfo("INFERENCE_ERROR", "the model could not answer this question");
    /** Without a deadline (tests, tools) the loop never hands work on. */
    public static final long NO_DEADLINE = Deadline.NONE;
    /** Asked when a question fails alone: if the model answers this, the failure was the question's. */
    private static final QaQuery KNOWN_GOOD = new QaQuery("What is the weather like?",
            "The weather in the city is sunny and warm today.", 1);

    private final Answerer answerer;
    private final MessageCodec codec;
    private final BatchMetrics metrics;
    private final Clock clock;
    private final BatchPolicy policy;
    private final SpeedEstimate speed;
    private final AnswerWriter writer;
    private final Intake intake;
    private final Continuations continuations;

    /** A processor for batches without a deadline (tests, tools): nothing is ever handed on. */
    public BatchProcessor(Answerer answerer, RequestStore store, MessageCodec codec, BatchMetrics metrics, Clock clock) {
        this(answerer, store, codec, metrics, clock, BatchPolicy.DEFAULT, Continuations.NONE);
    }

    public BatchProcessor(Answerer answerer, RequestStore store, MessageCodec codec, BatchMetrics metrics, Clock clock,
            BatchPolicy policy, Continuations continuations) {
        this.answerer = answerer;
        this.codec = codec;
        this.metrics = metrics;
        this.clock = clock;
        this.policy = policy;
        this.continuations = continuations;
        this.speed = SpeedEstimate.seeded(policy.initialMillisPerToken());
        ModelIdentity identity = answerer.identity();
        this.writer = new AnswerWriter(store, identity == null ? null : new ModelInfo(identity.name(), identity.variant()),
                policy.writeConcurrency());
        this.intake = new Intake(codec, store, writer);
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
        Deadline deadline = Deadline.of(remainingMillis, policy.deadlineMargin());
        List<SQSEvent.SQSMessage> messages = event.getRecords() == null ? List.of() : event.getRecords();
        BatchOutcome outcome = new BatchOutcome(messages.size(), clock.millis());
        List<MessageWork> work = intake.read(messages, outcome);
        Run run = new Run(deadline, outcome);
        run.answer(ordered(work));
        run.writes.await(deadline, outcome);
        handOn(work, outcome);
        outcome.inferenceMillis = deadline.elapsedMillis();
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
                .addKeyValue("continued", outcome.continuedQuestions)
                .addKeyValue("continuations", outcome.continuations)
                .addKeyValue("windows", outcome.windows)
                .addKeyValue("tokens", outcome.tokens)
                .addKeyValue("inferenceMs", outcome.inferenceMillis)
                .addKeyValue("msPerKiloToken", Math.round(speed.millisPerToken() * 10_000) / 10.0)
                .addKeyValue("maxQueueAgeMs", outcome.maxQueueAgeMillis)
                .log("batch processed");
        return SQSBatchResponse.builder()
                .withBatchItemFailures(outcome.retry.stream()
                        .map(id -> SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(id).build())
                        .toList())
                .build();
    }

    /** The current cost estimate, in milliseconds per padded token. */
    public double millisPerToken() {
        return speed.millisPerToken();
    }

    /** Records the cost of a pass measured outside a batch (the full-length pass at init). */
    public void observe(long tokens, long nanos) {
        speed.observe(tokens, nanos);
    }

    private static List<Item> ordered(List<MessageWork> work) {
        List<Item> items = new ArrayList<>();
        for (MessageWork w : work) {
            for (Question q : w.open) items.add(new Item(w, q));
        }
        // Before tokenizing, a question's cost is told by its text's UTF-8 size: tokens per byte differ far less
        // between scripts than tokens per character (a CJK character is three bytes and about one token).
        items.sort(Comparator.comparing((Item i) -> !i.work.redelivered())
                .thenComparing(Comparator.comparingInt((Item i) -> i.work.continuationCount()).reversed())
                .thenComparingInt(i -> i.work.contextBytes() + utf8Bytes(i.question.text())));
        return items;
    }

    private static int utf8Bytes(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Acknowledges, hands on or gives back each message, as its questions ended. */
    private void handOn(List<MessageWork> work, BatchOutcome outcome) {
        List<Continuations.Message> out = new ArrayList<>();
        List<MessageWork> handed = new ArrayList<>();
        for (MessageWork w : work) {
            if (w.mustRetry) {
                outcome.retry.add(w.messageId());
                continue;
            }
            if (w.unfinished.isEmpty()) continue;
            if (w.continuationCount() >= Continuation.MAX_COUNT) {
                for (Question q : w.unfinished) {
                    writer.fail(w, q, new ErrorInfo("CONTINUATION_LIMIT", "the question was handed on "
                            + Continuation.MAX_COUNT + " times without being answered"), outcome);
                }
                continue;
            }
            List<Question> left = w.set.questions().stream().filter(w.unfinished::contains).toList();
            String body = codec.encodeContinuation(w.set.withQuestions(left), Continuation.next(w.continuation, w.acceptedAt));
            out.add(new Continuations.Message(w.sqs.getEventSourceArn(), w.messageId(), body));
            handed.add(w);
        }
        if (out.isEmpty()) return;
        Set<String> sent = continuations.send(out);
        for (MessageWork w : handed) {
            if (sent.contains(w.messageId())) {
                outcome.continuations++;
                outcome.continuedQuestions += w.unfinished.size();
                w.withIds(w.unfinished.getFirst(), () -> log.atInfo().addKeyValue("questions", w.unfinished.size())
                        .addKeyValue("continuation", w.continuationCount() + 1)
                        .log("unanswered questions handed on in a continuation"));
            } else {
                outcome.retry.add(w.messageId());
            }
        }
    }

    @Override
    public void close() {
        writer.close();
    }

    /** One question of a message; tokenized only when its piece is next. */
    private static final class Item {
        final MessageWork work;
        final Question question;
        PreparedQuery prepared;

        Item(MessageWork work, Question question) {
            this.work = work;
            this.question = question;
        }

        int windows() {
            return Math.max(1, prepared.windows());
        }

        long tokens() {
            return Math.max(1, prepared.tokens());
        }
    }

    /** One invocation's pass through its questions. */
    private final class Run {
        final Deadline deadline;
        final BatchOutcome outcome;
        final AnswerWriter.Batch writes = writer.batch();
        /** Some piece has run in this invocation. */
        boolean started;
        /** The deadline, or a failing model, ended the work. */
        boolean stopped;
        /** Null until a question failed alone; then whether the model still answers a known-good question. */
        Boolean modelHealthy;

        Run(Deadline deadline, BatchOutcome outcome) {
            this.deadline = deadline;
            this.outcome = outcome;
        }

        void answer(List<Item> items) {
            Deque<Item> queue = new ArrayDeque<>(items);
            while (!queue.isEmpty() && !stopped) {
                List<Item> piece = nextPiece(queue);
                if (!piece.isEmpty()) run(piece);
            }
            for (Item left : queue) {
                left.prepared = null;
                if (stopped && modelHealthy == Boolean.FALSE) left.work.mustRetry = true;
                else left.work.unfinished.add(left.question);
            }
        }

        /**
         * Takes questions from the queue while they fit the piece's size and the time left. An empty piece with
         * the queue not empty means the deadline stopped the work.
         */
        private List<Item> nextPiece(Deque<Item> queue) {
            List<Item> piece = new ArrayList<>();
            int windows = 0;
            long tokens = 0;
            while (!queue.isEmpty()) {
                Item item = queue.peekFirst();
                if (item.prepared == null && !prepare(item)) {
                    queue.pollFirst();
                    if (stopped) return piece;
                    continue;
                }
                boolean oneByOne = item.work.redelivered() || (!piece.isEmpty() && piece.getFirst().work.redelivered());
                if (!piece.isEmpty() && (oneByOne || windows + item.windows() > policy.chunkWindows())) break;
                if (!deadline.fits(speed.pessimisticMillis(tokens + item.tokens()))) {
                    if (!piece.isEmpty()) break; // run what fits; the next look decides on this one
                    if ((speed.measured() || !started) && !deadline.fitsWhole(speed.optimisticMillis(item.tokens()))) {
                        queue.pollFirst();
                        item.work.withIds(item.question, () -> log.atWarn().addKeyValue("windows", item.windows())
                                .addKeyValue("tokens", item.tokens()).log("question refused: exceeds the time budget"));
                        writer.fail(item.work, item.question, new ErrorInfo("EXCEEDS_TIME_BUDGET", "the context needs "
                                + item.windows() + " model windows, more than this deployment can answer within"
                                + " its timeout"), outcome);
                        item.prepared = null;
                        continue;
                    }
                    if (!started && deadline.fits(speed.optimisticMillis(item.tokens()))) {
                        // nothing has run yet, so no later invocation would do better: run it alone
                        piece.add(queue.pollFirst());
                        return piece;
                    }
                    stopped = true;
                    return piece;
                }
                piece.add(queue.pollFirst());
                windows += item.windows();
                tokens += item.tokens();
            }
            return piece;
        }

        /** Tokenizes one question; false when it ended here (over the cap, or input the tokenizer cannot take). */
        private boolean prepare(Item item) {
            MessageWork w = item.work;
            try {
                item.prepared = answerer.prepare(w.query(item.question));
            } catch (RuntimeException e) {
                w.withIds(item.question, () -> log.error("tokenizing one question failed", e));
                if (modelAnswers()) {
                    writer.fail(w, item.question, INFERENCE_ERROR, outcome);
                } else {
                    // a closed or broken engine (a sandbox replaced after a timeout) fails every question alike
                    w.mustRetry = true;
                    stopped = true;
                }
                return false;
            }
            int windows = item.prepared.windows();
            if (windows > policy.maxWindowsPerQuestion()) {
                item.prepared = null;
                w.withIds(item.question, () -> log.atWarn().addKeyValue("windows", windows)
                        .addKeyValue("maxWindows", policy.maxWindowsPerQuestion()).log("question refused: too many windows"));
                writer.fail(w, item.question, new ErrorInfo("TOO_MANY_WINDOWS", "the context needs " + windows
                        + " model windows; this deployment answers at most " + policy.maxWindowsPerQuestion()
                        + " per question"), outcome);
                return false;
            }
            return true;
        }

        private void run(List<Item> piece) {
            started = true;
            long windows = 0;
            long tokens = 0;
            for (Item i : piece) {
                windows += i.windows();
                tokens += i.tokens();
            }
            long t0 = System.nanoTime();
            List<QaResult> results;
            try {
                results = answerer.answerPrepared(piece.stream().map(i -> i.prepared).toList());
                speed.observe(tokens, System.nanoTime() - t0);
            } catch (RuntimeException pieceError) {
                log.atWarn().addKeyValue("questions", piece.size()).setCause(pieceError)
                        .log("inference failed for a piece; answering its questions one by one");
                results = isolate(piece);
            }
            outcome.windows += windows;
            outcome.tokens += tokens;
            for (int i = 0; i < piece.size(); i++) {
                Item item = piece.get(i);
                item.prepared = null; // the windows' memory goes with the piece
                QaResult result = results.get(i);
                if (result != null) writes.submit(item.work, item.question, result);
            }
        }

        /**
         * Answers the piece one question at a time. A question that fails alone is bad input if the model still
         * answers a known-good question: it ends INFERENCE_ERROR now, and its neighbours go on. If the model fails
         * that too, it is the model that is failing: the question and everything not yet answered go back.
         */
        private List<QaResult> isolate(List<Item> piece) {
            List<QaResult> results = new ArrayList<>();
            for (Item item : piece) {
                if (stopped) {
                    item.work.mustRetry = true;
                    results.add(null);
                    continue;
                }
                try {
                    results.add(answerer.answerPrepared(List.of(item.prepared)).getFirst());
                } catch (RuntimeException e) {
                    item.work.withIds(item.question, () -> log.error("inference failed for one question", e));
                    results.add(null);
                    if (modelAnswers()) {
                        writer.fail(item.work, item.question, INFERENCE_ERROR, outcome);
                    } else {
                        item.work.mustRetry = true;
                        stopped = true;
                    }
                }
            }
            return results;
        }

        /** Asks the known-good question once per invocation; its answer settles every later doubt. */
        private boolean modelAnswers() {
            if (modelHealthy == null) {
                try {
                    answerer.answerAll(List.of(KNOWN_GOOD));
                    modelHealthy = true;
                } catch (RuntimeException e) {
                    log.error("the model fails a known-good question too; the batch goes back", e);
                    modelHealthy = false;
                }
            }
            return modelHealthy;
        }
    }
}
