package dev.batchqa.shared;

/** The work queue between the ingest and inference functions. */
public interface RequestQueue {
    /** Sends one message; throws when the queue did not accept it. */
    void send(QaMessage message);
}
