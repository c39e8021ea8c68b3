package dev.batchqa.bulk;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * An SqsClient in front of the real one (ElasticMQ) that records every SendMessageBatch request and lets a test
 * change what reaches the queue and what comes back: fail some entries, throw for a whole request.
 */
final class ProxySqs implements SqsClient {
    final SqsClient real;
    final List<SendMessageBatchRequest> requests = new CopyOnWriteArrayList<>();
    private final BiFunction<SendMessageBatchRequest, SqsClient, SendMessageBatchResponse> behaviour;

    ProxySqs(SqsClient real, BiFunction<SendMessageBatchRequest, SqsClient, SendMessageBatchResponse> behaviour) {
        this.real = real;
        this.behaviour = behaviour;
    }

    static ProxySqs recording(SqsClient real) {
        return new ProxySqs(real, (request, sqs) -> sqs.sendMessageBatch(request));
    }

    @Override
    public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
        requests.add(request);
        return behaviour.apply(request, real);
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {}
}
