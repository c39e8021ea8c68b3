package dev.batchqa.shared.aws;

import dev.batchqa.shared.model.QuestionSet;
import java.util.List;
import java.util.Set;

/** The work queue between the ingest and inference functions: one message per {@link QuestionSet}. */
public interface RequestQueue {
    /** Sends one message; throws when the queue did not accept it. */
    void send(QuestionSet message);

    /**
     * Sends many messages in as few calls as possible; returns the ids of the questions whose message was not
     * accepted.
     */
    Set<String> sendAll(List<QuestionSet> messages);
}
