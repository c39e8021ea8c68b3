package dev.batchqa.shared;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/** {@link RequestQueue} on an SQS queue. */
public final class SqsRequestQueue implements RequestQueue {
    private final SqsClient sqs;
    private final String queueUrl;
    private final MessageCodec codec;

    public SqsRequestQueue(SqsClient sqs, String queueUrl, MessageCodec codec) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.codec = codec;
    }

    @Override
    public void send(QaMessage message) {
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody(codec.encode(message)).build());
    }
}
