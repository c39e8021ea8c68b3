package dev.batchqa.inference;

import dev.batchqa.shared.aws.EmfLine;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CloudWatch metrics in Embedded Metric Format: one JSON line per batch on stdout, which Lambda ships to
 * CloudWatch Logs and CloudWatch turns into metrics without any API call on the hot path.
 */
public final class BatchMetrics {
    static final String NAMESPACE = EmfLine.NAMESPACE;

    private final EmfLine emf;

    public BatchMetrics(PrintStream out, String functionName) {
        this.emf = new EmfLine(out, functionName);
    }

    public static BatchMetrics toStdout() {
        return new BatchMetrics(System.out, System.getenv("AWS_LAMBDA_FUNCTION_NAME"));
    }

    void record(BatchOutcome o) {
        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("BatchSize", o.batchSize());
        metrics.put("InferenceLatency", o.inferenceMillis());
        metrics.put("Answered", o.answered());
        metrics.put("NoAnswer", o.noAnswer());
        metrics.put("Duplicates", o.duplicates());
        metrics.put("Skipped", o.skipped());
        metrics.put("IdConflicts", o.idConflicts());
        metrics.put("Failed", o.failed());
        metrics.put("Retried", o.retried());
        metrics.put("Continued", o.continuedQuestions());
        metrics.put("Continuations", o.continuations());
        metrics.put("Windows", o.windows());
        metrics.put("Tokens", o.tokens());
        metrics.put("QueueAge", o.maxQueueAgeMillis());
        emf.write(metrics, Map.of("InferenceLatency", "Milliseconds", "QueueAge", "Milliseconds"));
    }
}
