package dev.batchqa.inference;

import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.Question;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Continuations kept in memory, decoded as the next invocation would read them; can refuse like a failing SQS. */
final class RecordingContinuations implements Continuations {
    static final String QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:qa-requests";

    final List<Message> sent = new CopyOnWriteArrayList<>();
    volatile boolean refuse;
    private final MessageCodec codec;

    RecordingContinuations(MessageCodec codec) {
        this.codec = codec;
    }

    @Override
    public Set<String> send(List<Message> messages) {
        if (refuse) return Set.of();
        Set<String> accepted = new HashSet<>();
        for (Message m : messages) {
            if (!QUEUE_ARN.equals(m.sourceArn())) throw new AssertionError("sent to another queue: " + m.sourceArn());
            sent.add(m);
            accepted.add(m.originalMessageId());
        }
        return accepted;
    }

    /** The ids of every question handed on, in order. */
    List<String> continuedIds() {
        return sent.stream().flatMap(m -> decode(m).set().questions().stream()).map(Question::id).toList();
    }

    MessageCodec.Decoded decode(Message m) {
        try {
            return codec.decode(m.body(), "continuation");
        } catch (InvalidMessageException e) {
            throw new AssertionError("a continuation must decode", e);
        }
    }
}
