package dev.batchqa.inference;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.inference.engine.EngineConfig;
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
import org.slf4j.MDC;

/**
 * Lambda entry point for the SQS event source (with {@code ReportBatchItemFailures}). The model and tokenizer
 * are loaded once per container, in the constructor, never per invocation.
 */
public final class InferenceHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final BatchProcessor processor;

    /** Used by the Lambda runtime: configuration from the environment. */
    public InferenceHandler() {
        this(fromEnvironment());
    }

    public InferenceHandler(BatchProcessor processor) {
        this.processor = processor;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            return processor.process(event);
        } finally {
            MDC.clear();
        }
    }

    private static BatchProcessor fromEnvironment() {
        Settings settings = Settings.fromEnvironment();
        try {
            return new BatchProcessor(
                    loadEngine(System.getenv()),
                    new DynamoDbRequestStore(AwsClients.dynamoDb(), settings),
                    new MessageCodec(QaValidator.fromSettings(settings)),
                    BatchMetrics.toStdout(),
                    Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the QA model", e);
        }
    }

    /**
     * The engine as the function runs it: configured from the environment and, unless {@code QA_WARMUP=false},
     * warmed up (at most ~3 s, well inside Lambda's 10 s init phase). The local runner loads it the same way.
     */
    public static QaEngine loadEngine(Map<String, String> env) throws IOException {
        QaEngine engine = QaEngine.load(EngineConfig.fromEnvironment(env));
        try {
            if (!"false".equalsIgnoreCase(env.get("QA_WARMUP"))) engine.warmUp(Duration.ofSeconds(3));
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }
}
