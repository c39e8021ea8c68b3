package dev.batchqa.local;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code scripts/run-local}: the pipeline on loopback until Ctrl-C. Configured by the environment
 * (docs/configuration.md) and these flags, for running its sides in separate processes:
 *
 * <pre>
 * scripts/run-local [--role all|api|worker] [--batch-size N] [--ack-delay-ms N]
 * </pre>
 */
public final class Main {
    private static final long SHUTDOWN_GRACE_MILLIS = 10_000;

    private Main() {}

    public static void main(String[] args) throws Exception {
        LocalConfig config;
        try {
            config = configure(LocalConfig.builder(System.getenv()), args).build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.err.printf("Starting the pipeline (model: %s, %s)...%n", config.modelLocation(),
                config.embeddedEmulators() ? "embedded ElasticMQ + dynalite + S3Proxy" : "endpoints from the environment");
        LocalPipeline pipeline;
        try {
            pipeline = LocalPipeline.start(config);
        } catch (Exception e) {
            // one line a newcomer can act on, not a 30-line trace (the trace is in the log above, at debug level)
            System.err.println("error: " + startFailure(e, config));
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM or Ctrl-C: close what can be closed within a few seconds; a forward pass stuck in native
            // code must not keep the process alive (its messages come back after the visibility timeout)
            Thread closing = Thread.ofPlatform().daemon().start(pipeline::close);
            try {
                closing.join(SHUTDOWN_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
            if (closing.isAlive()) {
                System.err.println("shutdown took over " + SHUTDOWN_GRACE_MILLIS + " ms; stopping now");
                Runtime.getRuntime().halt(143);
            }
        }));
        if (pipeline.apiUrl() == null) {
            System.err.printf("%nReady. Worker polling %s%n", pipeline.queueUrl());
            stopped.await();
            return;
        }
        String api = pipeline.apiUrl().toString();
        System.err.printf("""

                Ready. HTTP API on %1$s
                  try-it page %1$s/   completion and job events: curl -N %1$s/local/events
                  SQS %2$s, bulk lane %9$s (endpoint %3$s), DynamoDB table %4$s (endpoint %5$s)
                  S3 bucket %6$s (endpoint %7$s), jobs table %8$s
                  curl -s -X POST %1$s/qa -H 'Content-Type: application/json' \\
                       -d '{"context": "The SQuAD v2.0 Test F1 reached 83.1.", "question": "What was the F1?"}'
                  curl -s %1$s/qa/<id>
                  curl -s -X POST %1$s/jobs -H 'Content-Type: application/x-ndjson' --data-binary @examples/job.jsonl
                Ctrl-C stops it.
                """, api, pipeline.queueUrl(), pipeline.sqsEndpoint(), config.tableName(), pipeline.dynamoEndpoint(),
                config.jobs().bucket(), pipeline.s3Endpoint() == null ? "AWS" : pipeline.s3Endpoint(),
                config.jobs().tableName(),
                pipeline.bulkQueueUrl() == null ? "(none: one lane)" : pipeline.bulkQueueUrl());
        stopped.await();
    }

    /** The flags applied to the builder; an unknown flag or a bad value is an {@link IllegalArgumentException}. */
    static LocalConfig.Builder configure(LocalConfig.Builder builder, String... args) {
        for (int i = 0; i < args.length; i += 2) {
            String flag = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
            String value = args[i + 1];
            switch (flag) {
                case "--role" -> builder.role(switch (value) {
                    case "all" -> LocalConfig.Role.ALL;
                    case "api" -> LocalConfig.Role.API;
                    case "worker" -> LocalConfig.Role.WORKER;
                    default -> throw new IllegalArgumentException("--role must be all, api or worker, was '" + value + "'");
                });
                case "--batch-size" -> builder.batchSize(number(flag, value, 1, 10_000));
                case "--ack-delay-ms" -> builder.ackDelay(Duration.ofMillis(number(flag, value, 0, 3_600_000)));
                default -> throw new IllegalArgumentException("unknown flag " + flag
                        + " (flags: --role all|api|worker, --batch-size N, --ack-delay-ms N; the rest is environment "
                        + "variables, see docs/configuration.md)");
            }
        }
        return builder;
    }

    private static int number(String flag, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be an integer in " + min + ".." + max + ", was '" + value + "'");
    }

    /** What went wrong at start, said so that the next step is clear. */
    static String startFailure(Throwable e, LocalConfig config) {
        String location = config.modelLocation();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException || t instanceof java.net.ConnectException
                    && location.contains("://")) {
                return "cannot download the model " + location + " (no network: " + t.getMessage() + "). Set "
                        + "QA_MODEL_DIR to a model directory (config.json, model.pt, tokenizer.json; see model/README.md), "
                        + "e.g. QA_MODEL_DIR=model/fixtures/tiny-qa for the small test model; the default downloads "
                        + "deepset/minilm-uncased-squad2 from DJL's model zoo and needs internet access.";
            }
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.io.IOException && message.contains("model")) {
            return message + ". Set QA_MODEL_DIR to a model directory (see model/README.md), e.g. "
                    + "QA_MODEL_DIR=model/fixtures/tiny-qa for the small test model.";
        }
        return message;
    }
}
