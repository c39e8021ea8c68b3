package dev.batchqa.local;

import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.store.RequestStore;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the handlers write, so that the local runner can report (and the load test check) that every
 * question was completed once: {@code completed} counts writes that took effect, {@code duplicates} the
 * completions the store refused because the record was already DONE or FAILED.
 */
public final class CountingRequestStore extends ForwardingRequestStore {
    private final LongAdder created = new LongAdder();
    private final LongAdder done = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder duplicates = new LongAdder();

    public CountingRequestStore(RequestStore delegate) {
        super(delegate);
    }

    @Override
    public boolean createPending(QaRecord record) {
        boolean created = delegate.createPending(record);
        if (created) this.created.increment();
        return created;
    }

    @Override
    public boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
        return count(delegate.complete(completion, answers, noAnswerScore, model), done);
    }

    @Override
    public boolean fail(Completion completion, ErrorInfo error) {
        return count(delegate.fail(completion, error), failed);
    }

    @Override
    public boolean failPending(String id, ErrorInfo error) {
        return count(delegate.failPending(id, error), failed);
    }

    private boolean count(boolean written, LongAdder counter) {
        (written ? counter : duplicates).increment();
        return written;
    }

    public Stats stats() {
        return new Stats(created.sum(), done.sum(), failed.sum(), duplicates.sum());
    }

    /** Totals since start. */
    public record Stats(long created, long done, long failed, long duplicatesRefused) {}
}
