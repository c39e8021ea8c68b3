package dev.batchqa.shared;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /** SendMessageBatch in chunks of at most 10 entries and 256 KiB, SQS's limits for one call. */
    @Override
    public Set<String> sendAll(List<QaMessage> messages) {
        Set<String> failed = new HashSet<>();
        List<SendMessageBatchRequestEntry> chunk = new ArrayList<>();
        int chunkBytes = 0;
        for (QaMessage message : messages) {
            String body = codec.encode(message);
            int bytes = body.getBytes(StandardCharsets.UTF_8).length;
            if (chunk.size() == 10 || chunkBytes + bytes > Limits.MAX_MESSAGE_BYTES) {
                failed.addAll(sendChunk(chunk));
                chunk = new ArrayList<>();
                chunkBytes = 0;
            }
            chunk.add(SendMessageBatchRequestEntry.builder().id(message.id()).messageBody(body).build());
            chunkBytes += bytes;
        }
        if (!chunk.isEmpty()) failed.addAll(sendChunk(chunk));
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
