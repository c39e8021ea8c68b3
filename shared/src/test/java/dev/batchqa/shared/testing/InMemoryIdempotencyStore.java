package dev.batchqa.shared.testing;

import dev.batchqa.shared.store.IdempotencyStore;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** An {@link IdempotencyStore} in a map: first claim wins, claims never expire; for handler unit tests. */
public class InMemoryIdempotencyStore implements IdempotencyStore {
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final Clock clock;

    /** @param clock stamps each claim's {@link Claim#claimedAt()} */
    public InMemoryIdempotencyStore(Clock clock) {
        this.clock = clock;
    }

    public InMemoryIdempotencyStore() {
        this(Clock.systemUTC());
    }

    @Override
    public Optional<Claim> claim(String keyHash, String requestId, String bodyHash) {
        return Optional.ofNullable(claims.putIfAbsent(keyHash, new Claim(requestId, bodyHash, clock.instant())));
    }

    public Map<String, Claim> claims() {
        return Map.copyOf(claims);
    }
}
