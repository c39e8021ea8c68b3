package dev.batchqa.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.shared.message.QaValidator;
import java.util.Iterator;
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
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new ApiException(400, "UNKNOWN_FIELD",
                        "unknown field '" + path + name + "'; accepted fields are " + FIELDS, path + name);
            }
        }
        String question = text(node, "question", path);
        String context = text(node, "context", path);
        Integer topK = integer(node, "topK", path);
        validator.check(question, context, topK).ifPresent(problem -> {
            int status = problem.code().equals("TOO_LARGE") ? 413 : 400;
            throw new ApiException(status, problem.code(), problem.message(), path + problem.field());
        });
        return new QuestionInput(question, context, topK == null ? 1 : topK);
    }

    /** A digest of what was asked, to tell a retry of the same request from a different one. */
    String sha256() {
        // length-prefixed, so that no two different (question, context, topK) give the same text
        return Digests.sha256(question.length() + ":" + question + context.length() + ":" + context + topK);
    }

    private static String text(JsonNode body, String field, String path) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) {
            throw new ApiException(400, "WRONG_TYPE", "'" + path + field + "' must be a string", path + field);
        }
        return node.textValue();
    }

    private static Integer integer(JsonNode body, String field, String path) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new ApiException(400, "WRONG_TYPE", "'" + path + field + "' must be an integer", path + field);
        }
        return node.intValue();
    }
}
