package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The local poller enforces the function timeout as Lambda does: a stuck invocation never blocks the next. */
class SqsPollerTimeoutTest {
    private EmbeddedSqs sqsServer;
    private SqsClient sqs;
    private SqsPoller poller;

    @AfterEach
    void stop() {
        if (poller != null) poller.close();
        if (sqs != null) sqs.close();
        if (sqsServer != null) sqsServer.close();
    }

    @Test
    void aTimedOutInvocationIsAbandonedAndAFreshHandlerAnswersTheRedeliveredMessage() throws Exception {
        sqsServer = EmbeddedSqs.start(0, "us-east-1");
        sqs = SqsClient.builder().endpointOverride(sqsServer.endpoint()).region(Region.US_EAST_1)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        String queueUrl = sqs.createQueue(r -> r.queueName("timeout-test")
                .attributes(java.util.Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2"))).queueUrl();
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("{}"));

        AtomicInteger handlersMade = new AtomicInteger();
        List<Integer> remainingAtStart = new CopyOnWriteArrayList<>();
        List<String> answeredBy = new CopyOnWriteArrayList<>();
        poller = new SqsPoller(sqs, queueUrl, "arn:aws:sqs:us-east-1:000000000000:timeout-test", "us-east-1",
                "inference-function", () -> {
                    int generation = handlersMade.incrementAndGet();
                    return (RequestHandler<SQSEvent, SQSBatchResponse>) (event, context) -> {
                        remainingAtStart.add(context.getRemainingTimeInMillis());
                        if (generation == 1) {
                            // stuck as a native forward pass would be: deaf to interrupts
                            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                            while (System.nanoTime() < until) Thread.onSpinWait();
                        }
                        answeredBy.add("handler-" + generation);
                        return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
                    };
                }, Duration.ofSeconds(1), 10, Duration.ZERO, Duration.ZERO).start(1);

        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (answeredBy.isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);

        assertEquals(List.of("handler-2"), answeredBy, "the message came back and a fresh handler answered it");
        assertEquals(2, handlersMade.get());
        assertTrue(remainingAtStart.getFirst() <= 1_000 && remainingAtStart.getFirst() > 500,
                "the context counts down from the timeout: " + remainingAtStart);
        long drainDeadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String left;
        do {
            Thread.sleep(100);
            left = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes()
                    .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        } while (!"0".equals(left) && System.nanoTime() < drainDeadline);
        assertEquals("0", left, "the answered message was deleted");
    }
}
