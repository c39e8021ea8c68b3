package dev.batchqa.shared.message;

import dev.batchqa.shared.config.Settings;
import java.util.Optional;
import java.util.regex.Pattern;

/** Checks one question the same way for the HTTP API and for messages written straight to SQS. */
public final class QaValidator {
    private static final Pattern ID = Pattern.compile(Limits.ID_PATTERN);

    private final int maxContextChars;
    private final int maxQuestionChars;

    public QaValidator(int maxContextChars, int maxQuestionChars) {
        this.maxContextChars = maxContextChars;
        this.maxQuestionChars = maxQuestionChars;
    }

    public static QaValidator fromSettings(Settings settings) {
        return new QaValidator(settings.maxContextChars(), settings.maxQuestionChars());
    }

    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** The first problem found, or empty when the question can be answered. */
    public Optional<FieldError> check(String question, String context, Integer topK) {
        if (question == null) return error("question", "MISSING_FIELD", "'question' is required");
        if (question.isBlank()) return error("question", "EMPTY_FIELD", "'question' must not be empty or blank");
        if (question.length() > maxQuestionChars) {
            return error("question", "TOO_LARGE", "'question' exceeds " + maxQuestionChars + " characters");
        }
        if (context == null) return error("context", "MISSING_FIELD", "'context' is required");
        if (context.isBlank()) return error("context", "EMPTY_FIELD", "'context' must not be empty or blank");
        if (context.length() > maxContextChars) {
            return error("context", "TOO_LARGE", "'context' exceeds " + maxContextChars + " characters");
        }
        if (hasInvalidText(question)) return error("question", "INVALID_TEXT", "'question' holds " + INVALID_TEXT);
        if (hasInvalidText(context)) return error("context", "INVALID_TEXT", "'context' holds " + INVALID_TEXT);
        if (topK != null && (topK < Limits.MIN_TOP_K || topK > Limits.MAX_TOP_K)) {
            return error("topK", "OUT_OF_RANGE",
                    "'topK' must be between " + Limits.MIN_TOP_K + " and " + Limits.MAX_TOP_K);
        }
        return Optional.empty();
    }

    private static final String INVALID_TEXT = "an unpaired surrogate or a noncharacter (U+FFFE, U+FFFF)";

    /**
     * Escaped JSON can carry half a surrogate pair, which no tokenizer or UTF-8 store can represent; SQS
     * refuses U+FFFE and U+FFFF in a message body.
     */
    private static boolean hasInvalidText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\uFFFE' || c == '\uFFFF') return true;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<FieldError> error(String field, String code, String message) {
        return Optional.of(new FieldError(field, code, message));
    }

    /** A problem with one field of the input. */
    public record FieldError(String field, String code, String message) {}
}
