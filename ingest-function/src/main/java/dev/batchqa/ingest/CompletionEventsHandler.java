package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.ingest.jobs.JobKicks;
import dev.batchqa.ingest.jobs.JobProgress;
import dev.batchqa.ingest.jobs.JobsWiring;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.events.CompletionEvent;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.RecordItem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Lambda entry point of CompletionEventsFunction: the table's stream (NEW_IMAGE; the event source's filter passes
 * only images whose status is DONE, FAILED or CANCELLED) to one EventBridge event per finished question, mapped by
 * {@link CompletionEvent} from the image read as {@link DynamoDbRequestStore#toRecord} reads an item. Nothing of
 * the image but id, status, times and error code leaves the function, and nothing of it is logged.
 *
 * <p>Reads the stream event as JSON itself (a {@link RequestStreamHandler}): the Lambda events library's DynamoDB
 * types are not the SDK's, and the recorded event in the tests is then exactly what the runtime passes. Reports
 * partial batch failures ({@code batchItemFailures} with the records' sequence numbers): Lambda retries from the
 * first failed record, so a subscriber may see an event twice (at least once; deduplicate on id and status).
 *
 * <pre>{@code
 * CompletionEventsHandler handler = new CompletionEventsHandler(CompletionEventsHandler.eventBridge(busName));
 * handler.handleRequest(streamEventJson, responseJson, context); // {"batchItemFailures":[...]}
 * }</pre>
 */
public final class CompletionEventsHandler implements RequestStreamHandler {
    private static final Logger log = LoggerFactory.getLogger(CompletionEventsHandler.class);
    /** The bus's name (or ARN) on the function's environment. */
    public static final String EVENT_BUS_ENV = "QA_EVENT_BUS_NAME";
    /** PutEvents takes at most 10 entries a call. */
    static final int MAX_ENTRIES_PER_PUT = 10;

    /** Where events go: one call of at most 10 events, the result of each (true = accepted). */
    public interface Bus {
        List<Boolean> put(List<CompletionEvent> events);
    }

    private final Bus bus;
    private final JobLinesHook jobs;

    /**
     * The completion path's hook for bulk jobs: each finished record's image is offered to it, and a job line is
     * counted there ({@link JobProgress}, once per line however often the stream delivers it); the job whose last
     * line this was is advanced (finalized). A failure retries the record, as a failed publish does.
     */
    public interface JobLinesHook {
        void ended(QaRecord record);

        JobLinesHook NONE = record -> {};

        static JobLinesHook of(JobProgress progress, Consumer<String> advance) {
            return r -> progress.lineEnded(r.id(), r.status(), r.error() == null ? null : r.error().code())
                    .ifPresent(advance);
        }
    }

    /** Used by the Lambda runtime: the bus named by {@value #EVENT_BUS_ENV}, and the jobs if the stack has them. */
    public CompletionEventsHandler() {
        this(eventBridge(System.getenv(EVENT_BUS_ENV)), jobsFromEnvironment());
    }

    public CompletionEventsHandler(Bus bus) {
        this(bus, JobLinesHook.NONE);
    }

    public CompletionEventsHandler(Bus bus, JobLinesHook jobs) {
        this.bus = bus;
        this.jobs = jobs;
    }

    /**
     * The job-line hook of the deployed function: counts lines, and kicks JobWorkerFunction (through the bucket, see
     * {@link JobKicks}) for a job whose last line this may have been, which writes its results and ends it. So this
     * function only updates the job table's line sets and puts kicks: it reads no question and writes no result.
     */
    private static JobLinesHook jobsFromEnvironment() {
        var parts = JobsWiring.fromEnvironment(System.getenv(), AwsClients.dynamoDb());
        if (parts.isEmpty()) return JobLinesHook.NONE;
        return JobLinesHook.of(new JobProgress(parts.get().jobs()), JobKicks.via(parts.get().files()));
    }

    /** PutEvents to {@code busName}; an entry with an error code, or a failed call, counts as not accepted. */
    public static Bus eventBridge(String busName) {
        if (busName == null || busName.isBlank()) throw new IllegalStateException(EVENT_BUS_ENV + " is not set");
        EventBridgeClient client = AwsClients.configure(EventBridgeClient.builder(), AwsClients.Target.DEFAULT,
                AwsClients.Http.URL_CONNECTION).build();
        return events -> {
            List<PutEventsRequestEntry> entries = events.stream().map(e -> PutEventsRequestEntry.builder()
                    .eventBusName(busName)
                    .source(CompletionEvent.SOURCE)
                    .detailType(CompletionEvent.DETAIL_TYPE)
                    .detail(e.toJson())
                    .build()).toList();
            List<PutEventsResultEntry> results = client.putEvents(r -> r.entries(entries)).entries();
            List<Boolean> accepted = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                accepted.add(i < results.size() && results.get(i).errorCode() == null);
            }
            return accepted;
        };
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        if (context != null) MDC.put("awsRequestId", context.getAwsRequestId());
        try {
            Json.MAPPER.writeValue(output, Map.of("batchItemFailures",
                    process(Json.MAPPER.readTree(input)).stream().map(seq -> Map.of("itemIdentifier", seq)).toList()));
        } finally {
            MDC.clear();
        }
    }

    /** The sequence numbers of the records whose event was not published. */
    List<String> process(JsonNode streamEvent) {
        Map<String, CompletionEvent> events = new LinkedHashMap<>(); // by sequence number, in stream order
        List<String> jobFailures = new ArrayList<>();
        int ignored = 0;
        for (JsonNode record : streamEvent.path("Records")) {
            JsonNode dynamodb = record.path("dynamodb");
            String sequence = dynamodb.path("SequenceNumber").asText();
            QaRecord qa;
            try {
                qa = RecordItem.toRecord(item(dynamodb.path("NewImage")));
                var event = CompletionEvent.of(qa);
                if (event.isPresent()) events.put(sequence, event.get());
                else ignored++;
            } catch (RuntimeException e) {
                // an image that is no record cannot become one on a retry: logged (without the image), skipped
                log.atWarn().addKeyValue("sequenceNumber", sequence).addKeyValue("error", e.getClass().getSimpleName())
                        .log("stream record is not a question record; no event");
                ignored++;
                continue;
            }
            try {
                jobs.ended(qa);
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("sequenceNumber", sequence).setCause(e).log("job line not counted; retried");
                jobFailures.add(sequence);
            }
        }
        List<String> failed = new ArrayList<>(jobFailures);
        List<Map.Entry<String, CompletionEvent>> all = new ArrayList<>(events.entrySet());
        for (int i = 0; i < all.size(); i += MAX_ENTRIES_PER_PUT) {
            List<Map.Entry<String, CompletionEvent>> chunk = all.subList(i, Math.min(all.size(), i + MAX_ENTRIES_PER_PUT));
            List<Boolean> accepted;
            try {
                accepted = bus.put(chunk.stream().map(Map.Entry::getValue).toList());
            } catch (RuntimeException e) {
                log.atWarn().setCause(e).addKeyValue("events", chunk.size()).log("PutEvents failed; retried");
                accepted = List.of();
            }
            for (int j = 0; j < chunk.size(); j++) {
                if ((j >= accepted.size() || !accepted.get(j)) && !failed.contains(chunk.get(j).getKey())) {
                    failed.add(chunk.get(j).getKey());
                }
            }
        }
        log.atInfo().addKeyValue("records", streamEvent.path("Records").size()).addKeyValue("published",
                events.size() - failed.size()).addKeyValue("failed", failed.size()).addKeyValue("ignored", ignored)
                .log("completion events");
        return failed;
    }

    /** A stream image (DynamoDB JSON) as the SDK's attribute map. */
    static Map<String, AttributeValue> item(JsonNode image) {
        if (!image.isObject()) throw new IllegalArgumentException("no NewImage");
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        image.fields().forEachRemaining(f -> item.put(f.getKey(), value(f.getValue())));
        return item;
    }

    private static AttributeValue value(JsonNode v) {
        if (v.has("S")) return AttributeValue.fromS(v.get("S").asText());
        if (v.has("N")) return AttributeValue.fromN(v.get("N").asText());
        if (v.has("BOOL")) return AttributeValue.fromBool(v.get("BOOL").asBoolean());
        if (v.has("NULL")) return AttributeValue.fromNul(true);
        if (v.has("B")) return AttributeValue.fromB(SdkBytes.fromByteArray(Base64.getDecoder().decode(v.get("B").asText())));
        if (v.has("SS")) return AttributeValue.fromSs(strings(v.get("SS")));
        if (v.has("NS")) return AttributeValue.fromNs(strings(v.get("NS")));
        if (v.has("L")) {
            List<AttributeValue> list = new ArrayList<>();
            v.get("L").forEach(e -> list.add(value(e)));
            return AttributeValue.fromL(list);
        }
        if (v.has("M")) return AttributeValue.fromM(item(v.get("M")));
        throw new IllegalArgumentException("unsupported attribute type " + v.fieldNames().next());
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(e -> list.add(e.asText()));
        return list;
    }
}
