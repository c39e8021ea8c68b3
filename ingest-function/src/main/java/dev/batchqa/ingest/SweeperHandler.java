package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.PendingSweeper;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.MDC;

/**
 * Lambda entry point of SweeperFunction (an EventBridge schedule; the event itself is ignored): one
 * {@link PendingSweeper} run, which goes on until no stale PENDING record is left or the invocation's remaining
 * time less {@link #SAFETY} is spent. Packaged in the ingest jar; a DynamoDB error fails the invocation, which the
 * FunctionErrorsAlarm reports, and the next scheduled run starts over.
 */
public final class SweeperHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Left of the invocation's time for the last writes in flight and the summary log. */
    static final Duration SAFETY = Duration.ofSeconds(20);
    /** The budget when there is no Lambda context (local calls). */
    static final Duration DEFAULT_BUDGET = Duration.ofMinutes(4);

    private final PendingSweeper sweeper;

    /** Used by the Lambda runtime: configuration from the environment. */
    public SweeperHandler() {
        // pooled connections: a run makes a conditional write per record from eight threads, for minutes, where
        // the pooled client costs half the time a write (AwsClients.Http); its slower cold start does not matter here
        this(new PendingSweeper(new DynamoDbRequestStore(
                        AwsClients.dynamoDb(AwsClients.Target.DEFAULT, AwsClients.Http.POOLED), Settings.fromEnvironment()),
                Settings.pendingExpiry(System.getenv()), Clock.systemUTC()));
    }

    public SweeperHandler(PendingSweeper sweeper) {
        this.sweeper = sweeper;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> scheduledEvent, Context context) {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            Duration budget = context == null
                    ? DEFAULT_BUDGET
                    : Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis() - SAFETY.toMillis()));
            PendingSweeper.Result r = sweeper.sweep(budget);
            return Map.of("expired", r.expired(), "alreadyComplete", r.alreadyComplete(), "truncated", r.truncated());
        } finally {
            MDC.clear();
        }
    }
}
