package dev.batchqa.ingest.jobs;

/** Where job events go: the stack's EventBridge bus, or the local runner's {@code /local/events}. */
@FunctionalInterface
public interface JobEvents {
    /** Publishes the event; throws when it could not be published. */
    void publish(JobEvent event);

    JobEvents NONE = event -> {};
}
