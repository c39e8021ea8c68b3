package dev.batchqa.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What Lambda's SQS event source mapping does: gather up to {@code batchSize} messages within the batching
 * window, invoke the handler with an {@link SQSEvent}, delete the messages that succeeded and leave the ones
 * in {@code batchItemFailures} (or the whole batch, if the handler throws) to reappear after the visibility
 * timeout; the queue's redrive policy moves them to the dead-letter queue after maxReceiveCount.
 *
 * <p>Like Lambda, it enforces the function's timeout: an invocation still running then counts as failed (its
 * messages come back after the visibility timeout) and the handler is replaced by a fresh one from the factory,
 * as Lambda replaces a timed-out sandbox. A Java thread stuck in native code (a forward pass) cannot be stopped;
 * it is abandoned as a daemon thread, and the fresh handler brings its own engine, so one stuck invocation never
 * blocks the next ones.
 */
public final class SqsPoller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqsPoller.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final Supplier<RequestHandler<SQSEvent, SQSBatchResponse>> handlerFactory;
    private final AtomicReference<RequestHandler<SQSEvent, SQSBatchResponse>> handler = new AtomicReference<>();
    private final String functionName;
    private final Duration timeout;
    private final int batchSize;
    private final Duration batchingWindow;
    private final Duration ackDelay;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> workers = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong invocations = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong timeouts = new java.util.concurrent.atomic.AtomicLong();

    public SqsPoller(SqsClient sqs, String queueUrl, String queueArn, String region,
            RequestHandler<SQSEvent, SQSBatchResponse> handler, int batchSize, Duration batchingWindow,
            Duration ackDelay) {
        this(sqs, queueUrl, queueArn, region, "function", () -> handler, Duration.ofMinutes(15), batchSize,
                batchingWindow, ackDelay);
    }

    /**
     * @param handlerFactory makes the handler at start and a fresh one after a timed-out invocation
     * @param timeout the function's timeout: the invocation's {@code getRemainingTimeInMillis()} starts there
     */
    public SqsPoller(SqsClient sqs, String queueUrl, String queueArn, String region, String functionName,
            Supplier<RequestHandler<SQSEvent, SQSBatchResponse>> handlerFactory, Duration timeout, int batchSize,
            Duration batchingWindow, Duration ackDelay) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.region = region;
        this.functionName = functionName;
        this.handlerFactory = handlerFactory;
        this.handler.set(handlerFactory.get());
        this.timeout = timeout;
        this.batchSize = batchSize;
        this.batchingWindow = batchingWindow;
        this.ackDelay = ackDelay;
    }

    /** Invocations started so far. */
    public long invocations() {
        return invocations.get();
    }

    /** Invocations that ran past the function's timeout so far: a batch loop that plans well has none. */
    public long timeouts() {
        return timeouts.get();
    }

    /** Starts {@code concurrency} pollers, like the mapping's concurrent invocations. */
    public SqsPoller start(int concurrency) {
        for (int i = 0; i < concurrency; i++) {
            Thread worker = Thread.ofPlatform().name("sqs-poller-" + i).daemon().start(this::pollLoop);
            workers.add(worker);
        }
        return this;
    }

    private void pollLoop() {
        while (running.get()) {
            try {
                List<Message> batch = gather();
                if (!batch.isEmpty() && running.get()) invoke(batch);
            } catch (RuntimeException e) {
                if (!running.get()) return;
                log.warn("poll failed; retrying", e);
                sleep(1000);
            }
        }
    }

    /** Long-polls until the batch is full or the batching window has passed since the first message. */
    private List<Message> gather() {
        List<Message> batch = new ArrayList<>();
        long deadline = Long.MAX_VALUE;
        while (running.get() && batch.size() < batchSize) {
            long remaining = deadline == Long.MAX_VALUE ? 1000 : (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) break;
            int waitSeconds = batch.isEmpty() ? 1 : (int) Math.min(20, remaining / 1000);
            List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                            .maxNumberOfMessages(Math.min(10, batchSize - batch.size()))
                            .waitTimeSeconds(waitSeconds)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                    .messages();
            if (received.isEmpty() && batch.isEmpty()) continue;
            if (batch.isEmpty()) deadline = System.nanoTime() + batchingWindow.toNanos();
            batch.addAll(received);
            if (received.isEmpty() && waitSeconds == 0) break;
        }
        return batch;
    }

    private void invoke(List<Message> batch) {
        SQSBatchResponse response;
        RequestHandler<SQSEvent, SQSBatchResponse> current = handler.get();
        SQSEvent event = toEvent(batch);
        LocalContext context = new LocalContext(functionName, timeout.toMillis());
        FutureTask<SQSBatchResponse> invocation = new FutureTask<>(() -> current.handleRequest(event, context));
        invocations.incrementAndGet();
        Thread.ofPlatform().name(functionName + "-invocation").daemon().start(invocation);
        try {
            response = invocation.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.atError().addKeyValue("function", functionName).addKeyValue("timeoutMs", timeout.toMillis())
                    .addKeyValue("messages", batch.size())
                    .log("invocation timed out; its messages come back after the visibility timeout");
            timeouts.incrementAndGet();
            invocation.cancel(true);
            replaceHandler(current);
            return;
        } catch (ExecutionException e) {
            log.error("handler failed; the whole batch will be retried", e.getCause());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!ackDelay.isZero()) sleep(ackDelay.toMillis());
        Set<String> failed = response == null || response.getBatchItemFailures() == null ? Set.of()
                : response.getBatchItemFailures().stream()
                        .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                        .collect(Collectors.toCollection(HashSet::new));
        List<DeleteMessageBatchRequestEntry> done = batch.stream()
                .filter(m -> !failed.contains(m.messageId()))
                .map(m -> DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build())
                .toList();
        for (int i = 0; i < done.size(); i += 10) {
            List<DeleteMessageBatchRequestEntry> chunk = done.subList(i, Math.min(done.size(), i + 10));
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(chunk));
        }
    }

    /** As Lambda discards a timed-out sandbox: the next invocation gets a fresh handler (and engine). */
    private void replaceHandler(RequestHandler<SQSEvent, SQSBatchResponse> timedOut) {
        if (!running.get()) return;
        try {
            RequestHandler<SQSEvent, SQSBatchResponse> fresh = handlerFactory.get();
            if (!handler.compareAndSet(timedOut, fresh)) {
                closeQuietly(fresh); // another poller replaced it already
            } else {
                closeQuietly(timedOut);
            }
        } catch (RuntimeException e) {
            log.error("making a fresh handler failed; keeping the old one", e);
        }
    }

    /** On its own thread: the engine of a timed-out handler may wait for its stuck forward pass before it closes. */
    private static void closeQuietly(Object handler) {
        Thread.ofPlatform().daemon().start(() -> closeHandler(handler));
    }

    private static void closeHandler(Object handler) {
        if (handler instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("closing a handler failed", e);
            }
        }
    }

    private SQSEvent toEvent(List<Message> batch) {
        SQSEvent event = new SQSEvent();
        event.setRecords(batch.stream().map(this::toRecord).toList());
        return event;
    }

    private SQSEvent.SQSMessage toRecord(Message m) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(m.messageId());
        record.setReceiptHandle(m.receiptHandle());
        record.setBody(m.body());
        record.setMd5OfBody(m.md5OfBody());
        record.setAttributes(m.attributesAsStrings() == null ? Map.of() : Map.copyOf(m.attributesAsStrings()));
        record.setMessageAttributes(Map.of());
        record.setEventSource("aws:sqs");
        record.setEventSourceArn(queueArn);
        record.setAwsRegion(region);
        return record;
    }

    /**
     * Stops polling. An invocation in progress is abandoned, not awaited: its messages come back after the
     * visibility timeout (at-least-once), so a shutdown never waits on a long or stuck batch.
     */
    @Override
    public void close() {
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (Thread worker : workers) {
            worker.interrupt();
            try {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeHandler(handler.get());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
