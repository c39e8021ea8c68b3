package dev.batchqa.shared.aws;

import dev.batchqa.shared.model.QuestionSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Two queues, so that a cheap interactive question never waits behind heavy or bulk work: each set goes to the
 * interactive lane or the bulk lane by its estimated cost, and each lane has its own inference concurrency. Bulk
 * producers write to the bulk lane directly. With no bulk queue configured, both lanes are the one queue.
 *
 * <p>The estimate needs no tokenizer: one model window per {@value #BYTES_PER_WINDOW} UTF-8 bytes of context, per
 * question. Tokens per byte differ far less between scripts than tokens per character (English runs about 4-5
 * bytes a token, CJK and Hangul 3), and a window holds 384 tokens less the question, so the estimate errs high for
 * English, which only sends a borderline English request to the bulk lane.
 *
 * <pre>{@code
 * RequestQueue queue = new Lanes(interactiveQueue, bulkQueue);
 * queue.send(set); // a heavy set goes to the bulk lane
 * }</pre>
 */
public final class Lanes implements RequestQueue {
    /** UTF-8 bytes of context that make one model window, for the estimate. */
    public static final int BYTES_PER_WINDOW = 1_000;
    /**
     * Sets estimated above this many windows go to the bulk lane: one piece of the inference loop (32 windows), about
     * half a second of the stand-in model on one vCPU, a few seconds of MobileBERT.
     */
    public static final int INTERACTIVE_MAX_WINDOWS = 32;

    public enum Lane { INTERACTIVE, BULK }

    private final RequestQueue interactive;
    private final RequestQueue bulk;

    public Lanes(RequestQueue interactive, RequestQueue bulk) {
        this.interactive = interactive;
        this.bulk = bulk;
    }

    /** The lane a set belongs to. */
    public static Lane of(QuestionSet set) {
        return estimatedWindows(set) > INTERACTIVE_MAX_WINDOWS ? Lane.BULK : Lane.INTERACTIVE;
    }

    /** Model windows the set is estimated to need: its questions times its context's windows. */
    public static long estimatedWindows(QuestionSet set) {
        long contextBytes = set.context().getBytes(StandardCharsets.UTF_8).length;
        long perQuestion = Math.max(1, (contextBytes + BYTES_PER_WINDOW - 1) / BYTES_PER_WINDOW);
        return perQuestion * set.questions().size();
    }

    @Override
    public void send(QuestionSet message) {
        (of(message) == Lane.BULK ? bulk : interactive).send(message);
    }

    @Override
    public Set<String> sendAll(List<QuestionSet> messages) {
        List<QuestionSet> light = new ArrayList<>();
        List<QuestionSet> heavy = new ArrayList<>();
        for (QuestionSet m : messages) (of(m) == Lane.BULK ? heavy : light).add(m);
        Set<String> failed = new LinkedHashSet<>();
        if (!light.isEmpty()) failed.addAll(interactive.sendAll(light));
        if (!heavy.isEmpty()) failed.addAll(bulk.sendAll(heavy));
        return failed;
    }
}
