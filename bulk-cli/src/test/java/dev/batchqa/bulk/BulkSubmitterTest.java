package dev.batchqa.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The sender against a real SQS API (ElasticMQ in-process), with a proxy to inject failures. */
class BulkSubmitterTest {
    static final MessageCodec CODEC = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
    static final BulkSubmitter.Options FAST = BulkSubmitter.Options.defaults()
            .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5));

    static ElasticMq mq;

    @BeforeAll
    static void start() {
        mq = new ElasticMq();
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    @Test
    void everyValidMessageArrivesOnceInRequestsOfAtMostTen() throws Exception {
        String queue = mq.newQueue();
        ProxySqs proxy = ProxySqs.recording(mq.sqs);
        List<QuestionSet> messages = questions(25, "The score 83.1 was reported.");

        BulkSubmitter.Report report = new BulkSubmitter(proxy, queue, CODEC, FAST.withSenders(3)).submit(messages.iterator());

        assertTrue(report.allSent(), report.toString());
        assertEquals(messages.stream().map(m -> m.first().id()).toList(), report.sentIds(), "input order");
        assertEquals(List.of(5, 10, 10), proxy.requests.stream().map(r -> r.entries().size()).sorted().toList());
        assertEquals(3, report.requests());
        List<Message> received = mq.drain(queue, 25);
        assertEquals(25, received.size());
        assertEquals(Set.copyOf(report.sentIds()), ids(received));
        JsonNode body = Json.MAPPER.readTree(received.get(0).body());
        assertEquals(1, body.get("version").asInt());
        assertEquals("The score 83.1 was reported.", body.get("context").asText());
    }

    @Test
    void requestsAreSplitSoThatTheirBodiesStayWithin256KiB() {
        String queue = mq.newQueue();
        ProxySqs proxy = ProxySqs.recording(mq.sqs);
        // 40,000 three-byte characters: ~120 KB bodies, two to a request
        List<QuestionSet> messages = questions(5, "東".repeat(Limits.MAX_CONTEXT_CHARS));

        BulkSubmitter.Report report = new BulkSubmitter(proxy, queue, CODEC, FAST.withSenders(1)).submit(messages.iterator());

        assertTrue(report.allSent(), report.toString());
        assertEquals(List.of(2, 2, 1), proxy.requests.stream().map(r -> r.entries().size()).toList());
        for (SendMessageBatchRequest r : proxy.requests) {
            int bytes = r.entries().stream().mapToInt(e -> e.messageBody().getBytes(StandardCharsets.UTF_8).length).sum();
            assertTrue(bytes <= 262_144, bytes + " bytes in one request");
        }
        assertEquals(5, mq.drain(queue, 5).size());
    }

    @Test
    void entriesThatSqsFailsAreRetriedUntilSentAndNeverSentTwice() {
        String queue = mq.newQueue();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        // the first time an entry is seen, every second one "fails" on the server side (not the sender's fault)
        ProxySqs flaky = new ProxySqs(mq.sqs, (request, sqs) -> {
            List<SendMessageBatchRequestEntry> pass = new ArrayList<>();
            List<BatchResultErrorEntry> failed = new ArrayList<>();
            for (SendMessageBatchRequestEntry e : request.entries()) {
                int n = attempts.computeIfAbsent(e.messageBody(), k -> new AtomicInteger()).incrementAndGet();
                if (n == 1 && Integer.parseInt(e.id()) % 2 == 1) {
                    failed.add(BatchResultErrorEntry.builder().id(e.id()).senderFault(false)
                            .code("InternalError").message("try again").build());
                } else {
                    pass.add(e);
                }
            }
            SendMessageBatchResponse sent = sqs.sendMessageBatch(request.toBuilder().entries(pass).build());
            return sent.toBuilder().failed(failed).build();
        });

        BulkSubmitter.Report report = new BulkSubmitter(flaky, queue, CODEC, FAST).submit(questions(20, "c").iterator());

        assertTrue(report.allSent(), report.toString());
        assertEquals(20, report.sent());
        assertEquals(10, report.retriedEntries());
        assertEquals(4, report.requests(), "two requests of ten, then one retry of five each");
        assertEquals(List.of(10, 10, 5, 5), flaky.requests.stream().map(r -> r.entries().size()).sorted(
                (a, b) -> b - a).toList());
        List<Message> received = mq.drain(queue, 20);
        assertEquals(20, received.size(), "each message exactly once");
        assertEquals(Set.copyOf(report.sentIds()), ids(received));
    }

    @Test
    void aWholeRequestFailingWithA5xxIsRetried() {
        String queue = mq.newQueue();
        AtomicInteger calls = new AtomicInteger();
        ProxySqs unavailable = new ProxySqs(mq.sqs, (request, sqs) -> {
            if (calls.incrementAndGet() <= 2) throw (SqsException) SqsException.builder().statusCode(503).message("busy").build();
            return sqs.sendMessageBatch(request);
        });

        BulkSubmitter.Report report = new BulkSubmitter(unavailable, queue, CODEC, FAST.withSenders(1))
                .submit(questions(7, "c").iterator());

        assertTrue(report.allSent(), report.toString());
        assertEquals(3, report.requests());
        assertEquals(7, mq.drain(queue, 7).size());
    }

    @Test
    void senderFaultsAreNotRetriedAndRetriesAreBounded() {
        String queue = mq.newQueue();
        ProxySqs failing = new ProxySqs(mq.sqs, (request, sqs) -> {
            List<SendMessageBatchRequestEntry> pass = new ArrayList<>();
            List<BatchResultErrorEntry> failed = new ArrayList<>();
            for (SendMessageBatchRequestEntry e : request.entries()) {
                if (e.id().equals("1")) {
                    failed.add(BatchResultErrorEntry.builder().id("1").senderFault(true).code("InvalidMessageContents").message("no").build());
                } else if (e.id().equals("2")) {
                    failed.add(BatchResultErrorEntry.builder().id("2").senderFault(false).code("InternalError").message("down").build());
                } else {
                    pass.add(e);
                }
            }
            return sqs.sendMessageBatch(request.toBuilder().entries(pass).build()).toBuilder().failed(failed).build();
        });
        List<QuestionSet> messages = questions(4, "c");

        BulkSubmitter.Report report = new BulkSubmitter(failing, queue, CODEC, FAST.withMaxAttempts(3))
                .submit(messages.iterator());

        assertEquals(List.of(messages.get(0).first().id(), messages.get(3).first().id()), report.sentIds());
        assertEquals(2, report.failed().size());
        BulkSubmitter.Problem rejected = report.failed().stream().filter(p -> p.id().equals(messages.get(1).first().id())).findFirst().orElseThrow();
        assertEquals("message 2", rejected.where());
        assertTrue(rejected.reason().startsWith("rejected by SQS: InvalidMessageContents"), rejected.reason());
        BulkSubmitter.Problem gaveUp = report.failed().stream().filter(p -> p.id().equals(messages.get(2).first().id())).findFirst().orElseThrow();
        assertTrue(gaveUp.reason().startsWith("gave up after 3 attempts: InternalError"), gaveUp.reason());
        assertEquals(3, report.requests(), "the first request, then two retries of the one entry");
        assertEquals(2, mq.drain(queue, 2).size());
    }

    @Test
    void aQueueThatDoesNotExistStopsTheSubmission() {
        String missing = mq.endpoint + "/000000000000/no-such-queue";

        BulkSubmitter.Report report = new BulkSubmitter(mq.sqs, missing, CODEC, FAST.withSenders(1))
                .submit(questions(500, "c").iterator());

        assertNotNull(report.abortedBecause());
        assertEquals(0, report.sent());
        assertTrue(report.failed().size() < 500, "the rest of the input is not read: " + report.failed().size());
        assertTrue(report.requests() < 5, "no request per batch after the queue is known to be missing");
    }

    @Test
    void invalidItemsAreReportedWithTheirPlaceAndReasonAndNotSent() {
        String queue = mq.newQueue();
        String ok = "The capital paris is nice.";
        List<InputItem> items = List.of(
                InputItem.of("line 1", msg("good-1", "Which capital?", ok, 2, null)),
                InputItem.of("line 2", msg("no-question", null, ok, null, null)),
                InputItem.of("line 3", msg("blank-context", "Which capital?", "  ", null, null)),
                InputItem.of("line 4", msg("bad id!", "Which capital?", ok, null, null)),
                InputItem.of("line 5", msg("top-k", "Which capital?", ok, 11, null)),
                InputItem.of("line 6", msg("good-1", "Which capital?", ok, null, null)),
                InputItem.of("line 7", msg("ffff", "Which capital?", "paris \uFFFF", null, null)),
                InputItem.of("line 8", new QuestionSet(ok, List.of(new Question("v2-a", "Which capital?"),
                        new Question("v2-b", " ")), AnswerOptions.DEFAULT, null)),
                InputItem.of("line 9", msg("long", "Which capital?", "x".repeat(Limits.MAX_CONTEXT_CHARS + 1), null, null)),
                InputItem.unreadable("line 10", "MALFORMED_JSON: oops"),
                InputItem.of("line 11", msg(null, "Which capital?", ok, null, "corr")));

        BulkSubmitter submitter = new BulkSubmitter(mq.sqs, queue, CODEC, FAST);
        BulkSubmitter.Report report = submitter.submitItems(items.iterator());

        assertEquals(List.of("line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10"),
                report.invalid().stream().map(BulkSubmitter.Problem::where).toList());
        assertEquals(List.of("MISSING_FIELD", "EMPTY_FIELD", "INVALID_ID", "OUT_OF_RANGE", "DUPLICATE_ID", "INVALID_TEXT",
                        "EMPTY_FIELD", "TOO_LARGE", "MALFORMED_JSON"),
                report.invalid().stream().map(p -> p.reason().substring(0, p.reason().indexOf(':'))).toList());
        assertTrue(report.invalid().get(4).reason().contains("line 1"), report.invalid().get(4).reason());
        assertEquals(2, report.sent());
        assertEquals("good-1", report.sentIds().get(0));
        String generated = report.sentIds().get(1);
        assertTrue(QaValidator.isValidId(generated), "an item without an id gets one: " + generated);
        assertEquals(new BulkSubmitter.Counts(11, 2, 9, 0, 12), submitter.counts());
        assertEquals(Set.of("good-1", generated), ids(mq.drain(queue, 2)));
        assertNull(report.abortedBecause());
        assertTrue(!report.allSent(), "invalid items make the submission incomplete");
    }

    @Test
    void aDryRunValidatesAndSendsNothing() {
        String queue = mq.newQueue();
        ProxySqs proxy = ProxySqs.recording(mq.sqs);
        List<InputItem> items = List.of(InputItem.of("line 1", msg("a", "q", "c", null, null)),
                InputItem.of("line 2", msg("b", "", "c", null, null)));

        BulkSubmitter.Report report = new BulkSubmitter(proxy, queue, CODEC, FAST).check(items.iterator());

        assertEquals(List.of("a"), report.sentIds());
        assertEquals(1, report.invalid().size());
        assertEquals(0, proxy.requests.size());
    }

    /** A v1-shaped item as a file line would give it (topK null: the default). */
    static QuestionSet msg(String id, String question, String context, Integer topK, String correlationId) {
        return QuestionSet.single(id, question, context, topK == null ? 1 : topK, correlationId);
    }

    @Test
    void aParagraphOfQuestionsTravelsAsOneMessageAndEveryIdIsReported() {
        String queue = mq.newQueue();
        QuestionSet paragraph = new QuestionSet("The capital paris is nice.", List.of(new Question("p-1", "Which capital?"),
                new Question(null, "Which city?")), AnswerOptions.DEFAULT.withTopK(2), null);
        BulkSubmitter.Report report = new BulkSubmitter(mq.sqs, queue, CODEC, FAST)
                .submitItems(List.of(InputItem.of("line 1", paragraph)).iterator());
        assertEquals(2, report.sentIds().size(), "both questions' ids: " + report.sentIds());
        assertEquals("p-1", report.sentIds().get(0));
        assertTrue(QaValidator.isValidId(report.sentIds().get(1)), "the second question got an id");
        assertEquals(1, mq.drain(queue, 1).size(), "one message");
    }

    static List<QuestionSet> questions(int n, String context) {
        return IntStream.range(0, n)
                .mapToObj(i -> QuestionSet.single("q-" + i + "-" + Long.toHexString(System.nanoTime()), "Which score?", context, 1, null))
                .toList();
    }

    static Set<String> ids(List<Message> messages) {
        Set<String> ids = new HashSet<>();
        for (Message m : messages) {
            try {
                ids.add(Json.MAPPER.readTree(m.body()).get("id").asText());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return ids;
    }
}
