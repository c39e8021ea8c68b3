package dev.batchqa.shared.message;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The SQS message body, schema version 1. Bulk producers write it directly to the queue, so it is a public
 * contract (see README, "Message schema").
 *
 * @param version       schema version; absent means 1
 * @param id            request id; absent means "use the SQS message id"
 * @param question      the question
 * @param context       the paragraph to extract the answer from
 * @param topK          how many answers to return, 1..10; absent means 1
 * @param correlationId carried into the inference logs; absent means the request id
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QaMessage(
        Integer version, String id, String question, String context, Integer topK, String correlationId) {

    public static final int CURRENT_VERSION = 1;

    public static QaMessage of(String id, String question, String context, int topK, String correlationId) {
        return new QaMessage(CURRENT_VERSION, id, question, context, topK, correlationId);
    }
}
