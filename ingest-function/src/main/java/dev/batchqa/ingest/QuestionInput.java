package dev.batchqa.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.message.QuestionReader;
import java.util.Set;

/** One question as a client submits it: {@code {"context", "question", "topK"?}}, checked field by field. */
record QuestionInput(String question, String context, int topK) {
    private static final Set<String> FIELDS = Set.of("question", "context", "topK");

    /**
     * @param path where the object sits in the body, for error messages: "" for POST /qa, "items[3]." in a batch
     */
    static QuestionInput parse(JsonNode node, String path, QaValidator validator) {
        if (!node.isObject()) {
            throw new ApiException(400, "INVALID_BODY", (path.isEmpty() ? "request body" : path.substring(0, path.length() - 1))
                    + " must be a JSON object", path.isEmpty() ? null : path.substring(0, path.length() - 1));
        }
        QuestionReader.unknownField(node, FIELDS).ifPresent(name -> {
            throw new ApiException(400, "UNKNOWN_FIELD",
                    "unknown field '" + path + name + "'; accepted fields are " + FIELDS, path + name);
        });
        String question;
        String context;
        Integer topK;
        try {
            question = QuestionReader.text(node, "question");
            context = QuestionReader.text(node, "context");
            topK = QuestionReader.integer(node, "topK");
        } catch (QuestionReader.WrongType e) {
            throw new ApiException(400, "WRONG_TYPE", e.messageAt(path), path + e.field());
        }
        validator.check(question, context, topK).ifPresent(problem -> {
            int status = problem.code().equals("TOO_LARGE") ? 413 : 400;
            throw new ApiException(status, problem.code(), problem.message(), path + problem.field());
        });
        return new QuestionInput(question, context, topK == null ? Limits.DEFAULT_TOP_K : topK);
    }

    /** A digest of what was asked, to tell a retry of the same request from a different one. */
    String sha256() {
        // length-prefixed, so that no two different (question, context, topK) give the same text
        return Digests.sha256(question.length() + ":" + question + context.length() + ":" + context + topK);
    }
}
