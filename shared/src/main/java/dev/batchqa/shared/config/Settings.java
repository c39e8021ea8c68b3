package dev.batchqa.shared.config;

import dev.batchqa.shared.message.Limits;
import java.time.Duration;
import java.util.Map;

/**
 * Configuration shared by both functions, read from environment variables (the Lambda way). Endpoints and
 * region are not here: the AWS SDK reads {@code AWS_REGION}, {@code AWS_ENDPOINT_URL} and
 * {@code AWS_ENDPOINT_URL_SQS} / {@code AWS_ENDPOINT_URL_DYNAMODB} itself.
 */
public record Settings(
        String tableName, String queueUrl, Duration resultTtl, int maxContextChars, int maxQuestionChars,
        int maxBacklog, String bulkQueueUrl) {

    public Settings(String tableName, String queueUrl, Duration resultTtl, int maxContextChars, int maxQuestionChars,
            int maxBacklog) {
        this(tableName, queueUrl, resultTtl, maxContextChars, maxQuestionChars, maxBacklog, null);
    }

    public static final String TABLE_NAME = "QA_TABLE_NAME";
    public static final String QUEUE_URL = "QA_QUEUE_URL";
    /**
     * The bulk lane's queue (heavy requests, chosen at ingest by estimated cost; see {@code Lanes}); unset, every
     * request goes to {@link #QUEUE_URL}.
     */
    public static final String BULK_QUEUE_URL = "QA_BULK_QUEUE_URL";
    public static final String RESULT_TTL_HOURS = "QA_RESULT_TTL_HOURS";
    public static final String MAX_CONTEXT_CHARS = "QA_MAX_CONTEXT_CHARS";
    public static final String MAX_QUESTION_CHARS = "QA_MAX_QUESTION_CHARS";
    /**
     * Age after which a PENDING record is swept to FAILED (EXPIRED): the source queue's retention plus a margin for
     * an invocation still running with the last copy of the message. Read only by the sweeper.
     */
    public static final String PENDING_EXPIRY_HOURS = "QA_PENDING_EXPIRY_HOURS";
    /** The default source-queue retention (4 days, template.yaml) plus one hour. */
    public static final int DEFAULT_PENDING_EXPIRY_HOURS = 4 * 24 + 1;
    /** At most the dead-letter queue's retention (14 days): no message of an older record can exist. */
    public static final int MAX_PENDING_EXPIRY_HOURS = 14 * 24;
    /**
     * Ingest admission control: messages waiting in the queue at which POST /qa and /qa/batch refuse new
     * questions (503 QUEUE_BACKLOG); 0 turns it off. Size it to what the inference side drains well within the
     * queue's retention: concurrency x questions/s per function x (retention - margin) x safety factor.
     */
    public static final String MAX_BACKLOG = "QA_MAX_BACKLOG";
    /**
     * Default of {@link #MAX_BACKLOG}: 5 functions (the template's QueueMaximumConcurrency) x 2 questions/s
     * x 3 days (4 days' retention - 1 day margin) x 0.5 safety = 1,296,000, rounded down. 2 questions/s is
     * about a sixth of the sizing reference's rate (docs/cost.md, "The sizing reference"), so the queue drains
     * well within its retention even with long contexts.
     */
    public static final int DEFAULT_MAX_BACKLOG = 1_000_000;
    /** Largest {@link #MAX_BACKLOG}: a bound far beyond any useful value (SQS itself does not limit waiting messages). */
    public static final int MAX_MAX_BACKLOG = 1_000_000_000;

    public static Settings fromEnvironment() {
        return from(System.getenv());
    }

    public static Settings from(Map<String, String> vars) {
        Env env = new Env(vars);
        return new Settings(
                vars.getOrDefault(TABLE_NAME, "qa-requests"),
                vars.get(QUEUE_URL),
                Duration.ofHours(env.integer(RESULT_TTL_HOURS, 24, 1, 24 * 365)),
                env.integer(MAX_CONTEXT_CHARS, Limits.MAX_CONTEXT_CHARS, 1, Limits.MAX_CONTEXT_CHARS),
                env.integer(MAX_QUESTION_CHARS, Limits.MAX_QUESTION_CHARS, 1, Limits.MAX_QUESTION_CHARS),
                env.integer(MAX_BACKLOG, DEFAULT_MAX_BACKLOG, 0, MAX_MAX_BACKLOG),
                env.string(BULK_QUEUE_URL).orElse(null));
    }

    /** {@value #PENDING_EXPIRY_HOURS}, 2 to {@value #MAX_PENDING_EXPIRY_HOURS} hours; the default is 97 h. */
    public static Duration pendingExpiry(Map<String, String> env) {
        return Duration.ofHours(new Env(env).integer(PENDING_EXPIRY_HOURS, DEFAULT_PENDING_EXPIRY_HOURS, 2,
                MAX_PENDING_EXPIRY_HOURS));
    }

    public String requireQueueUrl() {
        if (queueUrl == null || queueUrl.isBlank()) {
            throw new IllegalStateException(QUEUE_URL + " is not set");
        }
        return queueUrl;
    }

}
