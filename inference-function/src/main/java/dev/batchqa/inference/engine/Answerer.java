package dev.batchqa.inference.engine;

import java.util.List;

/** What the SQS handler needs of the engine: answers, in query order. */
public interface Answerer {

    /** Answers all queries, batching their windows; results are in query order. */
    List<QaResult> answerAll(List<QaQuery> queries);

    /** Answers one query. */
    QaResult answer(QaQuery query);
}
