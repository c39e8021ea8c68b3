package dev.batchqa.inference;

import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.PreparedQuery;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the inference handler's {@link BatchProcessor} from its parts, one way for the Lambda function
 * ({@link InferenceHandler}) and the local runner: the codec from the settings' limits, the batch policy from the
 * function's timeout with its first cost estimate measured on the engine, the system clock. Only the parts that
 * differ are given: the engine, the store (the local runner decorates it), where metrics and continuations go.
 *
 * <pre>{@code
 * BatchProcessor processor = InferenceWiring.processor(engine, store, settings, BatchMetrics.toStdout(),
 *         Continuations.sqs(AwsClients::sqs), BatchPolicy.functionTimeout(env));
 * }</pre>
 */
public final class InferenceWiring {
    private static final Logger log = LoggerFactory.getLogger(InferenceWiring.class);

    private InferenceWiring() {}

    /** The codec both the function and the local runner decode messages with: the settings' validation limits. */
    public static MessageCodec codec(Settings settings) {
        return new MessageCodec(QaValidator.fromSettings(settings));
    }

    /** The function's processor: the policy {@link BatchPolicy#forTimeout} gives its timeout. */
    public static BatchProcessor processor(Answerer engine, RequestStore store, Settings settings,
            BatchMetrics metrics, Continuations continuations, Duration functionTimeout) {
        return processor(engine, store, codec(settings), metrics, continuations,
                BatchPolicy.forTimeout(functionTimeout), functionTimeout);
    }

    /**
     * As above, with a codec already built (one per process, shared by its handlers) and the policy given: the local
     * runner's, which a tool may give another window cap.
     */
    public static BatchProcessor processor(Answerer engine, RequestStore store, MessageCodec codec,
            BatchMetrics metrics, Continuations continuations, BatchPolicy policy, Duration functionTimeout) {
        return new BatchProcessor(engine, store, codec, metrics, Clock.systemUTC(),
                measured(policy, engine, functionTimeout), continuations);
    }

    /**
     * The batch policy with its first cost estimate measured on one
     * full-length pass (the warm-up's short passes cost far less per token than the full windows of a long context,
     * and an estimate taken from them starts long questions with too little time left), and its window cap checked
     * against the timeout: a cap that the measured speed cannot answer within the timeout is logged as a warning,
     * since such questions would end {@code EXCEEDS_TIME_BUDGET} instead of {@code TOO_MANY_WINDOWS}.
     */
    static BatchPolicy measured(BatchPolicy configured, Answerer engine, Duration functionTimeout) {
        BatchPolicy policy = configured.withInitialMillisPerToken(fullPassMillisPerToken(engine));
        double needed = policy.maxWindowsPerQuestion() * (double) PreparedQuery.NOMINAL_WINDOW_TOKENS
                * policy.initialMillisPerToken();
        long timeoutMillis = functionTimeout.toMillis();
        double available = timeoutMillis - policy.marginFor(timeoutMillis).toMillis();
        var line = needed > available ? log.atWarn() : log.atInfo();
        line.addKeyValue("maxWindowsPerQuestion", policy.maxWindowsPerQuestion())
                .addKeyValue("msPerKiloTokenAtInit", Math.round(policy.initialMillisPerToken() * 10_000) / 10.0)
                .addKeyValue("neededMs", Math.round(needed))
                .addKeyValue("availableMs", Math.round(available))
                .log(needed > available ? "window cap exceeds what the timeout allows at the warm-up speed"
                        : "window cap fits the timeout at the warm-up speed");
        return policy;
    }

    /**
     * Times one question whose context fills a whole window: milliseconds per padded token. Run twice, the first
     * time untimed: the first pass of a new shape pays one-off costs (the TorchScript executor's profiling and
     * optimisation) that make a single timed pass read tens of times too slow under load.
     */
    static double fullPassMillisPerToken(Answerer engine) {
        QaQuery query = new QaQuery("What is the sentence about?",
                "The measuring sentence is about the weather in the city. ".repeat(33), 1);
        engine.answerPrepared(List.of(engine.prepare(query)));
        PreparedQuery timed = engine.prepare(query);
        long t0 = System.nanoTime();
        engine.answerPrepared(List.of(timed));
        double millis = (System.nanoTime() - t0) / 1e6;
        return Math.max(1e-4, millis / Math.max(1, timed.tokens()));
    }
}
