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
        Optional<FieldError> problem = checkQuestion(question);
        if (problem.isEmpty()) problem = checkContext(context);
        if (problem.isEmpty()) problem = checkOptions(topK, null);
        return problem;
    }

    /** A question's text, reported as field {@code question}. */
    public Optional<FieldError> checkQuestion(String question) {
        return checkQuestion(question, "question");
    }

    /** A question's text, reported under {@code field} (e.g. {@code questions[2]}). */
    public Optional<FieldError> checkQuestion(String question, String field) {
        return checkText(question, field, maxQuestionChars);
    }

    /** The context, reported as field {@code context}. */
    public Optional<FieldError> checkContext(String context) {
        return checkText(context, "context", maxContextChars);
    }

    /** The answer options; null means "not given" (the default applies). */
    public Optional<FieldError> checkOptions(Integer topK, Integer maxAnswerLength) {
        if (topK != null && (topK < Limits.MIN_TOP_K || topK > Limits.MAX_TOP_K)) {
            return error("topK", "OUT_OF_RANGE",
                    "'topK' must be between " + Limits.MIN_TOP_K + " and " + Limits.MAX_TOP_K);
        }
        if (maxAnswerLength != null && (maxAnswerLength < 1 || maxAnswerLength > Limits.MAX_ANSWER_LENGTH)) {
            return error("maxAnswerLength", "OUT_OF_RANGE",
                    "'maxAnswerLength' must be between 1 and " + Limits.MAX_ANSWER_LENGTH);
        }
        return Optional.empty();
    }

    private static Optional<FieldError> checkText(String text, String field, int maxChars) {
        if (text == null) return error(field, "MISSING_FIELD", "'" + field + "' is required");
        if (text.isBlank()) return error(field, "EMPTY_FIELD", "'" + field + "' must not be empty or blank");
        if (text.length() > maxChars) {
            return error(field, "TOO_LARGE", "'" + field + "' exceeds " + maxChars + " characters");
        }
        if (hasInvalidText(text)) return error(field, "INVALID_TEXT", "'" + field + "' holds " + INVALID_TEXT);
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
