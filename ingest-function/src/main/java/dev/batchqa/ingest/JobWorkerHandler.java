package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.ingest.jobs.JobKicks;
import dev.batchqa.ingest.jobs.JobWorker;
import dev.batchqa.ingest.jobs.JobsWiring;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.aws.SqsRequestQueue;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Lambda entry point of JobWorkerFunction: S3's "Object Created" event (through EventBridge) of a kick
 * ({@link JobKicks}) advances that job (starts it, cancels it, finalizes it); the schedule's event sweeps every open
 * job (expiry, and whatever a crash left half done). A failure is thrown, so that Lambda retries the asynchronous
 * event.
 *
 * <pre>{@code
 * new JobWorkerHandler(worker).handleRequest(s3EventJson, out, context);
 * }</pre>
 */
public final class JobWorkerHandler implements RequestStreamHandler {
    private static final Logger log = LoggerFactory.getLogger(JobWorkerHandler.class);
    /** Open jobs a sweep advances: far more than are open at once in any use so far. */
    static final int SWEEP_LIMIT = 1_000;

    private final JobWorker worker;

    /** Used by the Lambda runtime: the table, bucket and queue named on the environment. */
    public JobWorkerHandler() {
        this(fromEnvironment());
    }

    public JobWorkerHandler(JobWorker worker) {
        this.worker = worker;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            JsonNode event = Json.MAPPER.readTree(input);
            if ("Object Created".equals(event.path("detail-type").asText())) {
                // S3's EventBridge notification: the key is not URL-encoded there
                String key = event.path("detail").path("object").path("key").asText("");
                JobKicks.jobOf(key).ifPresentOrElse(worker::advance,
                        () -> log.atWarn().log("S3 event for an object that is not a kick; ignored"));
            } else {
                int open = worker.sweep(SWEEP_LIMIT);
                log.atInfo().addKeyValue("openJobs", open).log("job sweep");
            }
            output.write("{}".getBytes(StandardCharsets.UTF_8));
        } finally {
            MDC.clear();
        }
    }

    private static JobWorker fromEnvironment() {
        Settings settings = Settings.fromEnvironment();
        QaValidator validator = QaValidator.fromSettings(settings);
        var dynamo = AwsClients.dynamoDb();
        var parts = JobsWiring.fromEnvironment(System.getenv(), dynamo)
                .orElseThrow(() -> new IllegalStateException(JobsWiring.TABLE_ENV + " and " + JobsWiring.BUCKET_ENV
                        + " must be set"));
        return parts.worker(new DynamoDbRequestStore(dynamo, settings),
                new SqsRequestQueue(AwsClients.sqs(), settings.requireQueueUrl(), new MessageCodec(validator)),
                validator, JobEventBus.eventBridge(System.getenv(CompletionEventsHandler.EVENT_BUS_ENV)),
                Clock.systemUTC());
    }
}
