package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.batchqa.ingest.jobs.JobKicks;
import dev.batchqa.ingest.jobs.JobsWiring;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.aws.Lanes;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.aws.SqsRequestQueue;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.DynamoDbIdempotencyStore;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.MDC;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Lambda entry point for the HTTP API. Everything is built once per container, in the constructor. */
public final class IngestHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final IngestApi api;

    /** Used by the Lambda runtime: configuration from the environment, primed for SnapStart. */
    public IngestHandler() {
        this(fromEnvironment(Settings.fromEnvironment()));
        SnapStartPriming.register(api);
    }

    public IngestHandler(IngestApi api) {
        this.api = api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            // the remaining time bounds a GET ?wait=: the reply must leave before the function's timeout
            return api.handle(event, context == null ? null : Duration.ofMillis(context.getRemainingTimeInMillis()));
        } finally {
            MDC.clear(); // containers are reused: nothing of this request may leak into the next one's logs
        }
    }

    /** The interactive lane's queue, and the bulk lane's when one is configured. */
    public static RequestQueue queue(SqsClient sqs, Settings settings, MessageCodec codec) {
        RequestQueue interactive = new SqsRequestQueue(sqs, settings.requireQueueUrl(), codec);
        return settings.bulkQueueUrl() == null ? interactive
                : new Lanes(interactive, new SqsRequestQueue(sqs, settings.bulkQueueUrl(), codec));
    }

    public static IngestApi fromEnvironment(Settings settings) {
        QaValidator validator = QaValidator.fromSettings(settings);
        var dynamo = AwsClients.dynamoDb();
        var sqs = AwsClients.sqs();
        var keys = new DynamoDbIdempotencyStore(dynamo, settings);
        // jobs are advanced by JobWorkerFunction, kicked through the bucket: nothing runs after a response here
        JobRoutes jobs = JobsWiring.fromEnvironment(System.getenv(), dynamo)
                .map(p -> new JobRoutes(p.jobs(), p.files(), keys, JobKicks.via(p.files()), Clock.systemUTC()))
                .orElse(null);
        return new IngestApi(
                new DynamoDbRequestStore(dynamo, settings),
                keys,
                queue(sqs, settings, new MessageCodec(validator)),
                BacklogGate.sqs(sqs, settings.requireQueueUrl(), settings.bulkQueueUrl(), settings.maxBacklog()),
                IngestMetrics.toStdout(),
                validator,
                Clock.systemUTC(),
                jobs);
    }
}
