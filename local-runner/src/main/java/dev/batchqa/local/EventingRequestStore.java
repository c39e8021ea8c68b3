package dev.batchqa.local;

import dev.batchqa.shared.events.CompletionEvent;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the table's stream and CompletionEventsHandler do when deployed, done on the local runner's own write path
 * (dynalite has no streams): after each write that finished a record (DONE, FAILED, CANCELLED) it reads the record
 * back and publishes {@link CompletionEvent#of} it. A refused write (a duplicate) publishes nothing, as a write
 * that changed nothing puts nothing on a stream.
 *
 * <p>If the record has changed again before the read (deleted at once), the event is built from what the write
 * knew: the status and the time of the write; {@code createdAt} is then null.
 */
final class EventingRequestStore extends ForwardingRequestStore {
    private static final Logger log = LoggerFactory.getLogger(EventingRequestStore.class);

    private final LocalEvents events;
    private final Clock clock;

    EventingRequestStore(RequestStore delegate, LocalEvents events, Clock clock) {
        super(delegate);
        this.events = events;
        this.clock = clock;
    }

    @Override
    public boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
        return published(delegate.complete(completion, answers, noAnswerScore, model), completion.id(), QaStatus.DONE,
                null);
    }

    @Override
    public boolean fail(Completion completion, ErrorInfo error) {
        return published(delegate.fail(completion, error), completion.id(), QaStatus.FAILED, error);
    }

    @Override
    public boolean failPending(String id, ErrorInfo error) {
        return published(delegate.failPending(id, error), id, QaStatus.FAILED, error);
    }

    @Override
    public Deletion delete(String id) {
        Deletion deletion = delegate.delete(id);
        if (deletion == Deletion.CANCELLED) published(true, id, QaStatus.CANCELLED, null);
        return deletion;
    }

    private boolean published(boolean written, String id, QaStatus status, ErrorInfo error) {
        // building an event reads the record back (its createdAt): a read per completion that a run without a
        // subscriber (the load test, e2e-squad) should not pay
        if (!written || !events.hasSubscribers()) return written;
        Instant now = clock.instant();
        try {
            QaRecord record = delegate.find(id).filter(r -> r.status() == status).orElse(
                    new QaRecord(id, status, null, 1, List.of(), null, null, error, null, null, now, false));
            CompletionEvent.of(record).ifPresent(events::publish);
        } catch (RuntimeException e) {
            // the write stands; only the local notification is lost, as a failed stream invocation would retry
            log.atWarn().addKeyValue("qaId", id).setCause(e).log("completion event not published");
        }
        return true;
    }
}
