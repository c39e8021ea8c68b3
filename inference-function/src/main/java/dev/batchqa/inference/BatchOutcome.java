package dev.batchqa.inference;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/** What happened to one batch: the counts the metrics and the log line report, and the messages to give back. */
public final class BatchOutcome {
    final int batchSize;
    final long receivedAtMillis;
    /** SQS message ids to give back (a real failure: their receive is spent); a message is named once. */
    final Set<String> retry = new LinkedHashSet<>();
    int answered;
    int noAnswer;
    int duplicates;
    int idConflicts;
    int skipped;
    int failed;
    /** Questions handed on to a continuation message: the deadline left them unanswered. */
    int continuedQuestions;
    /** Continuation messages sent. */
    int continuations;
    long windows;
    long tokens;
    long inferenceMillis;
    long maxQueueAgeMillis;

    BatchOutcome(int batchSize, long receivedAtMillis) {
        this.batchSize = batchSize;
        this.receivedAtMillis = receivedAtMillis;
    }

    /** @param sentAt null when the attribute is absent or malformed: that only costs the age metric */
    void observeAge(Instant sentAt) {
        if (sentAt != null) maxQueueAgeMillis = Math.max(maxQueueAgeMillis, receivedAtMillis - sentAt.toEpochMilli());
    }

    public int batchSize() { return batchSize; }
    public int answered() { return answered; }
    public int noAnswer() { return noAnswer; }
    public int duplicates() { return duplicates; }
    public int skipped() { return skipped; }
    public int idConflicts() { return idConflicts; }
    public int failed() { return failed; }
    public int retried() { return retry.size(); }
    public int continuedQuestions() { return continuedQuestions; }
    public int continuations() { return continuations; }
    public long windows() { return windows; }
    public long tokens() { return tokens; }
    public long inferenceMillis() { return inferenceMillis; }
    public long maxQueueAgeMillis() { return maxQueueAgeMillis; }
}
