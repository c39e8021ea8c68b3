package dev.batchqa.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property test of {@link WindowEncoder#truncateQuestion}: for questions in many scripts, cut at every code point
 * so that their length runs from 1 to 3 x maxQueryLength tokens, the call returns quickly, keeps a prefix of the
 * question, keeps at most maxQueryLength tokens (also in the encoded windows) and keeps exactly the question's first
 * tokens. Uses the multi-script test tokenizer (model/fixtures/make_multiscript_tokenizer.py): like bert-base-uncased
 * it splits a Hangul syllable into 2-3 jamo tokens that share one character, which the tiny-qa tokenizer cannot.
 */
class QuestionTruncationTest {

    /** Issue #12: hung the worker forever with the old cut-at-the-end-of-token-63 loop. */
    static final String KOREAN = "대한민국의 수도는 어디이며 그 도시의 인구는 몇 명이고 가장 유명한 관광지는 무엇이며 언제 "
            + "지어졌는지 알려주실 수 있나요?";

    private static final int[] MAX_QUERY_LENGTHS = {16, 64};
    private static final Map<Integer, WindowEncoder> encoders = new HashMap<>();
    private static HuggingFaceTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        Path file = Fixture.multiscriptTokenizer();
        tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false)
                .optTruncation(false).optPadding(false).build();
        for (int max : MAX_QUERY_LENGTHS) {
            encoders.put(max, WindowEncoder.create(file, settings(max)));
        }
    }

    @AfterAll
    static void close() {
        encoders.values().forEach(WindowEncoder::close);
        tokenizer.close();
    }

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("hangul", KOREAN),
                Arguments.of("latin", "What is the capital city of the country whose model score was reported?"),
                Arguments.of("latin-accents", "Où est la Crème brûlée de Zoë à Besançon, naïve Ärztin in Düsseldorf?"),
                Arguments.of("cjk", "東京是日本的首都，北京是中国的首都。上海是中国最大的城市吗？二〇二三年三月"),
                Arguments.of("thai", "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทยใช่หรือไม่ ประชากรมีกี่คน ที่นี่สวยงามมาก"),
                Arguments.of("arabic", "مَا هِيَ عَاصِمَةُ المملكة العربية السعودية وكم عدد سكانها؟ ١٢٣"),
                Arguments.of("devanagari", "भारत की राजधानी क्या है और उसकी जनसंख्या कितनी है? नमस्ते"),
                Arguments.of("emoji", "👨‍👩‍👧‍👦 🇰🇷🇯🇵🇺🇸 👍🏽❤️ 🏳️‍🌈 family👩🏽‍💻 😀😀😀 🫠"),
                Arguments.of("combining", "Zoë\u0308 e\u0301\u0302\u0303 a\u030a n\u0303 Z\u0351\u036b\u0343\u036a"
                        + "\u0302\u036b\u033d\u034f\u0334\u0319\u0324A\u0334\u0335\u031c\u0330 \u0915\u094d\u0937"),
                Arguments.of("long-words", "a".repeat(99) + " " + "b".repeat(100) + " " + "c".repeat(101) + " "
                        + "é".repeat(150) + " 한" + "국".repeat(120) + " " + "ก".repeat(130) + " x"),
                Arguments.of("punctuation", "?!?!... ,,, ;;; --- ((( ))) 。、！？「」…… ¿¡ «» ''' \"\" ### $$$"),
                Arguments.of("mixed", "What is 서울's 人口 in ไทย? مرحبا नमस्ते 😀 naïve İstanbul ﬁne Straße "
                        + "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \t\n\u00a0\u200b\u0007 Ǆemal ΐ Москва"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void everyLengthAroundTheLimitTerminatesFitsAndKeepsTheFirstTokens(String script, String base) {
        for (int max : MAX_QUERY_LENGTHS) {
            String text = repeatToAtLeast(base, 3 * max + 1);
            AtomicReference<String> current = new AtomicReference<>("");
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> checkEveryPrefix(text, max, script, current),
                    () -> script + ", maxQueryLength " + max + ": no return for " + current.get());
        }
    }

    /** The exact question of issue #12, at the default maxQueryLength 64. */
    @Test
    void theKoreanQuestionOfIssue12TerminatesWithAtMost64Tokens() {
        String question = KOREAN;
        assertTrue(ids(question).length > 64, "the question must be over the limit: " + ids(question).length);
        String kept = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> encoders.get(64).truncateQuestion(question));
        assertTrue(question.startsWith(kept));
        long[] keptIds = ids(kept);
        assertTrue(keptIds.length <= 64 && keptIds.length >= 62, "kept " + keptIds.length);
        assertArrayEquals(Arrays.copyOf(ids(question), keptIds.length), keptIds);
    }

    private static void checkEveryPrefix(String text, int max, String script, AtomicReference<String> current) {
        WindowEncoder encoder = encoders.get(max);
        int over = 0;
        for (int end = text.offsetByCodePoints(0, 1); end <= text.length(); end = next(text, end)) {
            String question = text.substring(0, end);
            current.set(question);
            long[] all = ids(question);
            String kept = encoder.truncateQuestion(question);
            String where = script + ", maxQueryLength " + max + ", " + all.length + " tokens: " + question;

            assertTrue(question.startsWith(kept), () -> "not a prefix: " + where + " -> " + kept);
            long[] keptIds = ids(kept);
            assertTrue(keptIds.length <= max, () -> keptIds.length + " tokens kept: " + where);
            // exactly the first tokens: the cut never changes how the kept words tokenize
            assertArrayEquals(Arrays.copyOf(all, keptIds.length), keptIds, () -> "not the first tokens: " + where);
            if (all.length <= max) {
                assertEquals(question, kept, () -> "a question within the limit must not change: " + where);
            } else {
                over++;
                // the cut drops whole characters only: at most the 2 other jamo of the syllable that does not fit
                int least = script.startsWith("latin") ? max : max - 2;
                assertTrue(keptIds.length >= least, () -> "only " + keptIds.length + " tokens kept: " + where);
            }
            for (Window w : encoder.encode(question, "the score 83.1 was reported in the capital city.")) {
                long questionTokens = Arrays.stream(w.typeIds).filter(t -> t == 0).count() - 2; // [CLS] and [SEP]
                assertTrue(questionTokens <= max, () -> questionTokens + " question tokens in a window: " + where);
                assertEquals(keptIds.length, questionTokens, () -> "window question differs: " + where);
            }
            if (all.length > 3 * max) {
                break;
            }
        }
        assertTrue(over > 0, script + ": no question over the limit was tried");
    }

    private static int next(String text, int index) {
        return index == text.length() ? index + 1 : text.offsetByCodePoints(index, 1);
    }

    private static String repeatToAtLeast(String base, int tokens) {
        StringBuilder text = new StringBuilder(base);
        while (ids(text.toString()).length < tokens) {
            text.append(' ').append(base);
        }
        return text.toString();
    }

    private static long[] ids(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    static EngineOptions settings(int maxQueryLength) throws IOException {
        Path dir = Fixture.multiscriptTokenizer().getParent();
        EngineOptions.Builder options = EngineOptions.builder(dir.toString())
                .withMaxSeqLength(maxQueryLength + 4 + 16 + 32).withDocStride(16).withMaxQueryLength(maxQueryLength);
        return options.resolve(dir, "model.pt", null);
    }
}
