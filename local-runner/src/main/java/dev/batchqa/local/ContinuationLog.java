package dev.batchqa.local;

import dev.batchqa.inference.Continuations;
import dev.batchqa.shared.message.InvalidMessageException;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.Question;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the local pipeline's inference handed on: for each question id, the highest continuation count sent for it.
 * The batteries read it to say how many invocations a request took (1 + its last continuation's count); ids only.
 *
 * <pre>{@code
 * int handedOn = pipeline.continuations().count("7a9d...");
 * }</pre>
 */
public final class ContinuationLog {
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    /** {@code sender}, noting each continuation SQS accepted. */
    Continuations recording(Continuations sender, MessageCodec codec) {
        return messages -> {
            var sent = sender.send(messages);
            for (Continuations.Message m : messages) {
                if (!sent.contains(m.originalMessageId())) continue;
                try {
                    MessageCodec.Decoded d = codec.decode(m.body(), m.originalMessageId());
                    for (Question q : d.set().questions()) counts.merge(q.id(), d.continuation().count(), Math::max);
                } catch (InvalidMessageException e) {
                    throw new IllegalStateException("a continuation the pipeline wrote does not decode", e);
                }
            }
            return sent;
        };
    }

    /** Times the question was handed on; 0 when it never was. */
    public int count(String questionId) {
        return counts.getOrDefault(questionId, 0);
    }

    /** Continuation messages are counted per question; the total of questions handed on, with repeats. */
    public int questionsHandedOn() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
}
