package dev.batchqa.tools.hostile;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The inputs that cost the most per question: every script at the largest context the API accepts, tokenizations
 * that explode (jamo, byte-less emoji, 100+ character words that become one {@code [UNK]}), the longest question,
 * and the largest {@code topK}. Generated from a fixed seed, so every run sends the same text.
 *
 * <pre>{@code
 * for (HostileCorpus.Case c : HostileCorpus.hostile(40_000, 1_000)) submit(c);
 * }</pre>
 */
public final class HostileCorpus {
    /** The question that made the seed's truncation loop forever: Hangul jamo share one character span. */
    public static final String KOREAN_QUESTION =
            "대한민국의 수도는 어디이며 그 도시의 인구는 몇 명이고 가장 유명한 관광지는 무엇이며 언제 지어졌는지 알려주실 수 있나요?";

    private HostileCorpus() {}

    /**
     * One input of the battery.
     *
     * @param inputClass what makes it hostile, for the report
     */
    public record Case(String inputClass, String question, String context, int topK) {}

    /** Every hostile class at {@code maxContext} characters (UTF-16 units) and the largest topK. */
    public static List<Case> hostile(int maxContext, int maxQuestion) {
        Random r = new Random(20261129);
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("english prose", "When did the river flood the old town?",
                fill(maxContext, sb -> sb.append(ENGLISH_SENTENCES.get(r.nextInt(ENGLISH_SENTENCES.size()))).append(' ')), 10));
        cases.add(new Case("numeric table", "What was the value in 2019?",
                fill(maxContext, sb -> sb.append("| ").append(1900 + r.nextInt(130)).append(" | ")
                        .append(r.nextInt(100_000)).append('.').append(r.nextInt(100)).append(" | ")
                        .append(r.nextInt(100)).append("% |\n")), 10));
        cases.add(new Case("CJK", "首都在哪里？",
                fill(maxContext, sb -> sb.appendCodePoint(0x4E00 + r.nextInt(0x5000))
                        .append(r.nextInt(12) == 0 ? "，" : "")), 10));
        cases.add(new Case("Hangul", "수도는 어디입니까?",
                fill(maxContext, sb -> word(sb, r, 2, 5, () -> 0xAC00 + r.nextInt(11_172)).append(' ')), 10));
        cases.add(new Case("Thai (no spaces)", "เมืองหลวงอยู่ที่ไหน",
                fill(maxContext, sb -> sb.appendCodePoint(0x0E01 + r.nextInt(0x2E))), 10));
        cases.add(new Case("Arabic", "أين العاصمة؟",
                fill(maxContext, sb -> word(sb, r, 2, 8, () -> 0x0621 + r.nextInt(26)).append(' ')), 10));
        cases.add(new Case("Devanagari", "राजधानी कहाँ है?",
                fill(maxContext, sb -> word(sb, r, 2, 8, () -> 0x0915 + r.nextInt(0x25)).append(' ')), 10));
        cases.add(new Case("emoji and ZWJ sequences", "Which family is it?",
                fill(maxContext, sb -> sb.append(EMOJI[r.nextInt(EMOJI.length)])), 10));
        cases.add(new Case("combining marks", "What does it say?",
                fill(maxContext, sb -> {
                    sb.append((char) ('a' + r.nextInt(26)));
                    for (int i = r.nextInt(8); i >= 0; i--) sb.appendCodePoint(0x0300 + r.nextInt(0x70));
                    if (r.nextInt(6) == 0) sb.append(' ');
                }), 10));
        cases.add(new Case("punctuation runs", "What is it?",
                fill(maxContext, sb -> sb.append(PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())))), 10));
        cases.add(new Case("words of 100+ chars (Latin)", "Which word is the answer?",
                fill(maxContext, sb -> word(sb, r, 101, 400, () -> 'a' + r.nextInt(26)).append(' ')), 10));
        cases.add(new Case("words of 100+ chars (Cyrillic)", "Какое слово является ответом?",
                fill(maxContext, sb -> word(sb, r, 101, 2_000, () -> 0x0430 + r.nextInt(32)).append(' ')), 10));
        cases.add(new Case("Korean question, short context", KOREAN_QUESTION,
                "대한민국의 수도는 서울이며 인구는 약 940만 명이다. 가장 유명한 관광지는 1395년에 지어진 경복궁이다.", 10));
        cases.add(new Case("longest Hangul question, longest Hangul context",
                fill(maxQuestion, sb -> word(sb, r, 2, 5, () -> 0xAC00 + r.nextInt(11_172)).append(' ')),
                fill(maxContext, sb -> word(sb, r, 2, 5, () -> 0xAC00 + r.nextInt(11_172)).append(' ')), 10));
        cases.add(new Case("longest emoji question", fill(maxQuestion, sb -> sb.append(EMOJI[r.nextInt(EMOJI.length)])),
                fill(maxContext, sb -> sb.append(ENGLISH_SENTENCES.get(r.nextInt(ENGLISH_SENTENCES.size()))).append(' ')), 10));
        return cases;
    }

    /** Ordinary questions with one right answer each (the fixture model's cue rule answers them too). */
    public static List<Case> normal(int count) {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int value = 1_000 + 37 * i;
            cases.add(new Case("normal", "Which result?", "Item " + i + " has the final result " + value + " today.", 1));
        }
        return cases;
    }

    /** The expected answer of {@link #normal}'s i-th case. */
    public static String normalAnswer(int i) {
        return Integer.toString(1_000 + 37 * i);
    }

    /** Sentences of plain English prose, the heavy battery's too. */
    public static final List<String> ENGLISH_SENTENCES = List.of(
        "The river flooded the old town in 1842 after three weeks of rain.",
        "Merchants moved their warehouses to the hills north of the bridge.",
        "The council rebuilt the harbour wall with stone from the quarry.",
        "By 1900 the population had doubled to forty thousand people.",
        "A railway reached the town in 1871 and changed its trade for ever.");

    private static final String PUNCTUATION = "!?.,;:-()[]\"'";

    private static final String[] EMOJI = {
        "👨‍👩‍👧‍👦", "🇰🇷", "🇫🇷", "👍🏽", "🧑‍💻", "❤️‍🔥", "😀", "🏳️‍🌈", "🤷‍♀️", " ",
    };

    private static StringBuilder word(StringBuilder sb, Random r, int min, int max,
            java.util.function.IntSupplier codePoint) {
        int length = min + r.nextInt(max - min + 1);
        for (int i = 0; i < length; i++) sb.appendCodePoint(codePoint.getAsInt());
        return sb;
    }

    /** Appends pieces until {@code length} UTF-16 units, then cuts there without splitting a surrogate pair. */
    public static String fill(int length, Consumer<StringBuilder> piece) {
        StringBuilder sb = new StringBuilder(length + 64);
        while (sb.length() < length) piece.accept(sb);
        int end = length;
        if (Character.isHighSurrogate(sb.charAt(end - 1))) end--;
        return sb.substring(0, end).strip();
    }
}
