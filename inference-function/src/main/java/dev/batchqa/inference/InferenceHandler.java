package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.inference.engine.EngineConfig;
import dev.batchqa.inference.engine.EngineStats;
import dev.batchqa.inference.engine.QaEngine;
import dev.batchqa.shared.AwsClients;
import dev.batchqa.shared.DynamoDbRequestStore;
import dev.batchqa.shared.MessageCodec;
import dev.batchqa.shared.QaValidator;
import dev.batchqa.shared.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Lambda entry point for the SQS event source (with {@code ReportBatchItemFailures}). The model and tokenizer
 * are loaded once per container, in the constructor, never per invocation. Each batch gets the invocation's
 * remaining time as its deadline.
 */
public final class InferenceHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger log = LoggerFactory.getLogger(InferenceHandler.class);
    private final BatchProcessor processor;

    /** Used by the Lambda runtime: configuration from the environment. */
    public InferenceHandler() {
        this(fromEnvironment(System.getenv()));
    }

    public InferenceHandler(BatchProcessor processor) {
        this.processor = processor;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            return processor.process(event, context == null ? BatchProcessor.NO_DEADLINE : context.getRemainingTimeInMillis());
        } finally {
            MDC.clear();
        }
    }

    private static BatchProcessor fromEnvironment(Map<String, String> env) {
        InitPhases phases = new InitPhases();
        Settings settings = Settings.from(env);
        // The DynamoDB client (SDK classes, ~0.3-1 s under C1) is built on its own thread while libtorch and the
        // model load: at the deployed memory init has 2 vCPUs, and the engine load keeps only one of them busy.
        CompletableFuture<DynamoDbClient> dynamo = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("init-sdk").start(() -> {
            try {
                long t0 = System.nanoTime();
                DynamoDbClient client = AwsClients.dynamoDb();
                phases.put("sdkClientMs", (System.nanoTime() - t0) / 1_000_000);
                dynamo.complete(client);
            } catch (Throwable t) {
                dynamo.completeExceptionally(t);
            }
        });
        try {
            QaEngine engine = loadEngine(env, phases);
            DynamoDbRequestStore store = new DynamoDbRequestStore(dynamo.join(), settings);
            phases.mark("sdkWaitMs");
            BatchProcessor processor = new BatchProcessor(
                    engine,
                    store,
                    new MessageCodec(QaValidator.fromSettings(settings)),
                    BatchMetrics.toStdout(),
                    Clock.systemUTC(),
                    policy(env, engine),
                    settings.queueUrl() == null ? Requeue.NONE : Requeue.sqs(AwsClients::sqs, settings.queueUrl()));
            phases.log();
            return processor;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the QA model", e);
        }
    }

    /**
     * The batch policy from the environment, its first cost estimate taken from the warm-up (pessimistic: the
     * first passes are the slowest), and its window cap checked against the function's timeout: a cap that the
     * measured speed cannot answer within the timeout is logged, since such questions would end
     * {@code EXCEEDS_TIME_BUDGET} instead of {@code TOO_MANY_WINDOWS}.
     */
    public static BatchPolicy policy(Map<String, String> env, QaEngine engine) {
        BatchPolicy policy = BatchPolicy.fromEnvironment(env);
        EngineStats stats = engine.stats();
        if (stats.windows() > 0 && engine.warmUpMillis() > 0) {
            policy = policy.withInitialMillisPerWindow((double) engine.warmUpMillis() / stats.windows());
        }
        String timeout = env.get(BatchPolicy.ENV_FUNCTION_TIMEOUT_SECONDS);
        if (timeout != null && !timeout.isBlank()) {
            double needed = policy.maxWindowsPerQuestion() * policy.initialMillisPerWindow();
            double available = Integer.parseInt(timeout.trim()) * 1000.0 - policy.deadlineMargin().toMillis();
            var line = needed > available ? log.atWarn() : log.atInfo();
            line.addKeyValue("maxWindowsPerQuestion", policy.maxWindowsPerQuestion())
                    .addKeyValue("msPerWindowAtWarmUp", Math.round(policy.initialMillisPerWindow()))
                    .addKeyValue("neededMs", Math.round(needed))
                    .addKeyValue("availableMs", Math.round(available))
                    .log(needed > available ? "window cap exceeds what the timeout allows at the warm-up speed"
                            : "window cap fits the timeout at the warm-up speed");
        }
        return policy;
    }

    /**
     * The engine as the function runs it: configured from the environment and, unless {@code QA_WARMUP=false},
     * warmed up within a time budget ({@code QA_WARMUP_BUDGET_MS}, default 3000; the warm-up stops between
     * forward passes). The local runner loads it the same way.
     */
    public static QaEngine loadEngine(Map<String, String> env) throws IOException {
        return loadEngine(env, new InitPhases());
    }

    private static QaEngine loadEngine(Map<String, String> env, InitPhases phases) throws IOException {
        // libtorch (native libraries, JNI) on its own, so that the phases show it apart from the model
        ai.djl.engine.Engine.getEngine("PyTorch");
        phases.mark("libtorchMs");
        QaEngine engine = QaEngine.load(EngineConfig.fromEnvironment(env));
        phases.mark("modelAndTokenizerMs");
        try {
            if (!"false".equalsIgnoreCase(env.get("QA_WARMUP"))) {
                String budget = env.get("QA_WARMUP_BUDGET_MS");
                engine.warmUp(Duration.ofMillis(budget == null || budget.isBlank() ? 3000 : Long.parseLong(budget.trim())));
            }
            phases.mark("warmUpMs");
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Where the init time goes, logged once as "init phases": {@code jvmAndRuntimeMs} from the process start (10 ms
     * resolution) to the handler's constructor, then each step since the previous one.
     */
    static final class InitPhases {
        private final Map<String, Long> millis = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
        private long last = System.nanoTime();

        InitPhases() {
            ProcessHandle.current().info().startInstant().ifPresent(start ->
                    millis.put("jvmAndRuntimeMs", Duration.between(start, java.time.Instant.now()).toMillis()));
        }

        /** A phase timed elsewhere (on another thread). */
        void put(String phase, long ms) {
            millis.put(phase, ms);
        }

        void mark(String phase) {
            long now = System.nanoTime();
            millis.put(phase, (now - last) / 1_000_000);
            last = now;
        }

        void log() {
            var line = log.atInfo();
            synchronized (millis) {
                for (var e : millis.entrySet()) line = line.addKeyValue(e.getKey(), e.getValue());
            }
            line.log("init phases");
        }
    }
}
