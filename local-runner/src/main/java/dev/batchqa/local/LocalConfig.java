package dev.batchqa.local;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the local pipeline runs, from environment variables. With no {@code AWS_ENDPOINT_URL*} and no
 * {@code QA_QUEUE_URL} it starts its own emulators (ElasticMQ, dynalite); otherwise it uses the endpoints the
 * AWS SDK conventions name (LocalStack, or real AWS with {@code QA_QUEUE_URL} and {@code QA_TABLE_NAME}).
 */
public record LocalConfig(
        String httpHost,
        int httpPort,
        String region,
        URI sqsEndpoint,
        URI dynamoEndpoint,
        boolean embeddedEmulators,
        String queueName,
        String queueUrl,
        String tableName,
        int batchSize,
        Duration batchingWindow,
        int visibilityTimeoutSeconds,
        int maxReceiveCount,
        int pollers,
        Duration functionTimeout,
        String modelLocation,
        Role role,
        Duration ackDelay,
        Duration sweepInterval,
        Map<String, String> env) {

    /** Which parts run in this process: both handlers, only the HTTP side, or only the SQS worker. */
    public enum Role { ALL, API, WORKER }

    /** A QA model from DJL's HuggingFace model zoo, fetched on first use (needs internet). */
    public static final String DEFAULT_MODEL = "djl://ai.djl.huggingface.pytorch/deepset/minilm-uncased-squad2";
    /** The stand-in model beside a checkout in this project's workplace, used when it is there. */
    static final Path STAND_IN_MODEL = Path.of("..", "shared", "models", "minilm-squad1");

    public static LocalConfig fromEnvironment(Map<String, String> env) {
        URI common = uri(env.get("AWS_ENDPOINT_URL"));
        URI sqs = firstNonNull(uri(env.get("AWS_ENDPOINT_URL_SQS")), common);
        URI dynamo = firstNonNull(uri(env.get("AWS_ENDPOINT_URL_DYNAMODB")), common);
        String queueUrl = blankToNull(env.get("QA_QUEUE_URL"));
        boolean embedded = sqs == null && dynamo == null && queueUrl == null;
        // Like the template: the inference function's timeout, and a visibility timeout beyond it (a message must
        // not come back while the invocation that holds it may still be answering it).
        int timeoutSeconds = integer(env, "QA_FUNCTION_TIMEOUT_SECONDS", 120);
        return new LocalConfig(
                env.getOrDefault("QA_HTTP_HOST", "127.0.0.1"),
                integer(env, "QA_HTTP_PORT", 3000),
                firstNonNull(blankToNull(env.get("AWS_REGION")), blankToNull(env.get("AWS_DEFAULT_REGION")), "us-east-1"),
                sqs,
                dynamo,
                embedded,
                env.getOrDefault("QA_QUEUE_NAME", "qa-requests"),
                queueUrl,
                env.getOrDefault("QA_TABLE_NAME", "qa-requests"),
                integer(env, "QA_BATCH_SIZE", 10),
                Duration.ofMillis(integer(env, "QA_BATCHING_WINDOW_MS", 200)),
                integer(env, "QA_VISIBILITY_TIMEOUT_SECONDS", timeoutSeconds + 30),
                integer(env, "QA_MAX_RECEIVE_COUNT", 5),
                // concurrent invocations, as Lambda runs several (the template's QueueMaximumConcurrency is 5):
                // a batch of long contexts does not hold up the next batches; their passes take turns on the engine
                integer(env, "QA_POLLERS", 4),
                Duration.ofSeconds(timeoutSeconds),
                modelLocation(env),
                Role.valueOf(env.getOrDefault("QA_ROLE", "all").trim().toUpperCase(java.util.Locale.ROOT)),
                // fault injection: a pause between answering a batch and deleting it, the window in which a
                // crashed worker leaves answered messages to be delivered again
                Duration.ofMillis(integer(env, "QA_ACK_DELAY_MS", 0)),
                // how often the pending sweeper runs (SweeperFunction: hourly)
                Duration.ofSeconds(Math.max(1, integer(env, "QA_SWEEP_INTERVAL_SECONDS", 300))),
                Map.copyOf(env));
    }

    static String modelLocation(Map<String, String> env) {
        String configured = blankToNull(env.get("QA_MODEL_DIR"));
        if (configured != null) return configured;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(STAND_IN_MODEL).normalize();
            if (Files.isRegularFile(candidate.resolve("config.json"))) return candidate.toString();
        }
        return DEFAULT_MODEL;
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String raw = blankToNull(env.get(name));
        if (raw == null) return fallback;
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was '" + raw + "'");
        }
    }

    private static URI uri(String raw) {
        return blankToNull(raw) == null ? null : URI.create(raw.trim());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }
}
