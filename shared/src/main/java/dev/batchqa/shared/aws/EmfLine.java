package dev.batchqa.shared.aws;

import dev.batchqa.shared.message.Json;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One CloudWatch Embedded Metric Format line: Lambda ships stdout to CloudWatch Logs, and CloudWatch turns the line
 * into metrics without any API call on the hot path. Every function writes namespace {@value #NAMESPACE} with the
 * dimension {@code FunctionName}.
 *
 * <pre>{@code
 * EmfLine emf = new EmfLine(System.out, System.getenv("AWS_LAMBDA_FUNCTION_NAME"));
 * emf.write(Map.of("Requests", 1, "Http5xx", 0), Map.of());
 * }</pre>
 */
public final class EmfLine {
    public static final String NAMESPACE = "BatchQa";

    private final PrintStream out;
    private final String functionName;

    /** @param functionName the dimension's value; null (outside Lambda) reads "local" */
    public EmfLine(PrintStream out, String functionName) {
        this.out = out;
        this.functionName = functionName == null ? "local" : functionName;
    }

    /**
     * Writes the metrics, in their order, as one line. Never throws: metrics must not fail a request or a batch.
     *
     * @param units the unit of a metric when it is not "Count" (e.g. "Milliseconds")
     */
    public void write(Map<String, ? extends Number> metrics, Map<String, String> units) {
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
            // metrics must never fail what they measure
        }
    }
}
