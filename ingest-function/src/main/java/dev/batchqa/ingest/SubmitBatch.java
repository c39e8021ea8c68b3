package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /qa/batch}: up to {@link #MAX_ITEMS} questions in one call. Each item is accepted or rejected on
 * its own; the response lists, in order, an id or an error for every item. There is no Idempotency-Key: a
 * client retries only the rejected items, by index.
 *
 * <p>All items are stored first and then queued in as few SQS calls as possible, so the order of work is
 * "validate and store each -> send all -> mark the unsent FAILED". An item whose store write fails (e.g.
 * DynamoDB throttling) is rejected with INTERNAL_ERROR and never queued; the other items still may be.
 *
 * <pre>{@code
 * BatchResponse response = new SubmitBatch(store, queue, BacklogGate.off(), validator, clock)
 *         .submit(event, correlationId);
 * // response.serverErrors(): rejections that were our fault, for the 5xx-like metric
 * }</pre>
 */
final class SubmitBatch {
    private static final Logger log = LoggerFactory.getLogger(SubmitBatch.class);
    /** Items of one POST /qa/batch: 100 questions of typical size fit the 5 MiB body limit. */
    static final int MAX_ITEMS = 100;

    /**
     * The 200 body: {@code {"accepted", "rejected", "items"}}. {@code serverErrors} is not written: it counts the
     * rejected items that were the server's fault (store or queue), which the metrics report apart.
     */
    record BatchResponse(int accepted, int rejected, List<BatchItem> items, @JsonIgnore int serverErrors) {
        BatchResponse {
            items = List.copyOf(items);
        }
    }

    /**
     * One item's outcome, in request order. Accepted: {@code id} + {@code status}. Rejected: {@code error} (its
     * {@code field} is {@code items[i].<name>}). Stored but not queued: {@code id} + {@code error}. Absent
     * fields are omitted, not null: openapi.yaml tells the cases apart by which fields are present.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BatchItem(int index, String id, String status, ErrorBody error) {
        static BatchItem accepted(int index, String id) {
            return new BatchItem(index, id, "PENDING", null);
        }

        static BatchItem rejected(int index, ErrorBody error) {
            return new BatchItem(index, null, null, error);
        }

        /** Stored, then not queued: the id is kept so the client can see the record went FAILED. */
        BatchItem unqueued() {
            return new BatchItem(index, id, null,
                    new ErrorBody("QUEUE_UNAVAILABLE", "the question could not be queued; try again later", null));
        }

        boolean isAccepted() {
            return error == null;
        }
    }

    private final RequestStore store;
    private final RequestQueue queue;
    private final BacklogGate backlog;
    private final QaValidator validator;
    private final Clock clock;

    SubmitBatch(RequestStore store, RequestQueue queue, BacklogGate backlog, QaValidator validator, Clock clock) {
        this.store = store;
        this.queue = queue;
        this.backlog = backlog;
        this.validator = validator;
        this.clock = clock;
    }

    BatchResponse submit(APIGatewayV2HTTPEvent event, String correlationId) {
        JsonNode items = items(JsonBody.read(event, JsonBody.MAX_BATCH_BODY_BYTES));
        // After the envelope is checked, before any item is: the batch as a whole is refused or taken.
        if (!backlog.admits()) throw ApiException.backlog();
        List<BatchItem> results = new ArrayList<>(items.size());
        Map<String, QuestionSet> stored = new LinkedHashMap<>();
        Map<String, Integer> indexById = new LinkedHashMap<>();
        int serverErrors = 0;
        for (int i = 0; i < items.size(); i++) {
            try {
                QuestionSet input = read(items.get(i), "items[" + i + "].");
                String id = UUID.randomUUID().toString();
                QuestionSet set = input.withQuestions(List.of(new Question(id, input.first().text())))
                        .withCorrelationId(correlationId);
                if (!store.createPending(SubmitQuestion.pending(set.first(), set, clock.instant()))) {
                    throw new IllegalStateException("id collision on " + id);
                }
                stored.put(id, set);
                indexById.put(id, i);
                results.add(BatchItem.accepted(i, id));
            } catch (ApiException e) {
                results.add(BatchItem.rejected(i, ErrorBody.of(e)));
            } catch (RuntimeException e) {
                // e.g. DynamoDB throttling: this item is not accepted, the others still may be
                log.error("storing a batch item failed", e);
                serverErrors++;
                results.add(BatchItem.rejected(i, new ErrorBody("INTERNAL_ERROR",
                        "the question could not be stored; try again later", null)));
            }
        }
        Set<String> notQueued = queue.sendAll(List.copyOf(stored.values()));
        serverErrors += notQueued.size();
        for (String id : notQueued) {
            SubmitQuestion.failQueued(store, stored.get(id));
            int index = indexById.get(id);
            results.set(index, results.get(index).unqueued());
        }
        int accepted = (int) results.stream().filter(BatchItem::isAccepted).count();
        return new BatchResponse(accepted, results.size() - accepted, results, serverErrors);
    }

    private QuestionSet read(JsonNode item, String path) {
        try {
            return QuestionReader.request(item, path, validator, false);
        } catch (QuestionReader.Invalid e) {
            throw ApiException.of(e);
        }
    }

    /** The {@code items} array of a body {@code {"items": [...]}} with 1 to {@link #MAX_ITEMS} elements. */
    private static JsonNode items(JsonNode body) {
        if (!body.isObject()) throw new ApiException(400, "INVALID_BODY", "request body must be a JSON object");
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("items")) {
                throw new ApiException(400, "UNKNOWN_FIELD", "unknown field '" + name + "'; accepted fields are [items]", name);
            }
        }
        JsonNode items = body.get("items");
        if (items == null || items.isNull()) throw new ApiException(400, "MISSING_FIELD", "'items' is required", "items");
        if (!items.isArray()) throw new ApiException(400, "WRONG_TYPE", "'items' must be an array", "items");
        if (items.isEmpty()) throw new ApiException(400, "EMPTY_FIELD", "'items' must not be empty", "items");
        if (items.size() > MAX_ITEMS) {
            throw new ApiException(413, "TOO_MANY_ITEMS", "'items' holds more than " + MAX_ITEMS + " questions", "items");
        }
        return items;
    }
}
