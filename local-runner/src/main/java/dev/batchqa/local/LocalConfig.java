package dev.batchqa.local;

import dev.batchqa.inference.BatchPolicy;
import dev.batchqa.inference.EngineLoader;
import dev.batchqa.shared.config.Env;
import dev.batchqa.shared.config.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

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
        Settings settings,
        EngineLoader engine,
        BatchPolicy policy,
        Duration pendingExpiry,
        AwsCredentialsProvider credentials,
        Jobs jobs) {

    /**
     * Where bulk jobs live: their table, their bucket, the S3 endpoint (null with the embedded emulators, which start
     * S3Proxy, or on AWS), and how often open jobs are swept (expiry).
     */
    public record Jobs(String tableName, String bucket, URI s3Endpoint, Duration sweepInterval) {}

    /** Which parts run in this process: both handlers, only the HTTP side, or only the SQS worker. */
    public enum Role { ALL, API, WORKER }

    /** A QA model from DJL's HuggingFace model zoo, fetched on first use (needs internet). */
    public static final String DEFAULT_MODEL = "djl://ai.djl.huggingface.pytorch/deepset/minilm-uncased-squad2";
    /** The stand-in model beside a checkout in this project's workplace, used when it is there. */
    static final Path STAND_IN_MODEL = Path.of("..", "shared", "models", "minilm-squad1");

    public static LocalConfig fromEnvironment(Map<String, String> vars) {
        Env env = new Env(vars);
        URI common = env.uri("AWS_ENDPOINT_URL").orElse(null);
        URI sqs = env.uri("AWS_ENDPOINT_URL_SQS").orElse(common);
        URI dynamo = env.uri("AWS_ENDPOINT_URL_DYNAMODB").orElse(common);
        String queueUrl = env.string("QA_QUEUE_URL").orElse(null);
        boolean embedded = sqs == null && dynamo == null && queueUrl == null;
        // Like the template: the inference function's timeout, and a visibility timeout beyond it (a message must
        // not come back while the invocation that holds it may still be answering it).
        int timeoutSeconds = env.integer("QA_FUNCTION_TIMEOUT_SECONDS", 120);
        return new LocalConfig(
                vars.getOrDefault("QA_HTTP_HOST", "127.0.0.1"),
                env.integer("QA_HTTP_PORT", 3000),
                env.string("AWS_REGION").or(() -> env.string("AWS_DEFAULT_REGION")).orElse("us-east-1"),
                sqs,
                dynamo,
                embedded,
                vars.getOrDefault("QA_QUEUE_NAME", "qa-requests"),
                queueUrl,
                vars.getOrDefault("QA_TABLE_NAME", "qa-requests"),
                // 32 questions per invocation fill the engine's passes as well as its own batches do; batches of
                // 10 single questions cost its worker more CPU per question (docs/evaluation.md, end to end)
                env.integer("QA_BATCH_SIZE", 32),
                Duration.ofMillis(env.integer("QA_BATCHING_WINDOW_MS", 200)),
                env.integer("QA_VISIBILITY_TIMEOUT_SECONDS", timeoutSeconds + 30),
                env.integer("QA_MAX_RECEIVE_COUNT", 5),
                // concurrent invocations, as Lambda runs several (the template's QueueMaximumConcurrency is 5):
                // a batch of long contexts does not hold up the next batches; their passes take turns on the engine
                env.integer("QA_POLLERS", 4),
                Duration.ofSeconds(timeoutSeconds),
                modelLocation(vars),
                Role.valueOf(vars.getOrDefault("QA_ROLE", "all").trim().toUpperCase(java.util.Locale.ROOT)),
                // fault injection: a pause between answering a batch and deleting it, the window in which a
                // crashed worker leaves answered messages to be delivered again
                Duration.ofMillis(env.integer("QA_ACK_DELAY_MS", 0)),
                // how often the pending sweeper runs (SweeperFunction: hourly)
                Duration.ofSeconds(Math.max(1, env.integer("QA_SWEEP_INTERVAL_SECONDS", 300))),
                // what the functions read, from the same variables: read here once, passed on typed
                Settings.from(vars),
                EngineLoader.fromEnvironment(withModel(vars, modelLocation(vars))),
                BatchPolicy.fromEnvironment(vars),
                Settings.pendingExpiry(vars),
                credentials(env, sqs == null && dynamo == null && queueUrl == null),
                new Jobs(vars.getOrDefault("QA_JOB_TABLE_NAME", "qa-jobs"),
                        vars.getOrDefault("QA_JOB_BUCKET", "batch-qa-jobs"),
                        env.uri("AWS_ENDPOINT_URL_S3").orElse(common),
                        // the deployed sweep runs every minute; locally sooner, so a short window ends on time
                        Duration.ofSeconds(Math.max(1, env.integer("QA_JOB_SWEEP_INTERVAL_SECONDS", 10)))));
    }

    /** This configuration with another model (the load test's choice), warmed up as the function does. */
    public LocalConfig withModel(String location) {
        return new LocalConfig(httpHost, httpPort, region, sqsEndpoint, dynamoEndpoint, embeddedEmulators, queueName,
                queueUrl, tableName, batchSize, batchingWindow, visibilityTimeoutSeconds, maxReceiveCount, pollers,
                functionTimeout, location, role, ackDelay, sweepInterval, settings,
                new EngineLoader(engine.options().withModelLocation(location), engine.warmUp()), policy,
                pendingExpiry, credentials, jobs);
    }

    private static Map<String, String> withModel(Map<String, String> vars, String location) {
        Map<String, String> copy = new HashMap<>(vars);
        copy.put(EngineLoader.ENV_MODEL_DIR, location);
        return copy;
    }

    /** Keys given in the environment first (as for LocalStack), then any for the emulators, then the SDK's chain. */
    private static AwsCredentialsProvider credentials(Env env, boolean embedded) {
        var key = env.string("AWS_ACCESS_KEY_ID");
        var secret = env.string("AWS_SECRET_ACCESS_KEY");
        if (key.isPresent() && secret.isPresent()) {
            var token = env.string("AWS_SESSION_TOKEN");
            return StaticCredentialsProvider.create(token.isEmpty()
                    ? AwsBasicCredentials.create(key.get(), secret.get())
                    : AwsSessionCredentials.create(key.get(), secret.get(), token.get()));
        }
        if (embedded) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    static String modelLocation(Map<String, String> env) {
        var configured = new Env(env).string("QA_MODEL_DIR");
        if (configured.isPresent()) return configured.get();
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(STAND_IN_MODEL).normalize();
            if (Files.isRegularFile(candidate.resolve("config.json"))) return candidate.toString();
        }
        return DEFAULT_MODEL;
    }
}
