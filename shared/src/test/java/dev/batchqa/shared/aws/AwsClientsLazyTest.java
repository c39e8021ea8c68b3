package dev.batchqa.shared.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

class AwsClientsLazyTest {
    private final AtomicInteger built = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();

    private SqsClient fake() {
        built.incrementAndGet();
        return new SqsClient() {
            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }

            @Override
            public GetQueueUrlResponse getQueueUrl(GetQueueUrlRequest request) {
                if (request.queueName().equals("missing")) {
                    throw QueueDoesNotExistException.builder().message("no such queue").build();
                }
                return GetQueueUrlResponse.builder().queueUrl("http://sqs.local/" + request.queueName()).build();
            }
        };
    }

    @Test
    void buildsTheClientOnItsFirstCallOnly() {
        SqsClient sqs = AwsClients.lazy(SqsClient.class, this::fake);
        assertEquals(0, built.get(), "nothing built before a call");

        assertEquals("http://sqs.local/a", sqs.getQueueUrl(GetQueueUrlRequest.builder().queueName("a").build()).queueUrl());
        assertEquals("http://sqs.local/b", sqs.getQueueUrl(r -> r.queueName("b")).queueUrl()); // default method
        assertEquals(1, built.get(), "built once");
        sqs.close();
        assertEquals(1, closed.get(), "close reaches the built client");
    }

    @Test
    void closeBeforeAnyCallBuildsNothing() {
        SqsClient sqs = AwsClients.lazy(SqsClient.class, this::fake);
        sqs.close();
        sqs.toString();
        sqs.hashCode();
        assertEquals(0, built.get());
    }

    @Test
    void theClientsExceptionsComeThroughUnwrapped() {
        SqsClient sqs = AwsClients.lazy(SqsClient.class, this::fake);
        QueueDoesNotExistException e = assertThrows(QueueDoesNotExistException.class,
                () -> sqs.getQueueUrl(r -> r.queueName("missing")));
        assertEquals("no such queue", e.getMessage());
    }
}
