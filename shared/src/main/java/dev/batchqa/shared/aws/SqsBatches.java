package dev.batchqa.shared.aws;

import dev.batchqa.shared.message.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * Packs messages into SendMessageBatch requests: at most {@code maxEntries} entries whose bodies sum to at most
 * {@code maxBytes}. The one place that owns this rule; used by {@link SqsRequestQueue#sendAll} and by the bulk CLI.
 *
 * <p>Items keep their order. A batch is closed as soon as it holds {@code maxEntries} items, or when the next item
 * would take its bodies over {@code maxBytes}; a batch may be exactly full. An item larger than {@code maxBytes} on
 * its own can never be sent and is a programming error ({@link IllegalArgumentException}): callers encode with
 * {@link MessageCodec}, which keeps every body within {@link Limits#MAX_MESSAGE_BYTES}.
 */
public final class SqsBatches {
    /** Entries in one SendMessageBatch request (SQS). */
    public static final int MAX_ENTRIES = 10;
    /**
     * Sum of the bodies in one request: 262,144 bytes (256 KiB), the classic SQS limit that ElasticMQ and this
     * project's message limit use.
     */
    public static final int MAX_BYTES = Limits.MAX_MESSAGE_BYTES;
    /** The largest request any SQS accepts today (1 MiB); the most a caller may configure. */
    public static final int MAX_BYTES_UPPER_BOUND = 1_048_576;

    private SqsBatches() {}

    /** {@link #pack(List, ToIntFunction, int, int)} with the SQS limits {@link #MAX_ENTRIES} and {@link #MAX_BYTES}. */
    public static <T> List<List<T>> pack(List<T> items, ToIntFunction<? super T> bodyBytes) {
        return pack(items, bodyBytes, MAX_ENTRIES, MAX_BYTES);
    }

    /**
     * Splits {@code items} into batches, in order.
     *
     * @param bodyBytes the UTF-8 size of an item's message body
     * @param maxEntries entries per batch, 1..{@value #MAX_ENTRIES}
     * @param maxBytes   sum of the bodies in one batch, 1..{@value #MAX_BYTES_UPPER_BOUND}
     * @throws IllegalArgumentException for limits out of range, or an item larger than {@code maxBytes}
     */
    public static <T> List<List<T>> pack(List<T> items, ToIntFunction<? super T> bodyBytes, int maxEntries, int maxBytes) {
        Packer<T> packer = new Packer<>(bodyBytes, maxEntries, maxBytes);
        List<List<T>> batches = new ArrayList<>();
        for (T item : items) batches.addAll(packer.add(item));
        List<T> rest = packer.flush();
        if (!rest.isEmpty()) batches.add(rest);
        return batches;
    }

    /**
     * The same packing, one item at a time, for a producer that sends while it reads: {@link #add} returns the
     * batches an item closed, {@link #flush} the open batch at the end. Not thread-safe.
     */
    public static final class Packer<T> {
        private final ToIntFunction<? super T> bodyBytes;
        private final int maxEntries;
        private final int maxBytes;
        private List<T> current = new ArrayList<>();
        private long currentBytes;

        /** @throws IllegalArgumentException unless 1 ≤ maxEntries ≤ 10 and 1 ≤ maxBytes ≤ 1 MiB */
        public Packer(ToIntFunction<? super T> bodyBytes, int maxEntries, int maxBytes) {
            if (maxEntries < 1 || maxEntries > MAX_ENTRIES) {
                throw new IllegalArgumentException("maxEntries must be 1.." + MAX_ENTRIES + ": " + maxEntries);
            }
            if (maxBytes < 1 || maxBytes > MAX_BYTES_UPPER_BOUND) {
                throw new IllegalArgumentException("maxBytes must be 1.." + MAX_BYTES_UPPER_BOUND + ": " + maxBytes);
            }
            this.bodyBytes = Objects.requireNonNull(bodyBytes, "bodyBytes");
            this.maxEntries = maxEntries;
            this.maxBytes = maxBytes;
        }

        /**
         * Adds an item; returns the batches this closed (none, one, or two when maxEntries is 1).
         *
         * @throws IllegalArgumentException when the item alone is larger than {@code maxBytes}
         */
        public List<List<T>> add(T item) {
            int bytes = bodyBytes.applyAsInt(item);
            if (bytes > maxBytes) {
                throw new IllegalArgumentException("entry of " + bytes + " bytes exceeds the batch limit " + maxBytes);
            }
            List<List<T>> closed = new ArrayList<>(1);
            if (!current.isEmpty() && currentBytes + bytes > maxBytes) closed.add(take());
            current.add(item);
            currentBytes += bytes;
            if (current.size() >= maxEntries) closed.add(take());
            return closed;
        }

        /** The open batch (empty if none); the packer is empty afterwards. */
        public List<T> flush() {
            return current.isEmpty() ? List.of() : take();
        }

        private List<T> take() {
            List<T> batch = current;
            current = new ArrayList<>();
            currentBytes = 0;
            return batch;
        }
    }
}
