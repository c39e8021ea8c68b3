package dev.batchqa.shared.aws;

import dev.batchqa.shared.message.QaMessage;

/** The work queue between the ingest and inference functions. */
public interface RequestQueue {
    /** Sends one message; throws when the queue did not accept it. */
    void send(QaMessage message);

    /** Sends many messages in as few calls as possible; returns the ids of the messages that were not accepted. */
    java.util.Set<String> sendAll(java.util.List<QaMessage> messages);
}
