package dev.batchqa.local;

import dev.batchqa.inference.BatchPolicy;
import dev.batchqa.inference.EngineLoader;
import dev.batchqa.ingest.jobs.JobsWiring;
import dev.batchqa.shared.config.Env;
import dev.batchqa.shared.config.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * How the local pipeline runs. What a user sets comes from the environment, read once: the functions' own variables
 * ({@link Settings}, the model through {@link EngineLoader}, {@code QA_FUNCTION_TIMEOUT_SECONDS}, the job table and
 * bucket), the AWS SDK's endpoints, region and keys, and {@code QA_HTTP_PORT}. With no {@code AWS_ENDPOINT_URL*} and
 * no {@code QA_QUEUE_URL} it starts its own emulators (ElasticMQ, dynalite, S3Proxy); otherwise it uses the given
 * endpoints (LocalStack, or real AWS with {@code QA_QUEUE_URL} and {@code QA_TABLE_NAME}). How the in-process
 * pollers and sweeps run is the {@link Builder}'s, with the defaults below; tests and tools set them there.
 *
 * <pre>{@code
 * LocalConfig config = LocalConfig.builder(env).role(LocalConfig.Role.API).batchSize(10).build();
 * try (LocalPipeline pipeline = LocalPipeline.start(config)) { ... }
 * }</pre>
 *
 * @param httpHost the HTTP listen address (loopback)
 * @param httpPort {@value #HTTP_PORT}: the HTTP port, 0 = any free one
 * @param queueName the queue created beside the emulators when no {@code QA_QUEUE_URL} is given ({@code <name>-bulk}
 *     is the bulk lane's)
 * @param batchSize SQS messages per invocation of the in-process poller: as the template's QueueBatchSize
 * @param batchingWindow how long the poller gathers a batch
 * @param visibilityTimeoutSeconds the visibility timeout of the queues it creates: the function timeout + 30 s, as
 *     the template's (a message must not come back while the invocation that holds it may still be answering it)
 * @param maxReceiveCount receives before the dead-letter queue
 * @param pollers concurrent invocations of the interactive lane, as Lambda runs several (the template's
 *     QueueMaximumConcurrency is 5): a batch of long contexts does not hold up the next batches; their passes take
 *     turns on one engine. The bulk lane runs one invocation at a time on an engine of its own, as a sandbox does
 * @param functionTimeout {@code QA_FUNCTION_TIMEOUT_SECONDS}: each invocation's deadline
 * @param policy how an invocation spends its batch: {@link BatchPolicy#forTimeout} of the function timeout, as the
 *     function's, unless a tool gives another window cap
 * @param role which parts run in this process
 * @param ackDelay fault injection: a pause between answering a batch and deleting it, the window in which a crashed
 *     worker leaves answered messages to be delivered again
 * @param sweepInterval how often the pending sweeper runs (SweeperFunction: every 15 minutes)
 */
public record LocalConfig(
        String httpHost,
        int httpPort,
        String region,
        URI sqsEndpoint,
        URI dynamoEndpoint,
        boolean embeddedEmulators,
        String queueName,
        int batchSize,
        Duration batchingWindow,
        int visibilityTimeoutSeconds,
        int maxReceiveCount,
        int pollers,
        Duration functionTimeout,
        BatchPolicy policy,
        Role role,
        Duration ackDelay,
        Duration sweepInterval,
        Settings settings,
        EngineLoader engine,
        Duration pendingExpiry,
        AwsCredentialsProvider credentials,
        Jobs jobs) {

    /**
     * Where bulk jobs live: their table ({@code QA_JOB_TABLE_NAME}), their bucket ({@code QA_JOB_BUCKET}), the S3
     * endpoint (null with the embedded emulators, which start S3Proxy, or on AWS), and how often open jobs are swept
     * (expiry; the deployed sweep runs every minute, locally sooner, so that a short window ends on time).
     */
    public record Jobs(String tableName, String bucket, URI s3Endpoint, Duration sweepInterval) {}

    /** Which parts run in this process: both handlers, only the HTTP side, or only the SQS worker. */
    public enum Role { ALL, API, WORKER }

    /** The HTTP port of the API and the try-it page. */
    public static final String HTTP_PORT = "QA_HTTP_PORT";
    public static final int DEFAULT_HTTP_PORT = 3000;
    public static final String DEFAULT_JOB_TABLE_NAME = "qa-jobs";
    public static final String DEFAULT_JOB_BUCKET = "batch-qa-jobs";
    /** A QA model from DJL's HuggingFace model zoo, fetched on first use (needs internet). */
    public static final String DEFAULT_MODEL = "djl://ai.djl.huggingface.pytorch/deepset/minilm-uncased-squad2";
    /** The stand-in model beside a checkout in this project's workplace, used when it is there. */
    static final Path STAND_IN_MODEL = Path.of("..", "shared", "models", "minilm-squad1");

    public LocalConfig {
        Objects.requireNonNull(role, "role");
        if (batchSize < 1 || batchSize > 10_000) throw new IllegalArgumentException("batchSize must be in 1..10000");
        if (pollers < 1) throw new IllegalArgumentException("pollers must be >= 1");
        if (maxReceiveCount < 1) throw new IllegalArgumentException("maxReceiveCount must be >= 1");
        if (visibilityTimeoutSeconds < 0) throw new IllegalArgumentException("visibilityTimeoutSeconds must be >= 0");
        if (batchingWindow.isNegative() || ackDelay.isNegative()) throw new IllegalArgumentException("negative delay");
        if (sweepInterval.toSeconds() < 1 || jobs.sweepInterval().toMillis() < 1) {
            throw new IllegalArgumentException("sweep intervals must be positive (pending: at least 1 s)");
        }
    }

    /** The environment's configuration with the builder's defaults. */
    public static LocalConfig fromEnvironment(Map<String, String> vars) {
        return builder(vars).build();
    }

    /** The environment's configuration, to be changed before {@link Builder#build()}. */
    public static Builder builder(Map<String, String> vars) {
        return new Builder(vars);
    }

    /** The question records' table ({@code QA_TABLE_NAME}). */
    public String tableName() {
        return settings.tableName();
    }

    /** An existing queue to use ({@code QA_QUEUE_URL}); null: one is created beside the emulators. */
    public String queueUrl() {
        return settings.queueUrl();
    }

    /** The model directory or zoo URL ({@code QA_MODEL_DIR}, else the stand-in model, else {@link #DEFAULT_MODEL}). */
    public String modelLocation() {
        return engine.options().modelLocation();
    }

    /**
     * The local runner's configuration: the environment's part read in the constructor, the rest set by its methods
     * (each strict: a bad value throws at {@link #build()}).
     */
    public static final class Builder {
        private final Env env;
        private final int httpPort;
        private final String region;
        private final URI sqsEndpoint;
        private final URI dynamoEndpoint;
        private final URI s3Endpoint;
        private final boolean embedded;
        private final Duration functionTimeout;
        private final Settings settings;
        private final Duration pendingExpiry;
        private final String jobTable;
        private final String jobBucket;
        private EngineLoader engine;
        private String httpHost = "127.0.0.1";
        private String queueName = "qa-requests";
        // 32 questions per invocation fill the engine's passes as well as its own batches do; batches of 10 single
        // questions cost its worker more CPU per question (docs/evaluation.md, end to end)
        private int batchSize = 32;
        private Duration batchingWindow = Duration.ofMillis(200);
        private Integer visibilityTimeoutSeconds;
        private Integer maxWindowsPerQuestion;
        private int maxReceiveCount = 5;
        private int pollers = 4;
        private Role role = Role.ALL;
        private Duration ackDelay = Duration.ZERO;
        private Duration sweepInterval = Duration.ofMinutes(5);
        private Duration jobSweepInterval = Duration.ofSeconds(10);

        private Builder(Map<String, String> vars) {
            env = new Env(vars);
            URI common = env.uri("AWS_ENDPOINT_URL").orElse(null);
            sqsEndpoint = env.uri("AWS_ENDPOINT_URL_SQS").orElse(common);
            dynamoEndpoint = env.uri("AWS_ENDPOINT_URL_DYNAMODB").orElse(common);
            s3Endpoint = env.uri("AWS_ENDPOINT_URL_S3").orElse(common);
            httpPort = env.integer(HTTP_PORT, DEFAULT_HTTP_PORT, 0, 65_535);
            region = env.string("AWS_REGION").or(() -> env.string("AWS_DEFAULT_REGION")).orElse("us-east-1");
            settings = Settings.from(vars);
            embedded = sqsEndpoint == null && dynamoEndpoint == null && settings.queueUrl() == null;
            functionTimeout = BatchPolicy.functionTimeout(vars);
            pendingExpiry = Settings.pendingExpiry(vars);
            engine = EngineLoader.fromEnvironment(vars, Builder::standInModel);
            jobTable = env.string(JobsWiring.TABLE_ENV, DEFAULT_JOB_TABLE_NAME);
            jobBucket = env.string(JobsWiring.BUCKET_ENV, DEFAULT_JOB_BUCKET);
        }

        /** Another model than the environment's (the load test's choice), warmed up as the function does. */
        public Builder withModel(String location) {
            engine = engine.withModelLocation(location);
            return this;
        }

        public Builder httpHost(String host) {
            httpHost = Objects.requireNonNull(host);
            return this;
        }

        public Builder queueName(String name) {
            queueName = Objects.requireNonNull(name);
            return this;
        }

        public Builder batchSize(int messages) {
            batchSize = messages;
            return this;
        }

        public Builder batchingWindow(Duration window) {
            batchingWindow = Objects.requireNonNull(window);
            return this;
        }

        public Builder visibilityTimeoutSeconds(int seconds) {
            visibilityTimeoutSeconds = seconds;
            return this;
        }

        /** A window cap per question other than the one the function timeout gives (a tool's). */
        public Builder maxWindowsPerQuestion(int windows) {
            maxWindowsPerQuestion = windows;
            return this;
        }

        public Builder maxReceiveCount(int receives) {
            maxReceiveCount = receives;
            return this;
        }

        public Builder pollers(int invocations) {
            pollers = invocations;
            return this;
        }

        public Builder role(Role which) {
            role = Objects.requireNonNull(which);
            return this;
        }

        public Builder ackDelay(Duration delay) {
            ackDelay = Objects.requireNonNull(delay);
            return this;
        }

        public Builder sweepInterval(Duration interval) {
            sweepInterval = Objects.requireNonNull(interval);
            return this;
        }

        public Builder jobSweepInterval(Duration interval) {
            jobSweepInterval = Objects.requireNonNull(interval);
            return this;
        }

        public LocalConfig build() {
            int visibility = visibilityTimeoutSeconds != null ? visibilityTimeoutSeconds
                    : (int) functionTimeout.toSeconds() + 30;
            return new LocalConfig(httpHost, httpPort, region, sqsEndpoint, dynamoEndpoint, embedded, queueName,
                    batchSize, batchingWindow, visibility, maxReceiveCount, pollers, functionTimeout, policy(), role, ackDelay,
                    sweepInterval, settings, engine, pendingExpiry, credentials(env, embedded),
                    new Jobs(jobTable, jobBucket, s3Endpoint, jobSweepInterval));
        }

        private BatchPolicy policy() {
            BatchPolicy policy = BatchPolicy.forTimeout(functionTimeout);
            return maxWindowsPerQuestion == null ? policy : policy.withMaxWindowsPerQuestion(maxWindowsPerQuestion);
        }

        /** The stand-in model if a parent directory has it, else {@link #DEFAULT_MODEL}. */
        private static String standInModel() {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(STAND_IN_MODEL).normalize();
                if (Files.isRegularFile(candidate.resolve("config.json"))) return candidate.toString();
            }
            return DEFAULT_MODEL;
        }
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
}
