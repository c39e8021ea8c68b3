package dev.batchqa.local;

import dev.batchqa.ingest.jobs.JobLines;
import dev.batchqa.ingest.jobs.JobProgress;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local runner's stand-in for the deployed job-line hook (the table's stream into CompletionEventsHandler,
 * dynalite has no streams): after each completion of a job's line it counts the line ({@link JobProgress}), and
 * when that may have ended the job, hands the job to {@code advance} (the runner's job threads, not the inference
 * thread that wrote). A completion that was refused (the record had ended: a redelivered message, a duplicate)
 * reads the record and counts it too, as the stream would have: counting is once per line, so this can only
 * repair a count lost when a writer died between its write and its count.
 */
final class JobCountingRequestStore extends ForwardingRequestStore {
    private static final Logger log = LoggerFactory.getLogger(JobCountingRequestStore.class);

    private final JobProgress progress;
    private final Consumer<String> advance;

    JobCountingRequestStore(RequestStore delegate, JobProgress progress, Consumer<String> advance) {
        super(delegate);
        this.progress = progress;
        this.advance = advance;
    }

    @Override
    public boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
        boolean written = delegate.complete(completion, answers, noAnswerScore, model);
        count(completion.id(), written, QaStatus.DONE, null);
        return written;
    }

    @Override
    public boolean fail(Completion completion, ErrorInfo error) {
        boolean written = delegate.fail(completion, error);
        count(completion.id(), written, QaStatus.FAILED, error.code());
        return written;
    }

    @Override
    public boolean failPending(String id, ErrorInfo error) {
        boolean written = delegate.failPending(id, error);
        count(id, written, QaStatus.FAILED, error.code());
        return written;
    }

    @Override
    public Deletion delete(String id) {
        Deletion deletion = delegate.delete(id);
        if (deletion == Deletion.CANCELLED) count(id, true, QaStatus.CANCELLED, null);
        return deletion;
    }

    private void count(String id, boolean written, QaStatus status, String errorCode) {
        if (JobLines.parse(id).isEmpty()) return;
        try {
            if (written) {
                progress.lineEnded(id, status, errorCode).ifPresent(advance);
            } else {
                delegate.find(id).ifPresent(r -> progress.lineEnded(id, r.status(),
                        r.error() == null ? null : r.error().code()).ifPresent(advance));
            }
        } catch (RuntimeException e) {
            // the write stands; the job's sweep recounts its lines when it ends them
            log.atWarn().addKeyValue("qaId", id).setCause(e).log("job line not counted");
        }
    }
}
