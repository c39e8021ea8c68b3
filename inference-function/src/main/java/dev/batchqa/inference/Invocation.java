package dev.batchqa.inference;

import dev.batchqa.engine.Answerer;
import dev.batchqa.engine.PreparedQuery;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.Question;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One invocation's pass through its questions: orders them, cuts them into pieces that fit the time left, runs
 * each piece through the answerer and hands the answers to the writer. What it leaves unanswered is marked on
 * each {@link MessageWork} ({@code unfinished}, or {@code mustRetry} after a failure) for the processor to hand on.
 *
 * <pre>{@code
 * Invocation invocation = new Invocation(answerer, policy, speed, writer, deadline, outcome);
 * invocation.answer(work);
 * invocation.awaitWrites();
 * }</pre>
 */
final class Invocation {
    private static final Logger log = LoggerFactory.getLogger(Invocation.class);
    private static final ErrorInfo INFERENCE_ERROR =
            new ErrorInfo("INFERENCE_ERROR", "the model could not answer this question");
    /** Asked when a question fails alone: if the model answers this, the failure was the question's. */
    private static final QaQuery KNOWN_GOOD = new QaQuery("What is the weather like?",
            "The weather in the city is sunny and warm today.", 1);

    private final Answerer answerer;
    private final BatchPolicy policy;
    private final SpeedEstimate speed;
    private final AnswerWriter writer;

    private final Deadline deadline;
    private final BatchOutcome outcome;
    private final AnswerWriter.Batch writes;
    /** Some piece has run in this invocation. */
    private boolean started;
    /** The deadline, or a failing model, ended the work. */
    private boolean stopped;
    /** Null until a question failed alone; then whether the model still answers a known-good question. */
    private Boolean modelHealthy;

    Invocation(Answerer answerer, BatchPolicy policy, SpeedEstimate speed, AnswerWriter writer, Deadline deadline,
            BatchOutcome outcome) {
        this.answerer = answerer;
        this.policy = policy;
        this.speed = speed;
        this.writer = writer;
        this.deadline = deadline;
        this.outcome = outcome;
        this.writes = writer.batch();
    }

    /** Answers the questions of {@code work} until they are done or the deadline stops the work. */
    void answer(List<MessageWork> work) {
        Deque<Item> queue = new ArrayDeque<>(ordered(work));
        while (!queue.isEmpty() && !stopped) {
            List<Item> piece = nextPiece(queue);
            if (!piece.isEmpty()) run(piece);
        }
        for (Item left : queue) {
            left.prepared = null;
            if (stopped && modelHealthy == Boolean.FALSE) left.work.mustRetry = true;
            else left.work.unfinished.add(left.question);
        }
    }

    /**
     * Takes questions from the queue while they fit the piece's size and the time left. An empty piece with
     * the queue not empty means the deadline stopped the work.
     */
    private List<Item> nextPiece(Deque<Item> queue) {
        List<Item> piece = new ArrayList<>();
        int windows = 0;
        long tokens = 0;
        while (!queue.isEmpty()) {
            Item item = queue.peekFirst();
            if (item.prepared == null && !prepare(item)) {
                queue.pollFirst();
                if (stopped) return piece;
                continue;
            }
            boolean oneByOne = item.work.redelivered() || (!piece.isEmpty() && piece.getFirst().work.redelivered());
            if (!piece.isEmpty() && (oneByOne || windows + item.windows() > policy.chunkWindows())) break;
            if (!deadline.fits(speed.pessimisticMillis(tokens + item.tokens()))) {
                if (!piece.isEmpty()) break; // run what fits; the next look decides on this one
                // refused for good only on a speed measured on real work: the init figure can be far off
                // (a first pass of a new shape, a busy neighbour), and a refusal is final
                if (speed.measured() && !deadline.fitsWhole(speed.optimisticMillis(item.tokens()))) {
                    queue.pollFirst();
                    item.work.withIds(item.question, () -> log.atWarn().addKeyValue("windows", item.windows())
                            .addKeyValue("tokens", item.tokens()).log("question refused: exceeds the time budget"));
                    writer.fail(item.work, item.question, new ErrorInfo("EXCEEDS_TIME_BUDGET", "the context needs "
                            + item.windows() + " model windows, more than this deployment can answer within"
                            + " its timeout"), outcome);
                    item.prepared = null;
                    continue;
                }
                if (!started) {
                    // nothing has run yet, so no later invocation would do better: run it alone, which also
                    // measures the speed for the next decisions
                    piece.add(queue.pollFirst());
                    return piece;
                }
                stopped = true;
                return piece;
            }
            piece.add(queue.pollFirst());
            windows += item.windows();
            tokens += item.tokens();
        }
        return piece;
    }

    /** Tokenizes one question; false when it ended here (over the cap, or input the tokenizer cannot take). */
    private boolean prepare(Item item) {
        MessageWork w = item.work;
        try {
            item.prepared = answerer.prepare(w.query(item.question));
        } catch (RuntimeException e) {
            w.withIds(item.question, () -> log.error("tokenizing one question failed", e));
            if (modelAnswers()) {
                writer.fail(w, item.question, INFERENCE_ERROR, outcome);
            } else {
                // a closed or broken engine (a sandbox replaced after a timeout) fails every question alike
                w.mustRetry = true;
                stopped = true;
            }
            return false;
        }
        int windows = item.prepared.windows();
        if (windows > policy.maxWindowsPerQuestion()) {
            item.prepared = null;
            w.withIds(item.question, () -> log.atWarn().addKeyValue("windows", windows)
                    .addKeyValue("maxWindows", policy.maxWindowsPerQuestion()).log("question refused: too many windows"));
            writer.fail(w, item.question, new ErrorInfo("TOO_MANY_WINDOWS", "the context needs " + windows
                    + " model windows; this deployment answers at most " + policy.maxWindowsPerQuestion()
                    + " per question"), outcome);
            return false;
        }
        return true;
    }

    private void run(List<Item> piece) {
        started = true;
        long windows = 0;
        long tokens = 0;
        for (Item i : piece) {
            windows += i.windows();
            tokens += i.tokens();
        }
        long t0 = System.nanoTime();
        List<QaResult> results;
        try {
            results = answerer.answerPrepared(piece.stream().map(i -> i.prepared).toList());
            speed.observe(tokens, System.nanoTime() - t0);
        } catch (RuntimeException pieceError) {
            log.atWarn().addKeyValue("questions", piece.size()).setCause(pieceError)
                    .log("inference failed for a piece; answering its questions one by one");
            results = isolate(piece);
        }
        outcome.windows += windows;
        outcome.tokens += tokens;
        for (int i = 0; i < piece.size(); i++) {
            Item item = piece.get(i);
            item.prepared = null; // the windows' memory goes with the piece
            QaResult result = results.get(i);
            if (result != null) writes.submit(item.work, item.question, result);
        }
    }

    /**
     * Answers the piece one question at a time. A question that fails alone is bad input if the model still
     * answers a known-good question: it ends INFERENCE_ERROR now, and its neighbours go on. If the model fails
     * that too, it is the model that is failing: the question and everything not yet answered go back.
     */
    private List<QaResult> isolate(List<Item> piece) {
        List<QaResult> results = new ArrayList<>();
        for (Item item : piece) {
            if (stopped) {
                item.work.mustRetry = true;
                results.add(null);
                continue;
            }
            try {
                results.add(answerer.answerPrepared(List.of(item.prepared)).getFirst());
            } catch (RuntimeException e) {
                item.work.withIds(item.question, () -> log.error("inference failed for one question", e));
                results.add(null);
                if (modelAnswers()) {
                    writer.fail(item.work, item.question, INFERENCE_ERROR, outcome);
                } else {
                    item.work.mustRetry = true;
                    stopped = true;
                }
            }
        }
        return results;
    }

    /** Asks the known-good question once per invocation; its answer settles every later doubt. */
    private boolean modelAnswers() {
        if (modelHealthy == null) {
            try {
                answerer.answerAll(List.of(KNOWN_GOOD));
                modelHealthy = true;
            } catch (RuntimeException e) {
                log.error("the model fails a known-good question too; the batch goes back", e);
                modelHealthy = false;
            }
        }
        return modelHealthy;
    }

    /** Waits for this invocation's answer writes (see {@link AnswerWriter.Batch#await}). */
    void awaitWrites() {
        writes.await(deadline, outcome);
    }

    private static List<Item> ordered(List<MessageWork> work) {
        List<Item> items = new ArrayList<>();
        for (MessageWork w : work) {
            for (Question q : w.open) items.add(new Item(w, q));
        }
        // Before tokenizing, a question's cost is told by its text's UTF-8 size: tokens per byte differ far less
        // between scripts than tokens per character (a CJK character is three bytes and about one token).
        items.sort(Comparator.comparing((Item i) -> !i.work.redelivered())
                .thenComparing(Comparator.comparingInt((Item i) -> i.work.continuationCount()).reversed())
                .thenComparingInt(i -> i.work.contextBytes() + utf8Bytes(i.question.text())));
        return items;
    }

    private static int utf8Bytes(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** One question of a message; tokenized only when its piece is next. */
    private static final class Item {
        final MessageWork work;
        final Question question;
        PreparedQuery prepared;

        Item(MessageWork work, Question question) {
            this.work = work;
            this.question = question;
        }

        int windows() {
            return Math.max(1, prepared.windows());
        }

        long tokens() {
            return Math.max(1, prepared.tokens());
        }
    }
}
