package dev.batchqa.bulk;

import dev.batchqa.shared.aws.Backoff;
import dev.batchqa.shared.aws.SqsBatches;
import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/**
 * Sends questions straight to the queue (message schema v1), the way a bulk producer should:
 *
 * <ol>
 *   <li>each item is validated exactly as the inference function will read it (encode with the shared
 *       {@link MessageCodec}, decode the body again, and check the characters SQS accepts); invalid items are
 *       reported with where they came from and never sent. An item without an id gets a random UUID, so that a
 *       send retried after a lost response can never create a second record; a repeated id is invalid;
 *   <li>valid messages are packed into SendMessageBatch requests of at most 10 entries and 256 KiB in total
 *       ({@link SqsBatches}; both limits configurable in {@link Options});
 *   <li>a few senders run the requests concurrently (bounded: the reader waits when they fall behind);
 *   <li>entries that SQS reports as failed without a sender fault, and whole requests that fail with a
 *       retryable error (throttling, 5xx, network), are retried with capped, jittered exponential backoff, up to
 *       {@code maxAttempts}; a non-retryable error of the whole request (no such queue, access denied) stops
 *       the submission.
 * </ol>
 *
 * One instance may run one submission at a time; {@link #counts()} may be read from any thread meanwhile.
 */
public final class BulkSubmitter {

    /**
     * @param senders         concurrent SendMessageBatch requests
     * @param maxAttempts     attempts per entry, the first included
     * @param initialBackoff  backoff before the first retry; doubled each time, with full jitter
     * @param maxBackoff      cap of the backoff
     * @param maxBatchEntries entries per request (SQS: at most 10)
     * @param maxBatchBytes   sum of the bodies in one request (default 262,144, the classic SQS limit that
     *                        ElasticMQ and this project's message limit use)
     */
    public record Options(int senders, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
            int maxBatchEntries, int maxBatchBytes) {
        public static final int SQS_MAX_BATCH_ENTRIES = SqsBatches.MAX_ENTRIES;
        public static final int SQS_MAX_BATCH_BYTES = SqsBatches.MAX_BYTES;

        public Options {
            if (senders < 1 || senders > 64) throw new IllegalArgumentException("senders must be 1..64");
            if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
            if (maxBatchEntries < 1 || maxBatchEntries > SQS_MAX_BATCH_ENTRIES) {
                throw new IllegalArgumentException("maxBatchEntries must be 1.." + SQS_MAX_BATCH_ENTRIES);
            }
            // every single message (up to the codec's limit) must fit; 1 MiB is the most any SQS accepts today
            if (maxBatchBytes < Limits.MAX_MESSAGE_BYTES || maxBatchBytes > SqsBatches.MAX_BYTES_UPPER_BOUND) {
                throw new IllegalArgumentException(
                        "maxBatchBytes must be " + Limits.MAX_MESSAGE_BYTES + ".." + SqsBatches.MAX_BYTES_UPPER_BOUND);
            }
        }

        public static Options defaults() {
            return new Options(4, 8, Duration.ofMillis(100), Duration.ofSeconds(5), SQS_MAX_BATCH_ENTRIES,
                    SQS_MAX_BATCH_BYTES);
        }

        public Options withSenders(int n) {
            return new Options(n, maxAttempts, initialBackoff, maxBackoff, maxBatchEntries, maxBatchBytes);
        }

        public Options withMaxAttempts(int n) {
            return new Options(senders, n, initialBackoff, maxBackoff, maxBatchEntries, maxBatchBytes);
        }

        public Options withBackoff(Duration initial, Duration max) {
            return new Options(senders, maxAttempts, initial, max, maxBatchEntries, maxBatchBytes);
        }
    }

    /** One message ready to send: its questions' ids, where it came from, its encoded body and its UTF-8 size. */
    private record Entry(List<String> ids, String where, String body, int bytes) {
        String id() {
            return ids.getFirst();
        }
    }

    /** An item not sent: where it came from, its id when it had one, and why. */
    public record Problem(String where, String id, String reason) {}

    /**
     * Progress so far: items read, messages SQS accepted, items invalid, messages given up on, and questions handled
     * (sent, invalid or given up on: a schema v2 message or a SQuAD paragraph holds several).
     */
    public record Counts(long read, long sent, long invalid, long failed, long questions) {}

    /**
     * One question of the input as it will be sent (or why it will not be), told to a {@link Journal} before its
     * message is sent.
     *
     * @param where    where it came from ({@code line 12})
     * @param customId the input's own id of the question (a SQuAD id, a JSONL line's {@code id}); null when none
     * @param id       the id its record will have; null when the item could not be read
     * @param given    whether {@code id} was made here (a fresh random UUID, which no earlier record can hold)
     * @param question the question's text; null when the item could not be read
     * @param topK     the answers it asks for
     * @param error    {@code CODE: message} when it is not sent because it is invalid; null when it is sent
     */
    public record Planned(String where, String customId, String id, boolean given, String question, int topK,
            String error) {}

    /** Hears of every question before its message is sent, and of messages given up on; see {@link Planned}. */
    public interface Journal {
        /** The questions of one input item, in input order, on the reading thread, before the item is sent. */
        void planned(List<Planned> questions);

        /** These ids' message was not sent (after retries, or because the run stopped); from a sender thread. */
        void notSent(List<String> ids, String reason);

        Journal NONE = new Journal() {
            @Override
            public void planned(List<Planned> questions) {}

            @Override
            public void notSent(List<String> ids, String reason) {}
        };
    }

    /**
     * The outcome of one submission.
     *
     * @param sentIds        ids of the questions whose messages SQS accepted, in input order
     * @param invalid        items not sent because they are invalid, in input order
     * @param failed         valid messages SQS did not accept (after retries), or not sent after an abort
     * @param requests       SendMessageBatch requests made, retries included
     * @param retriedEntries entry sends repeated after a failure
     * @param abortedBecause why the submission stopped early (the rest of the input was not read), or null
     */
    public record Report(List<String> sentIds, List<Problem> invalid, List<Problem> failed, long requests,
            long retriedEntries, Duration elapsed, String abortedBecause) {
        public int sent() {
            return sentIds.size();
        }

        public double messagesPerSecond() {
            return elapsed.isZero() ? 0 : sentIds.size() / (elapsed.toNanos() / 1e9);
        }

        public boolean allSent() {
            return invalid.isEmpty() && failed.isEmpty() && abortedBecause == null;
        }
    }

    private final SqsClient sqs;
    private final String queueUrl;
    private final MessageCodec codec;
    private final Options options;

    private final LongAdder read = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder invalidCount = new LongAdder();
    private final LongAdder failedCount = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder questions = new LongAdder();
    private final AtomicReference<String> abort = new AtomicReference<>();
    private volatile Journal journal = Journal.NONE;
    private final List<Problem> failed = Collections.synchronizedList(new ArrayList<>());
    /** The ids of every question in a message given up on (a v2 message names several). */
    private final Set<String> failedMessageIds = Collections.synchronizedSet(new HashSet<>());

    public BulkSubmitter(SqsClient sqs, String queueUrl, MessageCodec codec, Options options) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.codec = codec;
        this.options = options;
    }

    public Counts counts() {
        return new Counts(read.sum(), sent.sum(), invalidCount.sum(), failedCount.sum(), questions.sum());
    }

    /** Sends messages built in code; an item's position ({@code message 1}, ...) names it in reports. */
    public Report submit(Iterator<QuestionSet> messages) {
        AtomicInteger n = new AtomicInteger();
        return submitItems(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return messages.hasNext();
            }

            @Override
            public InputItem next() {
                return InputItem.of("message " + n.incrementAndGet(), messages.next());
            }
        });
    }

    /** Sends items read from a file ({@link InputFiles}); returns when every message is sent or given up on. */
    public Report submitItems(Iterator<InputItem> items) {
        return run(items, true, false, Journal.NONE);
    }

    /**
     * Sends items read from a file, telling {@code journal} of every question before it is sent.
     *
     * @param freshIds give every question a fresh random id, its input id kept as its custom id (SQuAD files: a
     *                 re-run must not find the records of an earlier run under the same ids)
     */
    public Report submitItems(Iterator<InputItem> items, boolean freshIds, Journal journal) {
        return run(items, true, freshIds, journal);
    }

    /** Validates without sending (a dry run): the report's {@code sentIds} are the ids that would be sent. */
    public Report check(Iterator<InputItem> items) {
        return run(items, false, false, Journal.NONE);
    }

    private synchronized Report run(Iterator<InputItem> items, boolean send, boolean freshIds, Journal journal) {
        long start = System.nanoTime();
        this.journal = journal;
        for (LongAdder counter : List.of(read, sent, invalidCount, failedCount, requests, retried, questions)) {
            counter.reset();
        }
        failed.clear();
        failedMessageIds.clear();
        abort.set(null);
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(options.senders(), r -> {
            Thread t = new Thread(r, "sqs-sender-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(options.senders() * 2);
        SqsBatches.Packer<Entry> packer =
                new SqsBatches.Packer<>(Entry::bytes, options.maxBatchEntries(), options.maxBatchBytes());
        Map<String, String> seen = new HashMap<>();
        List<String> queued = new ArrayList<>();
        List<Problem> invalid = new ArrayList<>();
        try {
            while (abort.get() == null && items.hasNext()) {
                InputItem item = items.next();
                read.increment();
                Entry entry = prepare(item, seen, invalid, freshIds, journal);
                if (entry == null) continue;
                queued.addAll(entry.ids());
                if (!send) {
                    sent.increment();
                    questions.add(entry.ids().size());
                    continue;
                }
                for (List<Entry> batch : packer.add(entry)) dispatch(pool, inFlight, batch);
            }
            List<Entry> rest = packer.flush();
            if (!rest.isEmpty()) dispatch(pool, inFlight, rest);
        } finally {
            pool.shutdown();
            awaitQuietly(pool);
        }
        Set<String> failedIds = new HashSet<>();
        List<Problem> failedList;
        synchronized (failed) {
            failedList = List.copyOf(failed);
        }
        synchronized (failedMessageIds) {
            failedIds.addAll(failedMessageIds);
        }
        List<String> sentIds = queued.stream().filter(id -> !failedIds.contains(id)).toList();
        return new Report(sentIds, List.copyOf(invalid), failedList, requests.sum(), retried.sum(),
                Duration.ofNanos(System.nanoTime() - start), abort.get());
    }

    /** Validates an item as the consumer will read it; null (and a problem recorded) when it is not valid. */
    private Entry prepare(InputItem item, Map<String, String> seen, List<Problem> invalid, boolean freshIds,
            Journal journal) {
        String reason = item.error();
        QuestionSet m = item.message();
        List<String> ids = m == null ? List.of() : m.questions().stream().map(Question::id).toList();
        List<String> customIds = ids;
        String id = ids.isEmpty() ? null : ids.getFirst();
        String body = null;
        if (reason == null) {
            // ids left out (all, with freshIds) are given here, so that the report (and --wait) knows them; random,
            // so that no earlier record can hold one and nobody can guess one
            m = m.withQuestions(m.questions().stream()
                    .map(q -> q.id() != null && !freshIds ? q : new Question(UUID.randomUUID().toString(), q.text()))
                    .toList());
            ids = m.questions().stream().map(Question::id).toList();
            id = ids.isEmpty() ? null : ids.getFirst();
            try {
                if (ids.isEmpty()) throw new InvalidMessageException("EMPTY_FIELD", "'questions' must not be empty", null);
                body = codec.encode(m);
                MessageCodec.Decoded decoded = codec.decode(body, id);
                if (!decoded.rejected().isEmpty()) {
                    var r = decoded.rejected().getFirst();
                    reason = r.problem().code() + ": question " + r.question().id() + ": " + r.problem().getMessage();
                }
                if (reason == null) reason = sqsCharacterProblem(body);
            } catch (IllegalArgumentException e) {
                reason = "TOO_LARGE: " + e.getMessage();
            } catch (InvalidMessageException e) {
                reason = e.code() + ": " + e.getMessage();
            }
            for (String one : freshIds ? customIds : ids) {
                if (reason != null || one == null) continue;
                String first = seen.putIfAbsent(one, item.where());
                if (first != null) reason = "DUPLICATE_ID: id '" + one + "' was already used at " + first;
            }
        }
        List<Planned> planned = new ArrayList<>();
        if (m == null) {
            planned.add(new Planned(item.where(), null, null, false, null, 0, reason));
        } else {
            for (int i = 0; i < m.questions().size(); i++) {
                String given = i < ids.size() ? ids.get(i) : null;
                String custom = customIds.get(i);
                planned.add(new Planned(item.where(), custom, reason != null ? custom : given,
                        reason == null && (custom == null || freshIds), m.questions().get(i).text(),
                        m.options().topK(), reason));
            }
        }
        journal.planned(planned);
        if (reason != null) {
            invalid.add(new Problem(item.where(), id, reason));
            invalidCount.increment();
            questions.add(Math.max(1, planned.size()));
            return null;
        }
        return new Entry(ids, item.where(), body, body.getBytes(StandardCharsets.UTF_8).length);
    }

    /**
     * SQS accepts only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF in a body; the
     * JSON encoder escapes control characters but passes U+FFFE and U+FFFF through.
     */
    static String sqsCharacterProblem(String body) {
        for (int i = 0; i < body.length(); ) {
            int cp = body.codePointAt(i);
            boolean allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                    || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!allowed) {
                return "INVALID_TEXT: character U+" + String.format("%04X", cp) + " is not allowed in an SQS message";
            }
            i += Character.charCount(cp);
        }
        return null;
    }

    private void dispatch(ExecutorService pool, Semaphore inFlight, List<Entry> batch) {
        inFlight.acquireUninterruptibly();
        try {
            pool.execute(() -> {
                try {
                    send(batch);
                } catch (RuntimeException e) {
                    giveUp(batch, "unexpected error: " + e);
                } finally {
                    inFlight.release();
                }
            });
        } catch (RuntimeException e) {
            inFlight.release();
            throw e;
        }
    }

    private void send(List<Entry> batch) {
        Map<String, Entry> byKey = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) byKey.put(Integer.toString(i), batch.get(i));
        Map<String, Entry> pending = byKey;
        for (int attempt = 1; ; attempt++) {
            String stop = abort.get();
            if (stop != null) {
                giveUp(pending.values(), "not sent: the submission stopped (" + stop + ")");
                return;
            }
            String lastReason;
            requests.increment();
            try {
                List<SendMessageBatchRequestEntry> entries = pending.entrySet().stream()
                        .map(e -> SendMessageBatchRequestEntry.builder().id(e.getKey()).messageBody(e.getValue().body()).build())
                        .toList();
                SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
                Map<String, Entry> again = new LinkedHashMap<>(pending);
                for (SendMessageBatchResultEntry ok : response.successful()) {
                    Entry e = again.remove(ok.id());
                    if (e != null) {
                        sent.increment();
                        questions.add(e.ids().size());
                    }
                }
                lastReason = "not confirmed by SQS";
                for (BatchResultErrorEntry f : response.failed()) {
                    lastReason = f.code() + ": " + f.message();
                    if (Boolean.TRUE.equals(f.senderFault())) {
                        Entry e = again.remove(f.id());
                        if (e != null) giveUp(List.of(e), "rejected by SQS: " + lastReason);
                    }
                }
                pending = again;
            } catch (SdkException e) {
                lastReason = describe(e);
                if (!Backoff.isRetryable(e)) {
                    abort.compareAndSet(null, lastReason);
                    giveUp(pending.values(), lastReason);
                    return;
                }
            }
            if (pending.isEmpty()) return;
            if (attempt >= options.maxAttempts()) {
                giveUp(pending.values(), "gave up after " + attempt + " attempts: " + lastReason);
                return;
            }
            retried.add(pending.size());
            Backoff.sleep(new Backoff(options.initialBackoff(), options.maxBackoff()).delay(attempt));
        }
    }

    private void giveUp(Iterable<Entry> entries, String reason) {
        for (Entry e : entries) {
            failed.add(new Problem(e.where(), e.id(), reason));
            failedMessageIds.addAll(e.ids());
            failedCount.increment();
            questions.add(e.ids().size());
            journal.notSent(e.ids(), reason);
        }
    }


    private static String describe(SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            return s.awsErrorDetails().errorCode() + ": " + s.awsErrorDetails().errorMessage()
                    + " (HTTP " + s.statusCode() + ")";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static void awaitQuietly(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.HOURS)) break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
