package dev.batchqa.ingest;

/**
 * The {@code Retry-After} of a 202 and of a PENDING record: a documented estimate of when polling again is
 * worth it, not a promise.
 *
 * <p>seconds = clamp(1 + questions / {@value #ASSUMED_DRAIN_PER_SECOND}, 1, {@value #MAX_SECONDS}), where
 * questions are those waiting ahead in the request's own lane ({@link BacklogGate#cachedQuestionsAhead}, from
 * SQS's ApproximateNumberOfMessages at most 5 s old while questions arrive): an interactive question does not
 * wait behind the bulk lane, and a bulk message counts the questions it holds, not one. The drain rate is an
 * assumption, deliberately low for one inference container on CPU: a client told to come back a little late
 * costs one poll less, one told too early costs one more.
 * Without a reading (admission control off, or nothing submitted yet in this container) the answer is
 * {@value #UNKNOWN_DEPTH_SECONDS} s: a single question on an idle queue usually takes about that long.
 *
 * <pre>{@code
 * headers.put("Retry-After", Integer.toString(RetryAfter.seconds(backlog.cachedQuestionsAhead(lane))));
 * }</pre>
 */
final class RetryAfter {
    /** Questions per second the inference side is assumed to answer (an estimate, see the class comment). */
    static final int ASSUMED_DRAIN_PER_SECOND = 10;
    /** A bulk backlog takes far longer to drain; polling more often than every 15 minutes then is cheap enough. */
    static final int MAX_SECONDS = 900;
    static final int UNKNOWN_DEPTH_SECONDS = 2;

    private RetryAfter() {}

    /** @param questions questions waiting ahead, or a negative number when unknown */
    static int seconds(long questions) {
        if (questions < 0) return UNKNOWN_DEPTH_SECONDS;
        return (int) Math.min(MAX_SECONDS, 1 + questions / ASSUMED_DRAIN_PER_SECOND);
    }
}
