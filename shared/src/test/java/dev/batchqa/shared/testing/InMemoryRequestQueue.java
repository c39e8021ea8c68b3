package dev.batchqa.shared.testing;

import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.QaMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RequestQueue} that keeps what was sent; for handler unit tests. */
public final class InMemoryRequestQueue implements RequestQueue {
    private final List<QaMessage> sent = new CopyOnWriteArrayList<>();
    private volatile boolean unavailable;

    public void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public List<QaMessage> sent() {
        return List.copyOf(sent);
    }

    @Override
    public java.util.Set<String> sendAll(List<QaMessage> messages) {
        if (unavailable) {
            return messages.stream().map(QaMessage::id).collect(java.util.stream.Collectors.toSet());
        }
        sent.addAll(messages);
        return java.util.Set.of();
    }

    @Override
    public void send(QaMessage message) {
        if (unavailable) throw new IllegalStateException("queue unavailable");
        sent.add(message);
    }
}
