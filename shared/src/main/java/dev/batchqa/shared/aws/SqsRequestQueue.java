package dev.batchqa.shared.aws;

import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaMessage;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
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

    /** SendMessageBatch in chunks within SQS's limits for one call ({@link SqsBatches#pack}: 10 entries, 256 KiB). */
    @Override
    public Set<String> sendAll(List<QaMessage> messages) {
        List<SendMessageBatchRequestEntry> entries = messages.stream()
                .map(m -> SendMessageBatchRequestEntry.builder().id(m.id()).messageBody(codec.encode(m)).build())
                .toList();
        Set<String> failed = new HashSet<>();
        for (List<SendMessageBatchRequestEntry> chunk
                : SqsBatches.pack(entries, e -> e.messageBody().getBytes(StandardCharsets.UTF_8).length)) {
            failed.addAll(sendChunk(chunk));
        }
        return failed;
    }

    private List<String> sendChunk(List<SendMessageBatchRequestEntry> entries) {
        try {
            return sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).failed().stream()
                    .map(BatchResultErrorEntry::id)
                    .toList();
        } catch (SdkException e) {
            return entries.stream().map(SendMessageBatchRequestEntry::id).toList();
        }
    }
}
