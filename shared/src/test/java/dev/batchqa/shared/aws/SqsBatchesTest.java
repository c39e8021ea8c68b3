package dev.batchqa.shared.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/** The packing rules for SendMessageBatch, used by {@link SqsRequestQueue} and the bulk CLI. */
class SqsBatchesTest {
    private static final int KIB_256 = 262_144;

    /** A message as a packer sees it: an id and the UTF-8 size of its body. */
    private record Item(String id, int bytes) {}

    @Test
    void theSqsLimitsAreNamed() {
        assertEquals(10, SqsBatches.MAX_ENTRIES);
        assertEquals(KIB_256, SqsBatches.MAX_BYTES);
        assertEquals(Limits.MAX_MESSAGE_BYTES, SqsBatches.MAX_BYTES);
        assertEquals(1_048_576, SqsBatches.MAX_BYTES_UPPER_BOUND);
    }

    @Test
    void closesABatchAtTenEntries() {
        List<List<Item>> batches = run(packer(10, KIB_256), 25, 100);
        assertEquals(List.of(10, 10, 5), sizes(batches));
        assertEquals(batches, SqsBatches.pack(items(25, 100), Item::bytes), "pack() with the SQS limits");
    }

    @Test
    void closesABatchBeforeTheBodiesExceed256KiB() {
        // 100,000-byte bodies: two fit (200,000), a third would not (300,000 > 262,144)
        List<List<Item>> batches = run(packer(10, KIB_256), 5, 100_000);
        assertEquals(List.of(2, 2, 1), sizes(batches));
        for (List<Item> b : batches) {
            assertTrue(b.stream().mapToInt(Item::bytes).sum() <= KIB_256);
        }
        assertEquals(batches, SqsBatches.pack(items(5, 100_000), Item::bytes, 10, KIB_256));
    }

    @Test
    void aBatchMayBeExactlyFull() {
        SqsBatches.Packer<Item> packer = packer(10, KIB_256);
        assertEquals(List.of(), packer.add(item(0, KIB_256 - 1)));
        assertEquals(List.of(), packer.add(item(1, 1)));
        List<List<Item>> closed = packer.add(item(2, 1));
        assertEquals(1, closed.size());
        assertEquals(2, closed.get(0).size());
        assertEquals(1, packer.flush().size());
        assertEquals(List.of(), packer.flush());
    }

    @Test
    void aFullBatchIsClosedAtOnceNotWhenTheNextItemArrives() {
        SqsBatches.Packer<Item> packer = packer(3, KIB_256);
        assertEquals(List.of(), packer.add(item(0, 1)));
        assertEquals(List.of(), packer.add(item(1, 1)));
        assertEquals(List.of(List.of(item(0, 1), item(1, 1), item(2, 1))), packer.add(item(2, 1)));
        assertEquals(List.of(), packer.flush());
    }

    @Test
    void withOneEntryPerBatchAnItemCanCloseTwoBatches() {
        SqsBatches.Packer<Item> packer = packer(1, 10);
        assertEquals(List.of(List.of(item(0, 4))), packer.add(item(0, 4)));
        assertEquals(List.of(List.of(item(1, 10))), packer.add(item(1, 10)));
        assertEquals(List.of(), packer.flush());
    }

    @Test
    void mixedSizesNeverBreakEitherLimit() {
        SqsBatches.Packer<Item> packer = packer(10, KIB_256);
        List<List<Item>> batches = new ArrayList<>();
        int[] sizes = {250_000, 10, 10, 12_000, 200_000, 60_000, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 262_144, 1};
        for (int i = 0; i < sizes.length; i++) batches.addAll(packer.add(item(i, sizes[i])));
        batches.add(packer.flush());
        assertEquals(sizes.length, batches.stream().mapToInt(List::size).sum());
        int next = 0;
        for (List<Item> b : batches) {
            assertTrue(b.size() <= 10);
            assertTrue(b.stream().mapToInt(Item::bytes).sum() <= KIB_256);
            for (Item e : b) assertEquals("id" + next++, e.id(), "order is kept");
        }
        List<Item> all = IntStream.range(0, sizes.length).mapToObj(i -> item(i, sizes[i])).toList();
        assertEquals(batches, SqsBatches.pack(all, Item::bytes), "pack() of a list packs as the streaming packer does");
    }

    @Test
    void aLargerByteLimitUpTo1MiBIsHonoured() {
        // 300,000-byte bodies: three fit in 1 MiB (900,000), a fourth would not
        List<List<Item>> batches = SqsBatches.pack(items(7, 300_000), Item::bytes, 10, 1_048_576);
        assertEquals(List.of(3, 3, 1), sizes(batches));
    }

    @Test
    void anEntryLargerThanABatchIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> packer(10, KIB_256).add(item(0, KIB_256 + 1)));
        assertThrows(IllegalArgumentException.class, () -> SqsBatches.pack(items(1, KIB_256 + 1), Item::bytes));
    }

    @Test
    void limitsOutsideWhatSqsAcceptsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> packer(0, KIB_256));
        assertThrows(IllegalArgumentException.class, () -> packer(11, KIB_256));
        assertThrows(IllegalArgumentException.class, () -> packer(10, 0));
        assertThrows(IllegalArgumentException.class, () -> packer(10, 1_048_577));
    }

    @Test
    void nothingToPackIsNoBatches() {
        assertEquals(List.of(), SqsBatches.pack(List.<Item>of(), Item::bytes));
    }

    @Test
    void sendAllSendsOneRequestPerBatchAndReportsTheFailedIds() {
        MessageCodec codec = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
        // 23 small messages, then 3 of ~100,000 bytes: 10 + 10, then 3 small with 2 large (a third would pass
        // 256 KiB), then the last large one
        List<QuestionSet> messages = new ArrayList<>();
        for (int i = 0; i < 23; i++) messages.add(QuestionSet.single("m" + i, "Why?", "ctx", 1, "c"));
        for (int i = 23; i < 26; i++) messages.add(QuestionSet.single("m" + i, "Why?", "x".repeat(100_000), 1, "c"));
        List<List<String>> requests = new ArrayList<>();
        SqsClient sqs = new SqsClient() {
            @Override
            public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
                List<SendMessageBatchRequestEntry> entries = request.entries();
                requests.add(entries.stream().map(SendMessageBatchRequestEntry::id).toList());
                assertEquals("queue-url", request.queueUrl());
                assertTrue(entries.size() <= SqsBatches.MAX_ENTRIES);
                assertTrue(entries.stream().mapToInt(e -> e.messageBody().getBytes(StandardCharsets.UTF_8).length).sum()
                        <= SqsBatches.MAX_BYTES);
                List<BatchResultErrorEntry> failed = entries.stream()
                        .filter(e -> e.id().equals("m3") || e.id().equals("m25"))
                        .map(e -> BatchResultErrorEntry.builder().id(e.id()).code("X").senderFault(false).build())
                        .toList();
                return SendMessageBatchResponse.builder().failed(failed).build();
            }

            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {}
        };
        Set<String> failed = new SqsRequestQueue(sqs, "queue-url", codec).sendAll(messages);
        assertEquals(List.of(10, 10, 5, 1), requests.stream().map(List::size).toList());
        assertEquals(messages.stream().map(m -> m.first().id()).toList(), requests.stream().flatMap(List::stream).toList());
        assertEquals(Set.of("m3", "m25"), failed);
    }

    private static SqsBatches.Packer<Item> packer(int maxEntries, int maxBytes) {
        return new SqsBatches.Packer<>(Item::bytes, maxEntries, maxBytes);
    }

    private static List<List<Item>> run(SqsBatches.Packer<Item> packer, int n, int bytes) {
        List<List<Item>> batches = new ArrayList<>();
        for (Item item : items(n, bytes)) batches.addAll(packer.add(item));
        List<Item> rest = packer.flush();
        if (!rest.isEmpty()) batches.add(rest);
        return batches;
    }

    private static List<Item> items(int n, int bytes) {
        return IntStream.range(0, n).mapToObj(i -> item(i, bytes)).toList();
    }

    private static Item item(int i, int bytes) {
        return new Item("id" + i, bytes);
    }

    private static List<Integer> sizes(List<List<Item>> batches) {
        return batches.stream().map(List::size).toList();
    }
}
