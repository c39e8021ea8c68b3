package dev.batchqa.ingest;

import dev.batchqa.shared.aws.EmfLine;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-request CloudWatch metrics in Embedded Metric Format (one JSON line on stdout, as the inference side's
 * BatchMetrics), so that failures the API handles (and answers with a 5xx, or as failed batch items, neither
 * of which is a Lambda error) still reach an alarm. Namespace {@value #NAMESPACE}, dimension FunctionName:
 * <ul>
 *   <li>{@code Requests}: 1 per request; {@code Http2xx}, {@code Http4xx}, {@code Http5xx}: its status class;
 *   <li>{@code BacklogRefused}: 1 when refused with 503 QUEUE_BACKLOG (also counted in Http5xx);
 *   <li>{@code BatchItemErrors}: items of a POST /qa/batch that failed on the server side (not stored or not
 *       queued), which the 200 response reports item by item.
 * </ul>
 */
public final class IngestMetrics {
    static final String NAMESPACE = EmfLine.NAMESPACE;
    static final List<String> NAMES = List.of("Requests", "Http2xx", "Http4xx", "Http5xx", "BacklogRefused",
            "BatchItemErrors");

    private final EmfLine emf;

    public IngestMetrics(PrintStream out, String functionName) {
        this.emf = new EmfLine(out, functionName);
    }

    /** What Lambda turns into metrics: stdout, under the function's name. */
    public static IngestMetrics toStdout() {
        return new IngestMetrics(System.out, System.getenv("AWS_LAMBDA_FUNCTION_NAME"));
    }

    /** Writes nothing (tests, the local runner). */
    public static IngestMetrics none() {
        return new IngestMetrics(new PrintStream(OutputStream.nullOutputStream()), "none");
    }

    void record(int status, boolean backlogRefused, int batchItemErrors) {
        Map<String, Integer> metrics = new LinkedHashMap<>();
        metrics.put("Requests", 1);
        metrics.put("Http2xx", status / 100 == 2 ? 1 : 0);
        metrics.put("Http4xx", status / 100 == 4 ? 1 : 0);
        metrics.put("Http5xx", status / 100 == 5 ? 1 : 0);
        metrics.put("BacklogRefused", backlogRefused ? 1 : 0);
        metrics.put("BatchItemErrors", batchItemErrors);
        emf.write(metrics, Map.of());
    }
}
