package dev.batchqa.local;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.store.RequestStore;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A {@link RequestStore} that hands every call to another: the local runner's decorators ({@link
 * CountingRequestStore}, {@link EventingRequestStore}) override only the writes they watch.
 */
abstract class ForwardingRequestStore implements RequestStore {
    protected final RequestStore delegate;

    ForwardingRequestStore(RequestStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean createPending(QaRecord record) {
        return delegate.createPending(record);
    }

    @Override
    public boolean mayHaveExpired(Instant createdAt) {
        return delegate.mayHaveExpired(createdAt);
    }

    @Override
    public void markQueued(String id) {
        delegate.markQueued(id);
    }

    @Override
    public Optional<QaRecord> find(String id) {
        return delegate.find(id);
    }

    @Override
    public Map<String, QaRecord> findAll(Collection<String> ids) {
        return delegate.findAll(ids);
    }

    @Override
    public boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
        return delegate.complete(completion, answers, noAnswerScore, model);
    }

    @Override
    public boolean fail(Completion completion, ErrorInfo error) {
        return delegate.fail(completion, error);
    }

    @Override
    public boolean failPending(String id, ErrorInfo error) {
        return delegate.failPending(id, error);
    }

    @Override
    public Deletion delete(String id) {
        return delegate.delete(id);
    }

    @Override
    public int pendingShards() {
        return delegate.pendingShards();
    }

    @Override
    public Stream<String> stalePending(int shard, Instant cutoff) {
        return delegate.stalePending(shard, cutoff);
    }
}
