package dev.batchqa.inference;

import dev.batchqa.shared.aws.SqsBatches;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Hands unfinished work on: a continuation message holds the questions an invocation had no time for, and is sent
 * to the queue the original came from before the original is acknowledged. So a message's receive count rises
 * only when processing really failed (an exception, a crash, a timeout), never because the work was large.
 *
 * <pre>{@code
 * Set<String> sent = continuations.send(List.of(new Continuations.Message(sourceArn, "m-1", body)));
 * // acknowledge m-1 only if it is in sent; otherwise it comes back after its visibility timeout
 * }</pre>
 */
public interface Continuations {

    /** One continuation: the queue of the original ({@code eventSourceARN}), the original's SQS id, the body. */
    record Message(String sourceArn, String originalMessageId, String body) {}

    /** Sends them; returns the original message ids whose continuation SQS accepted. Never throws. */
    Set<String> send(List<Message> messages);

    /** Accepts none: for a processor without a deadline, which never hands work on. */
    Continuations NONE = messages -> Set.of();

    /**
     * SendMessageBatch to the queue named by each message's source ARN, ten a request, with the SDK's retries.
     * The queue URL is looked up once per queue (GetQueueUrl): the function needs no setting for it, and a second
     * queue (a lane) needs no code.
     *
     * @param sqs made on first use: most invocations hand nothing on, and init stays shorter without it
     */
    static Continuations sqs(Supplier<SqsClient> sqs) {
        Logger log = LoggerFactory.getLogger(Continuations.class);
        Map<String, String> urls = new ConcurrentHashMap<>();
        return new Continuations() {
            private volatile SqsClient client;

            @Override
            public Set<String> send(List<Message> messages) {
                Set<String> sent = ConcurrentHashMap.newKeySet();
                try {
                    if (client == null) client = sqs.get();
                    Map<String, List<Message>> byQueue = new LinkedHashMap<>();
                    for (Message m : messages) byQueue.computeIfAbsent(m.sourceArn(), k -> new ArrayList<>()).add(m);
                    for (var queue : byQueue.entrySet()) {
                        String url = urls.computeIfAbsent(queue.getKey(), arn -> queueUrl(client, arn));
                        for (List<Message> batch : SqsBatches.pack(queue.getValue(),
                                m -> m.body().getBytes(StandardCharsets.UTF_8).length)) {
                            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                            for (int i = 0; i < batch.size(); i++) {
                                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                                        .messageBody(batch.get(i).body()).build());
                            }
                            var response = client.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
                            response.successful().forEach(ok ->
                                    sent.add(batch.get(Integer.parseInt(ok.id())).originalMessageId()));
                        }
                    }
                } catch (RuntimeException e) {
                    log.warn("sending continuations failed; their originals come back after the visibility timeout", e);
                }
                if (sent.size() < messages.size()) {
                    log.atWarn().addKeyValue("failed", messages.size() - sent.size())
                            .log("some continuations were not accepted; their originals will be retried");
                }
                return sent;
            }
        };
    }

    /** {@code arn:aws:sqs:region:account:name} to the queue's URL. */
    private static String queueUrl(SqsClient client, String arn) {
        String[] parts = arn == null ? new String[0] : arn.split(":");
        if (parts.length != 6) throw new IllegalArgumentException("not an SQS queue ARN: " + arn);
        return client.getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4])).queueUrl();
    }
}
