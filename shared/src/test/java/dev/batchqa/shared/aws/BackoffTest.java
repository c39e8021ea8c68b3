package dev.batchqa.shared.aws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

class BackoffTest {

    @Test
    void delaysLieInTheUpperHalfOfADoublingCappedCeiling() {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
        for (int i = 0; i < 200; i++) {
            assertBetween(b.delay(1), 25, 50);
            assertBetween(b.delay(2), 50, 100);
            assertBetween(b.delay(3), 100, 200);
            assertBetween(b.delay(30), 1_000, 2_000);
        }
    }

    @Test
    void retryableMeansClientSideThrottledOr5xx() {
        assertTrue(Backoff.isRetryable(SdkClientException.create("timeout")));
        assertTrue(Backoff.isRetryable((DynamoDbException) DynamoDbException.builder().statusCode(503).build()));
        assertFalse(Backoff.isRetryable((DynamoDbException) DynamoDbException.builder().statusCode(400).build()));
    }

    @Test
    void initialMustBeAtMostMax() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }

    private static void assertBetween(Duration d, long fromMillis, long toMillis) {
        assertTrue(d.toNanos() >= fromMillis * 1_000_000L && d.toNanos() <= toMillis * 1_000_000L, d.toString());
    }
}
