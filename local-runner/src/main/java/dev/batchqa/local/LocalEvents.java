package dev.batchqa.local;

import dev.batchqa.ingest.jobs.JobEvent;
import dev.batchqa.shared.events.CompletionEvent;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local runner's stand-in for the EventBridge bus: completion events (and job events) fan out to every current subscriber
 * (the Server-Sent Events of {@code GET /local/events}). A subscriber sees the events published after it
 * subscribed, nothing earlier; one that falls {@value #MAX_BACKLOG} events behind loses the oldest (a local tool,
 * not a durable bus).
 */
public final class LocalEvents {
    private static final Logger log = LoggerFactory.getLogger(LocalEvents.class);
    static final int MAX_BACKLOG = 10_000;

    private final Set<BlockingQueue<String>> subscribers = ConcurrentHashMap.newKeySet();
    private final Clock clock;

    public LocalEvents(Clock clock) {
        this.clock = clock;
    }

    /** Offers the event, as EventBridge's envelope JSON, to every subscriber. */
    public void publish(CompletionEvent event) {
        String json = event.toEnvelopeJson(clock.instant());
        for (BlockingQueue<String> s : subscribers) {
            while (!s.offer(json)) s.poll();
        }
        log.atDebug().addKeyValue("qaId", event.id()).addKeyValue("status", event.status()).log("completion event");
    }

    /** Offers a job's end ({@code JobCompleted}, ...), as EventBridge's envelope JSON, to every subscriber. */
    public void publish(JobEvent event) {
        String json = event.toEnvelopeJson(clock.instant());
        for (BlockingQueue<String> s : subscribers) {
            while (!s.offer(json)) s.poll();
        }
        log.atInfo().addKeyValue("jobId", event.id()).addKeyValue("status", event.status()).log("job event");
    }

    /** Whether anyone listens: without a subscriber an event need not even be built. */
    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /** A queue of the envelopes published from now on; {@link #unsubscribe} it when done. */
    public BlockingQueue<String> subscribe() {
        BlockingQueue<String> queue = new LinkedBlockingQueue<>(MAX_BACKLOG);
        subscribers.add(queue);
        return queue;
    }

    public void unsubscribe(BlockingQueue<String> queue) {
        subscribers.remove(queue);
    }
}
