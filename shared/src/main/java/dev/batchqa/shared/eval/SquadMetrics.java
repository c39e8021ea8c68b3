package dev.batchqa.shared.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and F1 as the official SQuAD evaluation scripts (v1.1 and v2.0) compute them: normalize by lower-casing,
 * removing ASCII punctuation ({@code string.punctuation}), removing the articles a/an/the and folding whitespace; score
 * against every gold answer and keep the maximum. Shared by the benchmarks and bulk-submit's {@code --score}.
 */
public final class SquadMetrics {

    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    /** Python's {@code re.compile(r'\b(a|an|the)\b', re.UNICODE)}. */
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);

    private SquadMetrics() {}

    /** lower -> remove punctuation -> remove articles -> fold whitespace, in the official order. */
    public static String normalize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        StringBuilder noPunct = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                noPunct.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
        return String.join(" ", split(noArticles));
    }

    /** Python's {@code str.split()}: split on runs of whitespace, no empty tokens. */
    static List<String> split(String s) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && isPythonSpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < s.length() && !isPythonSpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                tokens.add(s.substring(start, i));
            }
        }
        return tokens;
    }

    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    public static double exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1.0 : 0.0;
    }

    /** Token-level F1 (v2.0 script: if either side has no tokens, 1 when both are empty, else 0). */
    public static double f1(String prediction, String gold) {
        List<String> pred = split(normalize(prediction));
        List<String> truth = split(normalize(gold));
        if (pred.isEmpty() || truth.isEmpty()) {
            return pred.equals(truth) ? 1.0 : 0.0;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String t : truth) {
            counts.merge(t, 1, Integer::sum);
        }
        int same = 0;
        for (String p : pred) {
            Integer left = counts.get(p);
            if (left != null && left > 0) {
                counts.put(p, left - 1);
                same++;
            }
        }
        if (same == 0) {
            return 0.0;
        }
        double precision = (double) same / pred.size();
        double recall = (double) same / truth.size();
        return 2 * precision * recall / (precision + recall);
    }

    public static double maxExactMatch(String prediction, List<String> golds) {
        return golds.stream().mapToDouble(g -> exactMatch(prediction, g)).max().orElse(0.0);
    }

    public static double maxF1(String prediction, List<String> golds) {
        return golds.stream().mapToDouble(g -> f1(prediction, g)).max().orElse(0.0);
    }

    /**
     * The gold answers as the v2.0 script uses them: answers whose normalized text is empty are dropped, and a
     * question left without answers (unanswerable) has the single gold {@code ""}.
     */
    public static List<String> goldAnswers(List<String> answers) {
        List<String> golds = answers.stream().filter(a -> !normalize(a).isEmpty()).toList();
        return golds.isEmpty() ? List.of("") : golds;
    }
}
