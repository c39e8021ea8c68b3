package dev.batchqa.engine;

import java.util.List;

/** What the SQS handler needs of the engine: answers, in query order. */
public interface Answerer {

    /** Answers all queries, batching their windows; results are in query order. */
    List<QaResult> answerAll(List<QaQuery> queries);

    /** Answers one query. */
    QaResult answer(QaQuery query);

    /** Tokenizes one query without running the model, so that its cost is known first. */
    default PreparedQuery prepare(QaQuery query) {
        return PreparedQuery.unsplit(query, 1);
    }

    /** Which model answers, for the records; null when unknown. */
    default ModelIdentity identity() {
        return null;
    }

    /** Answers queries from {@link #prepare}, batching their windows; results are in the same order. */
    default List<QaResult> answerPrepared(List<PreparedQuery> prepared) {
        return answerAll(prepared.stream().map(PreparedQuery::query).toList());
    }
}
