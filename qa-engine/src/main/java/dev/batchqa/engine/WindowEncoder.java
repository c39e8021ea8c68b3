package dev.batchqa.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns (question, context) into overlapping windows with the HuggingFace tokenizer itself: "only_second" truncation
 * with stride and overflow, so the question is repeated in every window and only the context is split.
 * Thread-safe (the native tokenizer is).
 */
final class WindowEncoder implements AutoCloseable {

    private final HuggingFaceTokenizer pairs;
    private final HuggingFaceTokenizer questions;
    private final int maxQueryLength;

    private WindowEncoder(HuggingFaceTokenizer pairs, HuggingFaceTokenizer questions, int maxQueryLength) {
        this.pairs = pairs;
        this.questions = questions;
        this.maxQueryLength = maxQueryLength;
    }

    /** Settings in tokenizer.json (e.g. truncation 128, padding Fixed 128) are overridden here on purpose. */
    static WindowEncoder create(Path tokenizerFile, EngineOptions settings) throws IOException {
        HuggingFaceTokenizer pairs = HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerFile)
                .optAddSpecialTokens(true)
                .optTruncateSecondOnly()
                .optMaxLength(settings.maxSeqLength())
                .optStride(settings.docStride())
                .optWithOverflowingTokens(true)
                .optPadding(false) // the engine pads per forward pass
                .build();
        try {
            HuggingFaceTokenizer questions = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerFile)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            return new WindowEncoder(pairs, questions, settings.maxQueryLength());
        } catch (IOException | RuntimeException e) {
            pairs.close();
            throw e;
        }
    }

    /** All windows of one query, in context order. */
    List<Window> encode(String question, String context) {
        Encoding first = pairs.encode(truncateQuestion(question), context, true, true);
        OffsetMap offsets = OffsetMap.of(context);
        List<Window> windows = new ArrayList<>();
        windows.add(toWindow(first, offsets));
        for (Encoding overflow : first.getOverflowing()) {
            windows.add(toWindow(overflow, offsets));
        }
        return windows;
    }

    /**
     * Keeps the question's first tokens, at most maxQueryLength (as the SQuAD reference does), by cutting the text at
     * the start of the first token that does not fit. Tokens can share a character: NFD splits a Hangul syllable into
     * 2-3 jamo tokens that all map back to that syllable, so a syllable that does not fit whole is dropped whole and
     * fewer than maxQueryLength tokens may remain. The result is a prefix of the question, and the question itself if
     * it fits. Bounded: one extra encoding in practice, at most maxQueryLength + 1 since the cut only moves back.
     */
    String truncateQuestion(String question) {
        CharSpan[] spans = questions.encode(question, false, false).getCharTokenSpans();
        if (spans.length <= maxQueryLength) {
            return question;
        }
        OffsetMap offsets = OffsetMap.of(question);
        // the cut must come before every token that does not fit, in case spans are not in order
        int cut = Integer.MAX_VALUE;
        for (int i = maxQueryLength; i < spans.length; i++) {
            cut = Math.min(cut, spans[i].getStart());
        }
        while (true) {
            String text = question.substring(0, offsets.toUtf16(cut));
            if (cut == 0 || questions.encode(text, false, false).getIds().length <= maxQueryLength) {
                return text;
            }
            // Not seen with WordPiece (greedy from the left, so a word cut at a token start keeps its first pieces),
            // but a tokenizer could re-tokenize the shorter text into more pieces: cut one token earlier.
            int earlier = 0;
            for (CharSpan span : spans) {
                if (span.getStart() < cut) {
                    earlier = Math.max(earlier, span.getStart());
                }
            }
            cut = earlier;
        }
    }

    private static Window toWindow(Encoding encoding, OffsetMap offsets) {
        long[] ids = encoding.getIds();
        long[] typeIds = encoding.getTypeIds();
        // sequence id 1 = a token of the context; -1 marks [CLS]/[SEP]. Unlike token type ids, this also works for
        // tokenizers without segments (RoBERTa), and unlike the special-token mask it keeps [UNK] answerable.
        long[] sequence = encoding.getSequenceIds();
        CharSpan[] spans = encoding.getCharTokenSpans();
        int[] start = new int[ids.length];
        int[] end = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            boolean context = sequence[i] == 1 && spans[i] != null;
            start[i] = context ? offsets.toUtf16(spans[i].getStart()) : -1;
            end[i] = context ? offsets.toUtf16(spans[i].getEnd()) : -1;
        }
        return new Window(ids, typeIds, start, end);
    }

    @Override
    public void close() {
        pairs.close();
        questions.close();
    }

    /** DJL's CharSpan offsets count Unicode code points; Java strings index UTF-16 chars. */
    static final class OffsetMap {

        private final int[] utf16; // null when the text has no surrogate pairs (offsets are equal)

        private OffsetMap(int[] utf16) {
            this.utf16 = utf16;
        }

        static OffsetMap of(String text) {
            int codePoints = text.codePointCount(0, text.length());
            if (codePoints == text.length()) {
                return new OffsetMap(null);
            }
            int[] map = new int[codePoints + 1];
            int index = 0;
            for (int cp = 0; cp < codePoints; cp++) {
                map[cp] = index;
                index += Character.charCount(text.codePointAt(index));
            }
            map[codePoints] = index;
            return new OffsetMap(map);
        }

        int toUtf16(int codePointIndex) {
            return utf16 == null ? codePointIndex : utf16[codePointIndex];
        }
    }
}
