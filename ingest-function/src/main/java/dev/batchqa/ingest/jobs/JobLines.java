package dev.batchqa.ingest.jobs;

import java.util.HexFormat;
import java.util.Optional;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Job ids and the ids of their lines' questions. A job id is {@code job_} and 128 random bits in hex; the question
 * of line n (1-based) is {@code <jobId>_<n>}, so the completion path tells a job's line from any other question by
 * its id alone, with no lookup, and the id stays unguessable.
 *
 * <pre>{@code
 * String job = JobLines.newJobId();                  // job_5f0c...
 * String q = JobLines.questionId(job, 3);           // job_5f0c..._3
 * JobLines.parse(q).get().line();                   // 3
 * }</pre>
 */
public final class JobLines {
    /** Lines a job may hold. */
    public static final int MAX_LINES = 50_000;
    private static final Pattern JOB_ID = Pattern.compile("job_[0-9a-f]{32}");
    private static final Pattern LINE_ID = Pattern.compile("(job_[0-9a-f]{32})_([1-9][0-9]{0,5})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A line of a job. */
    public record Line(String jobId, int line) {}

    private JobLines() {}

    public static String newJobId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return "job_" + HexFormat.of().formatHex(bytes);
    }

    public static boolean isJobId(String id) {
        return id != null && JOB_ID.matcher(id).matches();
    }

    public static String questionId(String jobId, int line) {
        return jobId + "_" + line;
    }

    /** The job and line of a question id; empty for any question that is not a job's line. */
    public static Optional<Line> parse(String questionId) {
        if (questionId == null) return Optional.empty();
        Matcher m = LINE_ID.matcher(questionId);
        if (!m.matches()) return Optional.empty();
        int line = Integer.parseInt(m.group(2));
        return line <= MAX_LINES ? Optional.of(new Line(m.group(1), line)) : Optional.empty();
    }
}
