package dev.batchqa.shared.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Idempotency-Key claims: which request id a caller's key created, for which body. First come, first served:
 * of concurrent claims of one key exactly one wins, the others read the winner's claim.
 *
 * <pre>{@code
 * var earlier = keys.claim(keyHash, newId, bodyHash);
 * String id = earlier.map(IdempotencyStore.Claim::requestId).orElse(newId);
 * }</pre>
 *
 * A claim is never given up: it lives at least as long as the record it points to, so a retry with the same
 * key always finds the request the first attempt started (and can finish starting it).
 */
public interface IdempotencyStore {

    /**
     * Claims {@code keyHash} for {@code requestId}. Returns empty when this call made the claim, or the claim
     * made earlier with the same key (its request id and body hash) while that one has not expired.
     */
    Optional<Claim> claim(String keyHash, String requestId, String bodyHash);

    /**
     * An idempotency key's claim: which request it created, for which body, and when.
     *
     * @param requestId the request's id; for a request of several questions, their ids in request order joined by
     *                  {@code ","} (ids never contain one), so that a replay answers with the same ids
     * @param claimedAt when the first attempt claimed the key: its records were created then or not at all, so a
     *                  replay tells from it whether a missing record may have been completed and expired
     */
    record Claim(String requestId, String bodyHash, Instant claimedAt) {}
}
