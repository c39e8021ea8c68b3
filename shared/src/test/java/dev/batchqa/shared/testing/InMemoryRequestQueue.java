package dev.batchqa.shared.testing;

import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A {@link RequestQueue} that keeps what was sent; for handler unit tests. */
public final class InMemoryRequestQueue implements RequestQueue {
    private final List<QuestionSet> sent = new CopyOnWriteArrayList<>();
    private volatile boolean unavailable;

    public void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public List<QuestionSet> sent() {
        return List.copyOf(sent);
    }

    @Override
    public Set<String> sendAll(List<QuestionSet> messages) {
        if (unavailable) {
            return messages.stream().flatMap(m -> m.questions().stream()).map(Question::id).collect(Collectors.toSet());
        }
        sent.addAll(messages);
        return Set.of();
    }

    @Override
    public void send(QuestionSet message) {
        if (unavailable) throw new IllegalStateException("queue unavailable");
        sent.add(message);
    }
}
