package dev.batchqa.ingest.jobs;

import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.RequestStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a job along whatever its state: validates and queues a new one, ends the lines of a cancelled or expired
 * one, writes the results of one whose lines have all ended, and ends it. Each step is conditional on the job's
 * status or write-once on a line, so {@link #advance} may run any number of times for a job, from anywhere (after a
 * submit or cancel, after the count that ended a job's last line, from the sweep), and in one JVM runs once at a
 * time per job.
 *
 * <pre>{@code
 * JobWorker worker = new JobWorker(jobs, files, store, progress, queue, validator, events, Clock.systemUTC());
 * worker.advance(jobId);   // whatever the job needs now
 * worker.sweep(100);       // every open job: expiry, and anything a crash left half done
 * }</pre>
 */
public final class JobWorker {
    private static final Logger log = LoggerFactory.getLogger(JobWorker.class);
    /** Lines read, ended or queued per round trip (BatchGetItem's 100 keys). */
    private static final int CHUNK = 100;

    private final JobStore jobs;
    private final JobFiles files;
    private final RequestStore store;
    private final JobProgress progress;
    private final RequestQueue queue;
    private final QaValidator validator;
    private final JobEvents events;
    private final Clock clock;
    private final Map<String, AtomicBoolean> running = new ConcurrentHashMap<>();

    /**
     * @param store the question records, through the same decorators as the inference side's writes (locally:
     *              the counting one), so that lines this worker ends are counted as any others
     * @param queue where the lines' questions go: the one place a bulk lane would be chosen
     */
    public JobWorker(JobStore jobs, JobFiles files, RequestStore store, JobProgress progress, RequestQueue queue,
            QaValidator validator, JobEvents events, Clock clock) {
        this.jobs = jobs;
        this.files = files;
        this.store = store;
        this.progress = progress;
        this.queue = queue;
        this.validator = validator;
        this.events = events;
        this.clock = clock;
    }

    /** Whatever the job needs now; a call while the job is being advanced in this JVM makes that run go round again. */
    public void advance(String jobId) {
        AtomicBoolean again = new AtomicBoolean(true);
        AtomicBoolean holder = running.putIfAbsent(jobId, again);
        if (holder != null) {
            holder.set(true);
            return;
        }
        while (true) {
            try {
                while (again.getAndSet(false)) advanceOnce(jobId);
            } finally {
                running.remove(jobId, again);
            }
            // a request that came in after the last round but before the removal must not be lost
            if (!again.get() || running.putIfAbsent(jobId, again) != null) return;
        }
    }

    /** Advances every job that has not ended, at most {@code limit}; one job's failure does not stop the others. */
    public int sweep(int limit) {
        List<String> open = jobs.openJobs(limit);
        for (String id : open) {
            try {
                advance(id);
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("jobId", id).setCause(e).log("advancing a job failed; the next sweep retries");
            }
        }
        return open.size();
    }

    private void advanceOnce(String jobId) {
        Job job = jobs.find(jobId).orElse(null);
        if (job == null) return;
        switch (job.status()) {
            case VALIDATING -> start(job);
            case CANCELLING -> {
                endLines(job, LineOutcome.CANCELLED_CODE, "the job was cancelled before this line was answered");
                finalizeIfEnded(jobId);
            }
            case IN_PROGRESS -> {
                if (job.endAs() == null && !clock.instant().isBefore(job.expiresAt())) {
                    // a job whose lines were all answered but whose last counts were lost (a writer that died
                    // between its write and its count) ends completed, not expired: recount before expiring
                    endLines(job, null, null);
                    job = jobs.find(jobId).orElse(job);
                    if (job.linesEnded()) {
                        finalizeJob(job);
                        return;
                    }
                }
                if (job.endAs() == JobStatus.EXPIRED
                        || !clock.instant().isBefore(job.expiresAt()) && jobs.markExpiring(jobId)) {
                    log.atInfo().addKeyValue("jobId", jobId).log("job expired; ending its unanswered lines");
                    endLines(job, LineOutcome.EXPIRED_CODE, "the job's completion window ended before this line was answered");
                }
                finalizeIfEnded(jobId);
            }
            case FINALIZING -> finalizeJob(job);
            default -> { } // ended
        }
    }

    private void start(Job job) {
        JobInput input;
        try {
            input = JobInput.read(files.read(job.inputKey()), validator);
        } catch (JobInput.NotText e) {
            input = new JobInput(List.of(), List.of(new Job.LineError(1, "INVALID_UTF8", e.getMessage())), 1, 0);
        }
        Instant now = clock.instant();
        if (input.errorCount() > 0 || input.lineCount() == 0) {
            List<Job.LineError> errors = input.lineCount() == 0
                    ? List.of(new Job.LineError(1, "EMPTY_INPUT", "the input has no lines")) : input.errors();
            if (jobs.failValidation(job.id(), input.lineCount(), errors, Math.max(1, input.errorCount()), now)) {
                log.atInfo().addKeyValue("jobId", job.id()).addKeyValue("lines", input.lineCount())
                        .addKeyValue("errors", input.errorCount()).log("job failed validation");
                publishEnd(job.id());
            }
            return;
        }
        if (!jobs.setTotal(job.id(), input.lineCount(), job.expiresAt())) return;
        // only the start that moves the job on queues its lines: two starts would queue every line twice
        if (jobs.transition(job.id(), List.of(JobStatus.VALIDATING), JobStatus.IN_PROGRESS)) {
            int queued = queueLines(job.id(), input.lines());
            log.atInfo().addKeyValue("jobId", job.id()).addKeyValue("lines", input.lineCount())
                    .addKeyValue("queued", queued).log("job started");
        }
        advanceOnce(job.id()); // cancelled meanwhile, or already answered: go on at once
    }

    /**
     * Stores each line's question as PENDING and queues them, consecutive lines about one context with the same
     * options in one message (a SQuAD paragraph's questions travel together, as {@code --per-paragraph} sends them).
     * Stops early if the job is cancelled meanwhile: what was not queued is ended by the cancellation.
     */
    private int queueLines(String jobId, List<JobInput.Line> lines) {
        List<QuestionSet> messages = messages(jobId, lines);
        int queued = 0;
        for (int from = 0; from < messages.size(); from += CHUNK) {
            if (from > 0 && jobs.find(jobId).map(j -> j.status() != JobStatus.IN_PROGRESS).orElse(true)) break;
            List<QuestionSet> chunk = messages.subList(from, Math.min(messages.size(), from + CHUNK));
            Instant now = clock.instant();
            List<QuestionSet> toSend = new ArrayList<>();
            for (QuestionSet m : chunk) {
                for (Question q : m.questions()) {
                    store.createPending(QaRecord.pending(q.id(), q.text(), m.options().topK(), jobId, now));
                }
                toSend.add(m);
            }
            Set<String> notQueued = queue.sendAll(toSend);
            for (QuestionSet m : toSend) {
                for (Question q : m.questions()) {
                    if (notQueued.contains(q.id())) {
                        store.fail(RequestStore.Completion.of(q, m, null),
                                new ErrorInfo("QUEUE_UNAVAILABLE", "the line could not be queued"));
                    } else {
                        queued++;
                    }
                }
            }
        }
        return queued;
    }

    private static List<QuestionSet> messages(String jobId, List<JobInput.Line> lines) {
        List<QuestionSet> messages = new ArrayList<>();
        QuestionSet current = null;
        for (JobInput.Line line : lines) {
            Question q = new Question(JobLines.questionId(jobId, line.number()), line.set().first().text());
            if (current != null && current.context().equals(line.set().context())
                    && current.options().equals(line.set().options())
                    && current.questions().size() < Limits.MAX_QUESTIONS_PER_SET) {
                List<Question> questions = new ArrayList<>(current.questions());
                questions.add(q);
                QuestionSet bigger = current.withQuestions(questions);
                if (MessageCodec.encodedBytes(bigger) <= Limits.MAX_MESSAGE_BYTES) {
                    current = bigger;
                    continue;
                }
            }
            if (current != null) messages.add(current);
            current = new QuestionSet(line.set().context(), List.of(q), line.set().options(), jobId);
        }
        if (current != null) messages.add(current);
        return messages;
    }

    /**
     * Ends every line not ended yet with {@code code} (FAILED, read as CANCELLED or EXPIRED): a write-once
     * completion like an answer, so a line answered at the same moment keeps its answer. A line never stored (the
     * start stopped early) gets its record here. Lines already ended are counted again, which changes nothing
     * unless their count was lost. With a null {@code code} it only recounts.
     */
    private void endLines(Job job, String code, String message) {
        List<JobInput.Line> lines;
        try {
            lines = JobInput.read(files.read(job.inputKey()), validator).lines();
        } catch (JobInput.NotText e) {
            throw new IllegalStateException("job " + job.id() + " passed validation but its input is not text", e);
        }
        ErrorInfo error = code == null ? null : new ErrorInfo(code, message);
        int ended = 0;
        for (int from = 0; from < lines.size(); from += CHUNK) {
            List<JobInput.Line> chunk = lines.subList(from, Math.min(lines.size(), from + CHUNK));
            Map<String, QaRecord> records = store.findAll(
                    chunk.stream().map(l -> JobLines.questionId(job.id(), l.number())).toList());
            for (JobInput.Line line : chunk) {
                String id = JobLines.questionId(job.id(), line.number());
                QaRecord record = records.get(id);
                if (record != null && record.status() != QaStatus.PENDING) {
                    progress.lineEnded(id, record.status(), record.error() == null ? null : record.error().code());
                    continue;
                }
                if (code == null) continue;
                Question q = new Question(id, line.set().first().text());
                if (store.fail(RequestStore.Completion.of(q, line.set().withCorrelationId(job.id()), null), error)) {
                    ended++;
                }
            }
        }
        if (code != null) {
            log.atInfo().addKeyValue("jobId", job.id()).addKeyValue("code", code).addKeyValue("ended", ended)
                    .log("job lines ended");
        }
    }

    private void finalizeIfEnded(String jobId) {
        jobs.find(jobId).filter(Job::linesEnded).ifPresent(this::finalizeJob);
    }

    private void finalizeJob(Job job) {
        if (job.status() == JobStatus.IN_PROGRESS || job.status() == JobStatus.CANCELLING) {
            if (!job.linesEnded()) return;
            jobs.transition(job.id(), List.of(JobStatus.IN_PROGRESS, JobStatus.CANCELLING), JobStatus.FINALIZING);
            job = jobs.find(job.id()).orElseThrow();
        }
        // also when another worker moved it to finalizing and may have died since: the results are the same
        if (job.status() != JobStatus.FINALIZING) return;
        writeResults(job);
        JobStatus end = job.endAs() == null ? JobStatus.COMPLETED : job.endAs();
        if (jobs.finish(job.id(), end, clock.instant())) {
            log.atInfo().addKeyValue("jobId", job.id()).addKeyValue("status", end.wire())
                    .addKeyValue("done", job.counts().done()).addKeyValue("failed", job.counts().failed())
                    .addKeyValue("cancelled", job.counts().cancelled()).addKeyValue("expired", job.counts().expired())
                    .log("job ended");
            publishEnd(job.id());
        }
    }

    /** The results object: one line per input line, in input order, read from the lines' records. */
    private void writeResults(Job job) {
        List<JobInput.Line> lines;
        try {
            lines = JobInput.read(files.read(job.inputKey()), validator).lines();
        } catch (JobInput.NotText e) {
            throw new IllegalStateException("job " + job.id() + " passed validation but its input is not text", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (int from = 0; from < lines.size(); from += CHUNK) {
                List<JobInput.Line> chunk = lines.subList(from, Math.min(lines.size(), from + CHUNK));
                Map<String, QaRecord> records = store.findAll(
                        chunk.stream().map(l -> JobLines.questionId(job.id(), l.number())).toList());
                for (JobInput.Line line : chunk) {
                    String id = JobLines.questionId(job.id(), line.number());
                    out.write(Json.MAPPER.writeValueAsBytes(
                            ResultLine.of(line.customId(), id, line.number(), records.get(id))));
                    out.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.put(JobFiles.resultsKey(job.id()), out.toByteArray(), "application/x-ndjson");
    }

    private void publishEnd(String jobId) {
        try {
            jobs.find(jobId).flatMap(JobEvent::of).ifPresent(events::publish);
        } catch (RuntimeException e) {
            // the job has ended either way; only the notification is lost
            log.atWarn().addKeyValue("jobId", jobId).setCause(e).log("job event not published");
        }
    }
}
