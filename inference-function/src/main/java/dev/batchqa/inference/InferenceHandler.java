package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Lambda entry point for the SQS event source (with {@code ReportBatchItemFailures}). The model and tokenizer
 * are loaded once per container, in the constructor, never per invocation. Each batch gets the invocation's
 * remaining time as its deadline. The processor is built by {@link InferenceWiring}, as the local runner builds its
 * own; the environment is read once, here ({@link Settings}, {@link EngineLoader}, {@link BatchPolicy#functionTimeout}).
 */
public final class InferenceHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    // Before the logger: this field is initialised first, so libtorch is mapped while the logging framework starts.
    private static final LibtorchPreload LIBTORCH = LibtorchPreload.start(System.getenv("PYTORCH_LIBRARY_PATH"));
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
        EngineLoader loader = EngineLoader.fromEnvironment(env);
        Duration functionTimeout = BatchPolicy.functionTimeout(env);
        // The DynamoDB client (SDK classes, ~0.3-1 s under C1) is built on its own thread while libtorch and the
        // model load: at the deployed memory init has 2 vCPUs, and the engine load keeps only one of them busy.
        CompletableFuture<DynamoDbRequestStore> dynamo = new CompletableFuture<>();
        CompletableFuture<Void> sdkWarm = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("init-sdk").start(() -> {
            try {
                long t0 = System.nanoTime();
                // pooled HTTP: a batch writes one conditional UpdateItem per question (see AwsClients.Http)
                DynamoDbRequestStore store = new DynamoDbRequestStore(
                        AwsClients.dynamoDb(AwsClients.Target.DEFAULT, AwsClients.Http.POOLED), settings);
                phases.put("sdkClientMs", (System.nanoTime() - t0) / 1_000_000);
                dynamo.complete(store);
                warmStore(store, phases);
            } catch (Throwable t) {
                dynamo.completeExceptionally(t);
            } finally {
                sdkWarm.complete(null);
            }
        });
        try {
            QaEngine engine = loadEngine(loader, phases);
            DynamoDbRequestStore store = dynamo.join();
            try {
                sdkWarm.get(SDK_WARM_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // a slow read goes on in the background; the first batch just pays what is left of it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            phases.mark("sdkWaitMs");
            BatchProcessor processor = InferenceWiring.processor(engine, store, settings, BatchMetrics.toStdout(),
                    Continuations.sqs(AwsClients::sqs), functionTimeout);
            phases.mark("fullPassMs");
            phases.log();
            return processor;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the QA model", e);
        }
    }

    /** How long init waits at most for {@link #warmStore}'s read once the engine is loaded. */
    private static final Duration SDK_WARM_UP_WAIT = Duration.ofSeconds(2);

    /**
     * One read of an id that never exists (BatchGetItem, which the function may call), on the SDK thread while the
     * engine loads: the first request through the client pays for the request pipeline's classes, the signer, the
     * JSON protocol and the HTTP connection, ~0.5-1 s at C1 that otherwise lands on the first batch. A failure
     * (permissions, network) is logged and ignored: the batch's own requests report it.
     */
    private static void warmStore(DynamoDbRequestStore store, InitPhases phases) {
        long t0 = System.nanoTime();
        try {
            store.findAll(List.of("init-warm-up-read"));
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("error", e.getClass().getName()).log("init warm-up read failed");
        }
        phases.put("sdkWarmUpMs", (System.nanoTime() - t0) / 1_000_000);
    }

    /** The loader's steps one by one, so that the init phases show libtorch, the model and the warm-up apart. */
    private static QaEngine loadEngine(EngineLoader loader, InitPhases phases) throws IOException {
        ai.djl.engine.Engine.getEngine("PyTorch"); // libtorch: native libraries and JNI
        phases.mark("libtorchMs");
        phases.put("libtorchPreloadMs", LIBTORCH.millis()); // on its own thread, from class initialisation
        QaEngine engine = loader.loadCold();
        phases.mark("modelAndTokenizerMs");
        try {
            loader.warm(engine);
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
        private final Map<String, Long> millis = Collections.synchronizedMap(new LinkedHashMap<>());
        private long last = System.nanoTime();

        InitPhases() {
            ProcessHandle.current().info().startInstant().ifPresent(start ->
                    millis.put("jvmAndRuntimeMs", Duration.between(start, Instant.now()).toMillis()));
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
