package dev.batchqa.inference;

import dev.batchqa.shared.message.Json;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch metrics in Embedded Metric Format: one JSON line per batch on stdout, which Lambda ships to
 * CloudWatch Logs and CloudWatch turns into metrics without any API call on the hot path.
 */
public final class BatchMetrics {
    static final String NAMESPACE = "BatchQa";

    private final PrintStream out;
    private final String functionName;

    public BatchMetrics(PrintStream out, String functionName) {
        this.out = out;
        this.functionName = functionName == null ? "local" : functionName;
    }

    public static BatchMetrics toStdout() {
        return new BatchMetrics(System.out, System.getenv("AWS_LAMBDA_FUNCTION_NAME"));
    }

    void record(BatchProcessor.Outcome o) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("BatchSize", o.batchSize());
        metrics.put("InferenceLatency", o.inferenceMillis());
        metrics.put("Answered", o.answered());
        metrics.put("NoAnswer", o.noAnswer());
        metrics.put("Duplicates", o.duplicates());
        metrics.put("Skipped", o.skipped());
        metrics.put("IdConflicts", o.idConflicts());
        metrics.put("Failed", o.failed());
        metrics.put("Retried", o.retried());
        metrics.put("Postponed", o.postponed());
        metrics.put("Windows", o.windows());
        metrics.put("QueueAge", o.maxQueueAgeMillis());
        Map<String, String> units = Map.of("InferenceLatency", "Milliseconds", "QueueAge", "Milliseconds");

        Map<String, Object> document = new LinkedHashMap<>();
        document.put("_aws", Map.of(
                "Timestamp", System.currentTimeMillis(),
                "CloudWatchMetrics", List.of(Map.of(
                        "Namespace", NAMESPACE,
                        "Dimensions", List.of(List.of("FunctionName")),
                        "Metrics", metrics.keySet().stream()
                                .map(name -> Map.of("Name", name, "Unit", units.getOrDefault(name, "Count")))
                                .toList()))));
        document.put("FunctionName", functionName);
        document.putAll(metrics);
        try {
            out.println(Json.MAPPER.writeValueAsString(document));
        } catch (Exception e) {
            // metrics must never fail a batch
        }
    }
}
