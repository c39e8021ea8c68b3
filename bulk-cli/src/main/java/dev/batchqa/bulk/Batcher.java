package dev.batchqa.bulk;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups entries into SendMessageBatch requests: at most {@code maxEntries} entries (SQS: 10) whose bodies sum to
 * at most {@code maxBytes} (SQS: 256 KiB for the whole request). A batch is closed as soon as it is full, or when
 * the next entry would not fit; every single entry fits (the codec keeps each body within the message limit).
 */
final class Batcher {
    /** One message ready to send: its request id, where it came from, its encoded body and its UTF-8 size. */
    record Entry(String id, String where, String body, int bytes) {}

    private final int maxEntries;
    private final int maxBytes;
    private List<Entry> current = new ArrayList<>();
    private long currentBytes;

    Batcher(int maxEntries, int maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) throw new IllegalArgumentException("batch limits must be positive");
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** Adds an entry; returns the batches this closed (none, one, or two when maxEntries is 1). */
    List<List<Entry>> add(Entry entry) {
        if (entry.bytes() > maxBytes) {
            throw new IllegalArgumentException("entry of " + entry.bytes() + " bytes exceeds the batch limit " + maxBytes);
        }
        List<List<Entry>> closed = new ArrayList<>(1);
        if (!current.isEmpty() && currentBytes + entry.bytes() > maxBytes) closed.add(take());
        current.add(entry);
        currentBytes += entry.bytes();
        if (current.size() >= maxEntries) closed.add(take());
        return closed;
    }

    /** The open batch, if any. */
    List<Entry> flush() {
        return current.isEmpty() ? List.of() : take();
    }

    private List<Entry> take() {
        List<Entry> batch = current;
        current = new ArrayList<>();
        currentBytes = 0;
        return batch;
    }
}
