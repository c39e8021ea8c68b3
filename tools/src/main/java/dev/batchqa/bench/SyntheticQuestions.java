package dev.batchqa.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchqa.engine.QaQuery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Builds questions whose {@code [CLS] question [SEP] context [SEP]} is exactly a given number of tokens: the words
 * are drawn from the tokenizer's own vocabulary (whole lower-case words, one token each) and the count is checked
 * with the tokenizer.
 */
final class SyntheticQuestions implements AutoCloseable {

    private static final Pattern WORD = Pattern.compile("[a-z]{3,12}");

    private final HuggingFaceTokenizer tokenizer;
    private final List<String> words;

    private SyntheticQuestions(HuggingFaceTokenizer tokenizer, List<String> words) {
        this.tokenizer = tokenizer;
        this.words = words;
    }

    static SyntheticQuestions create(Path tokenizerFile) throws IOException {
        JsonNode vocab = new ObjectMapper().readTree(tokenizerFile.toFile()).path("model").path("vocab");
        List<String> words = new ArrayList<>();
        for (Iterator<String> it = vocab.fieldNames(); it.hasNext(); ) {
            String w = it.next();
            if (WORD.matcher(w).matches()) {
                words.add(w);
            }
        }
        if (words.size() < 100) {
            throw new IOException("Too few whole words in the vocabulary of " + tokenizerFile);
        }
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerFile)
                .optAddSpecialTokens(true).optTruncation(false).optPadding(false).build();
        return new SyntheticQuestions(tokenizer, words);
    }

    /** {@code count} different questions, each exactly {@code totalTokens} tokens long as a model input. */
    List<QaQuery> questions(int count, int totalTokens, long seed) {
        Random random = new Random(seed);
        List<QaQuery> queries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String question = "what is the " + word(random) + " of " + word(random) + " " + word(random) + "?";
            List<String> context = new ArrayList<>();
            int length = tokens(question, "");
            while (length < totalTokens) {
                context.add(word(random));
                // a sentence end now and then, as in real text
                if (context.size() % 12 == 0 && length + 2 < totalTokens) {
                    context.set(context.size() - 1, context.get(context.size() - 1) + ".");
                }
                length = tokens(question, String.join(" ", context));
            }
            while (length > totalTokens) {
                context.remove(context.size() - 1);
                length = tokens(question, String.join(" ", context));
            }
            if (length != totalTokens) { // a word that took two tokens: fill up with one-token words
                while (length < totalTokens) {
                    context.add("the");
                    length = tokens(question, String.join(" ", context));
                }
            }
            queries.add(new QaQuery(question, String.join(" ", context), 1));
        }
        return queries;
    }

    int tokens(String question, String context) {
        return context.isEmpty() ? tokenizer.encode(question).getIds().length + 1
                : tokenizer.encode(question, context).getIds().length;
    }

    private String word(Random random) {
        return words.get(random.nextInt(words.size()));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
