package dev.batchqa.shared.aws;

import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
    public void send(QuestionSet message) {
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody(codec.encode(message)).build());
    }

    /** SendMessageBatch in chunks within SQS's limits for one call ({@link SqsBatches#pack}: 10 entries, 256 KiB). */
    @Override
    public Set<String> sendAll(List<QuestionSet> messages) {
        // a message's batch entry id is its first question's id: unique, since question ids are
        Map<String, QuestionSet> byEntry = new HashMap<>();
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (QuestionSet m : messages) {
            byEntry.put(m.first().id(), m);
            entries.add(SendMessageBatchRequestEntry.builder().id(m.first().id()).messageBody(codec.encode(m)).build());
        }
        Set<String> failed = new HashSet<>();
        for (List<SendMessageBatchRequestEntry> chunk
                : SqsBatches.pack(entries, e -> e.messageBody().getBytes(StandardCharsets.UTF_8).length)) {
            for (String entry : sendChunk(chunk)) {
                byEntry.get(entry).questions().stream().map(Question::id).forEach(failed::add);
            }
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
