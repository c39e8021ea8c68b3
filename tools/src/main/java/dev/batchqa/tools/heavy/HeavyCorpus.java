package dev.batchqa.tools.heavy;

import static dev.batchqa.tools.hostile.HostileCorpus.fill;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.tools.hostile.HostileCorpus;
import dev.batchqa.shared.message.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The heavy battery's requests: legitimate, answerable, and large. Generated text is seeded, so every run sends the
 * same requests.
 */
final class HeavyCorpus {
    /** The English context of the measurement: 38,000 characters. */
    static final int ENGLISH_CHARS = 38_000;
    /**
     * CJK and Hangul contexts: 10,000 characters, about 40 windows of CJK a question, what the stand-in answers in
     * a 15 s invocation on two vCPUs without AMX (0.35 ms a padded token). A whole 40,000-character CJK context
     * (160 windows) needs 20 s there: it ends EXCEEDS_TIME_BUDGET at this timeout, as it should.
     */
    static final int SCRIPT_CHARS = 10_000;

    /** The hostile battery's English prose; {@link #ENGLISH_QUESTIONS} ask about its sentences, in order. */
    private static final List<String> ENGLISH = HostileCorpus.ENGLISH_SENTENCES;

    private HeavyCorpus() {}

    /** One POST /qa: a context and its questions. */
    record Request(String name, String context, List<String> questions) {
        Map<String, Object> body() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("context", context);
            if (questions.size() == 1) body.put("question", questions.getFirst());
            else body.put("questions", questions);
            return body;
        }
    }

    static Request english(int questions) {
        Random r = new Random(20261207);
        String context = fill(ENGLISH_CHARS, sb -> sb.append(ENGLISH.get(r.nextInt(ENGLISH.size()))).append(' '));
        List<String> qs = new ArrayList<>();
        for (int i = 0; i < questions; i++) qs.add(ENGLISH_QUESTIONS[i % ENGLISH_QUESTIONS.length] + " (" + (i + 1) + ")");
        return new Request("English, " + ENGLISH_CHARS + " chars", context, qs);
    }

    /**
     * An article of SQuAD v1.1 dev: its paragraphs joined up to {@value #ENGLISH_CHARS} characters, and the first
     * {@code questions} questions about the paragraphs kept.
     */
    static Request squadArticle(Path file, int questions) throws IOException {
        JsonNode root;
        try (InputStream in = open(file)) {
            root = Json.MAPPER.readTree(in);
        }
        for (JsonNode article : root.path("data")) {
            StringBuilder context = new StringBuilder();
            List<String> qs = new ArrayList<>();
            for (JsonNode p : article.path("paragraphs")) {
                String text = p.path("context").asText();
                if (context.length() + text.length() + 1 > ENGLISH_CHARS) break;
                context.append(text).append('\n');
                for (JsonNode qa : p.path("qas")) qs.add(qa.path("question").asText());
            }
            if (context.length() >= ENGLISH_CHARS * 3 / 4 && qs.size() >= questions) {
                return new Request("SQuAD article '" + article.path("title").asText() + "', " + context.length()
                        + " chars", context.toString().strip(), qs.subList(0, questions));
            }
        }
        throw new IllegalArgumentException("no article of " + file + " has " + questions + " questions about "
                + ENGLISH_CHARS * 3 / 4 + "+ characters");
    }

    static Request cjk(int questions) {
        Random r = new Random(20261208);
        String context = fill(SCRIPT_CHARS, sb -> sb.appendCodePoint(0x4E00 + r.nextInt(0x5000))
                .append(r.nextInt(12) == 0 ? "，" : ""));
        List<String> qs = new ArrayList<>();
        for (int i = 0; i < questions; i++) qs.add("这座城市的首都在哪里？第" + (i + 1) + "题");
        return new Request("CJK, " + SCRIPT_CHARS + " chars", context, qs);
    }

    static Request hangul(int questions) {
        Random r = new Random(20261209);
        String context = fill(SCRIPT_CHARS, sb -> {
            for (int n = 2 + r.nextInt(4); n > 0; n--) sb.appendCodePoint(0xAC00 + r.nextInt(11_172));
            sb.append(' ');
        });
        List<String> qs = new ArrayList<>();
        for (int i = 0; i < questions; i++) qs.add("수도는 어디입니까? 질문 " + (i + 1));
        return new Request("Hangul, " + SCRIPT_CHARS + " chars", context, qs);
    }

    /** The i-th question of the backlog: one question about a long English context of its own. */
    static Request longSingle(int i) {
        Random r = new Random(20261210L + i);
        String context = fill(ENGLISH_CHARS, sb -> sb.append(ENGLISH.get(r.nextInt(ENGLISH.size()))).append(' '));
        return new Request("backlog " + i, context, List.of(ENGLISH_QUESTIONS[i % ENGLISH_QUESTIONS.length]));
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
    }

    private static final String[] ENGLISH_QUESTIONS = {
        "When did the river flood the old town?",
        "Where did the merchants move their warehouses?",
        "What did the council rebuild the harbour wall with?",
        "How many people lived in the town by 1900?",
        "When did the railway reach the town?",
    };
}
