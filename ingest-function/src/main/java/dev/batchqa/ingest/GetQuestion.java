package dev.batchqa.ingest;

import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.RequestStore;
import org.slf4j.MDC;

/**
 * {@code GET /qa/{id}}: the record of one question, whatever its status.
 *
 * <pre>{@code
 * RecordView view = new GetQuestion(store).get("1b0f5c1e-8d4a-4e9b-a1c3-5d6e7f809102");
 * }</pre>
 */
final class GetQuestion {
    private final RequestStore store;

    GetQuestion(RequestStore store) {
        this.store = store;
    }

    /** @throws ApiException 400 INVALID_ID for an id no question can have, 404 NOT_FOUND for an unknown one */
    RecordView get(String id) {
        // Checked before the store sees it: a malformed id cannot exist, and the message quotes at most 70
        // characters of it so that a huge path does not become a huge response.
        if (!QaValidator.isValidId(id)) {
            throw new ApiException(400, "INVALID_ID", "malformed id '" + abbreviate(id) + "'", "id");
        }
        MDC.put("qaId", id);
        return store.find(id)
                .map(RecordView::of)
                .orElseThrow(() -> new ApiException(404, "NOT_FOUND", "no question with id " + id, "id"));
    }

    private static String abbreviate(String s) {
        return s.length() > 70 ? s.substring(0, 70) + "..." : s;
    }
}
