package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.ModelIdentity;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.MessageCodec.Continuation;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.util.ArrayList;
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
 *   <li>{@link Invocation}: pieces of about {@link BatchPolicy#chunkWindows} windows are tokenized one at a time
 *       (memory holds one piece's windows, not the batch's) and started only if their pessimistic cost in tokens
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
    /** Without a deadline (tests, tools) the loop never hands work on. */
    public static final long NO_DEADLINE = Deadline.NONE;

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
        Deadline deadline = Deadline.of(remainingMillis, policy.marginFor(remainingMillis));
        List<SQSEvent.SQSMessage> messages = event.getRecords() == null ? List.of() : event.getRecords();
        BatchOutcome outcome = new BatchOutcome(messages.size(), clock.millis());
        List<MessageWork> work = intake.read(messages, outcome);
        Invocation invocation = new Invocation(answerer, policy, speed, writer, deadline, outcome);
        invocation.answer(work);
        invocation.awaitWrites();
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
}
