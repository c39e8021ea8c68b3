package dev.batchqa.ingest.jobs;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the deployed ingest function asks for a job to be advanced (after a submit, cancel or retry) without waiting
 * for it: an empty object {@code kicks/<jobId>/<random>} in the jobs bucket, whose "Object Created" event (S3 to EventBridge) invokes
 * JobWorkerFunction. The bucket's lifecycle rule deletes kicks after a day. Locally the runner advances jobs on
 * its own threads instead.
 *
 * <pre>{@code
 * Consumer<String> advance = JobKicks.via(files);   // ingest side
 * JobKicks.jobOf("kicks/job_5f0c.../9a1b").get();  // worker side: job_5f0c...
 * }</pre>
 */
public final class JobKicks {
    private static final Pattern KEY = Pattern.compile("kicks/(job_[0-9a-f]{32})/[0-9a-f]{16}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobKicks() {}

    public static Consumer<String> via(JobFiles files) {
        return jobId -> {
            byte[] random = new byte[8];
            RANDOM.nextBytes(random);
            files.put("kicks/" + jobId + "/" + HexFormat.of().formatHex(random), new byte[0], "application/octet-stream");
        };
    }

    /** The job a kick's key names; empty for any other key. */
    public static Optional<String> jobOf(String key) {
        Matcher m = KEY.matcher(key == null ? "" : key);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
