package dev.batchqa.ingest;

import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.RequestStore;
import dev.batchqa.shared.store.RequestStore.Deletion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code DELETE /qa/{id}}: removes what the service stores of a question. A PENDING question becomes CANCELLED
 * (its text removed; GET shows {@code CANCELLED}; inference skips it), a DONE or FAILED one becomes a tombstone
 * (GET answers 404). Idempotent: every delete of an existing question answers 204, also a repeated one, and a
 * repeated delete of a CANCELLED question leaves it CANCELLED (it holds no user text already; turning it into a
 * tombstone would make the second delete change what GET answers). The queued message still holds the context
 * until inference consumes it or SQS drops it; the record outlives it, so the answer is never stored.
 *
 * <pre>{@code
 * DeleteQuestion delete = new DeleteQuestion(store);
 * delete.delete("1b0f5c1e-8d4a-4e9b-a1c3-5d6e7f809102"); // then 204; ApiException 404 for an unknown id
 * }</pre>
 */
final class DeleteQuestion {
    private static final Logger log = LoggerFactory.getLogger(DeleteQuestion.class);

    private final RequestStore store;

    DeleteQuestion(RequestStore store) {
        this.store = store;
    }

    /**
     * @return what the store did (every outcome but NOT_FOUND is a 204)
     * @throws ApiException 400 INVALID_ID for an id no question can have, 404 NOT_FOUND for an unknown one
     */
    Deletion delete(String id) {
        if (!QaValidator.isValidId(id)) {
            throw new ApiException(400, "INVALID_ID", "malformed id '" + GetQuestion.abbreviate(id) + "'", "id");
        }
        MDC.put("qaId", id);
        Deletion deletion = store.delete(id);
        if (deletion == Deletion.NOT_FOUND) {
            throw new ApiException(404, "NOT_FOUND", "no question with id " + id, "id");
        }
        log.atInfo().addKeyValue("qaId", id).addKeyValue("deletion", deletion.name()).log("question deleted");
        return deletion;
    }
}
