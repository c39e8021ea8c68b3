package dev.batchqa.shared.store;

import dev.batchqa.shared.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How long the items of the records' table live, one set of rules for the question records and the idempotency
 * claims that point at them. TTL deletes lazily (and emulators not at all), so reads treat an item whose
 * {@code expiresAt} has passed as absent ({@link #isExpired}).
 *
 * <ul>
 *   <li>A PENDING record must outlive its message: a question can wait in the queue (4 days) and then in the
 *       dead-letter queue (14 days) before it completes, so it lives {@link #PENDING_MIN_TTL} (or the result TTL
 *       when longer). Only a completed record gets the result TTL.</li>
 *   <li>A completion creates a missing record (bulk messages have none) only while its message is younger than the
 *       result TTL ({@link #mayCreate}): any earlier completion of the same message happened after it was sent, so it
 *       cannot have expired yet; an older message without a record may be a redelivery or a dead letter of a record
 *       that was completed and has expired, and must not come back as a second, different outcome.</li>
 *   <li>A claim lives the PENDING lifetime plus one result TTL ({@link #claimTtl}): a record is PENDING at most that
 *       long, and its completion keeps it one result TTL more, so a key never outlives its claim while its record is
 *       readable.</li>
 *   <li>A CANCELLED record or a tombstone lives as long from its delete ({@link #withdrawnUntil}): as long as a
 *       claim can still point at it, so that a retry with the key finds it instead of storing the deleted question
 *       again, and longer than any message can live in the queues, so that a late message cannot recreate it.</li>
 * </ul>
 *
 * <pre>{@code
 * Lifetimes lifetimes = new Lifetimes(settings.resultTtl(), Clock.systemUTC());
 * Instant expiresAt = lifetimes.pendingUntil(record.createdAt());
 * }</pre>
 *
 * @param resultTtl how long a completed record is kept ({@link Settings#resultTtl()}); zero for a store that only
 *     reads
 * @param clock what "now" is
 */
public record Lifetimes(Duration resultTtl, Clock clock) {
    /** SQS's longest retention (14 days, the dead-letter queue's) plus a day. */
    public static final Duration PENDING_MIN_TTL = Duration.ofDays(15);

    public Lifetimes {
        Objects.requireNonNull(resultTtl, "resultTtl");
        Objects.requireNonNull(clock, "clock");
        if (resultTtl.isNegative()) throw new IllegalArgumentException("resultTtl must not be negative");
    }

    /** How long a record may stay PENDING: {@link #PENDING_MIN_TTL}, or the result TTL when longer. */
    public Duration pendingTtl() {
        return resultTtl.compareTo(PENDING_MIN_TTL) > 0 ? resultTtl : PENDING_MIN_TTL;
    }

    /** When a PENDING record created at {@code createdAt} expires. */
    public Instant pendingUntil(Instant createdAt) {
        return createdAt.plus(pendingTtl());
    }

    /** When a record completed now expires. */
    public Instant completedUntil() {
        return clock.instant().plus(resultTtl);
    }

    /** When a record cancelled or deleted now expires. */
    public Instant withdrawnUntil() {
        return clock.instant().plus(claimTtl());
    }

    /** How long an idempotency claim lives: the PENDING lifetime plus one result TTL. */
    public Duration claimTtl() {
        return pendingTtl().plus(resultTtl);
    }

    /** Whether a record created at {@code createdAt} may be gone already, completed and expired. */
    public boolean mayHaveExpired(Instant createdAt) {
        return !createdAt.plus(resultTtl).isAfter(clock.instant());
    }

    /** Whether a completion of a message sent at {@code sentAt} (null: unknown) may create a missing record. */
    public boolean mayCreate(Instant sentAt) {
        return sentAt == null || !mayHaveExpired(sentAt);
    }

    /** Whether an item's {@code expiresAt} has passed: it counts as absent, whether TTL has deleted it or not. */
    public boolean isExpired(Map<String, AttributeValue> item) {
        AttributeValue expires = item.get(RecordItem.EXPIRES_AT);
        return expires != null && Long.parseLong(expires.n()) <= clock.instant().getEpochSecond();
    }
}
