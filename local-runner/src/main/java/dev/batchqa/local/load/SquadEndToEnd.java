package dev.batchqa.local.load;

import dev.batchqa.bulk.AnswerCollector;
import dev.batchqa.bulk.BulkSubmitter;
import dev.batchqa.bulk.InputFiles;
import dev.batchqa.bulk.InputItem;
import dev.batchqa.bulk.ItemSource;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.local.CountingRequestStore;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scripts/e2e-squad}: the pipeline's rate against the engine's on the same SQuAD questions, in one session.
 *
 * <pre>
 * scripts/e2e-squad --model model/build/minilm-variants --data ../shared/data/squad/dev-v1.1.json.gz --limit 1000
 * </pre>
 *
 * <p>First the whole local pipeline (embedded ElasticMQ and dynalite, the pollers around the real inference handler,
 * the engine as the function loads it): after {@code --warm-up} other questions have gone through it untimed, the
 * questions are bulk-sent to the queue at once ({@link BulkSubmitter}), and the clock runs from the first send to the
 * last completion in the store. Then, after the pipeline has stopped,
 * the same engine options alone answer the same questions, {@code --engine-batch} per call. Prints both rates,
 * whether every question came back, and how many answers agree; the last line is one JSON object.
 */
@Command(name = "e2e-squad", mixinStandardHelpOptions = true,
        description = "SQuAD questions through the local pipeline, then the engine alone on the same questions.")
public final class SquadEndToEnd implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model directory")
    Path model;
    @Option(names = "--data", required = true, description = "SQuAD v1.1/v2.0 .json or .json.gz")
    Path data;
    @Option(names = "--limit", defaultValue = "1000", description = "first N questions (default ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--pollers", defaultValue = "4", description = "inference pollers (default ${DEFAULT-VALUE})")
    int pollers;
    @Option(names = "--batch-size", defaultValue = "10", description = "SQS batch size (default ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--batching-window-ms", defaultValue = "200", description = "batching window (default ${DEFAULT-VALUE})")
    long batchingWindowMs;
    @Option(names = "--engine-batch", defaultValue = "32", description = "questions per engine call (default ${DEFAULT-VALUE})")
    int engineBatch;
    @Option(names = "--per-paragraph", description = "send each SQuAD paragraph's questions as one schema v2 message "
            + "(the context once) instead of one message per question")
    boolean perParagraph;

    @Option(names = "--warm-up", defaultValue = "200", description = "SQuAD questions after the measured ones sent "
            + "through the pipeline first, untimed (default ${DEFAULT-VALUE})")
    int warmUp;

    @Option(names = "--timeout", defaultValue = "30", description = "minutes to wait for the answers (default ${DEFAULT-VALUE})")
    int timeoutMinutes;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SquadEndToEnd()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<QuestionSet> messages = new ArrayList<>();
        List<Asked> asked = new ArrayList<>(); // every question, in order, with its context
        List<QuestionSet> warmUpMessages = new ArrayList<>();
        int warmUpQuestions = 0;
        try (ItemSource items = InputFiles.open(data, InputFiles.Format.SQUAD, 1, perParagraph)) {
            while (items.hasNext() && asked.size() < limit) {
                InputItem item = items.next();
                if (item.message() == null) continue;
                QuestionSet set = item.message();
                List<Question> take = set.questions().subList(0, Math.min(set.questions().size(), limit - asked.size()));
                messages.add(set.withQuestions(take));
                take.forEach(q -> asked.add(new Asked(q.id(), q.text(), set.context())));
            }
            // whole messages after the measured ones (a paragraph cut by --limit is not asked twice)
            while (items.hasNext() && warmUpQuestions < warmUp) {
                InputItem item = items.next();
                if (item.message() == null) continue;
                warmUpMessages.add(item.message());
                warmUpQuestions += item.message().questions().size();
            }
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        LoadTest.Options o = LoadTest.Options.defaults().withQuestions(asked.size()).withModel(model);
        o = new LoadTest.Options(o.questions(), 0, 1, 4, model, pollers, batchSize, Duration.ofMillis(batchingWindowMs),
                Duration.ofMinutes(timeoutMinutes), 0);
        LocalConfig config = LocalConfig.fromEnvironment(LoadTest.environment(o, tag)).withModel(model.toString());
        var os = ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "%d questions in %d messages, %d pollers, batches of %d, batching window %d ms, "
                + "load %.1f%n", asked.size(), messages.size(), pollers, batchSize, batchingWindowMs,
                os.getSystemLoadAverage());

        Map<String, AnswerCollector.Result> results;
        double e2eSeconds;
        long lost;
        try (LocalPipeline pipeline = LocalPipeline.start(config)) {
            MessageCodec codec = new MessageCodec(QaValidator.fromSettings(config.settings()));
            BulkSubmitter bulk = new BulkSubmitter(pipeline.sqs(), pipeline.queueUrl(), codec,
                    BulkSubmitter.Options.defaults().withSenders(4));
            if (!warmUpMessages.isEmpty()) {
                // a warm pipeline, as the engine's run after it is warm: the JIT has compiled the handler, the
                // engine's Java code, the SDK and ElasticMQ (the engine's run loads its own model, warmed as usual)
                CountingRequestStore.Stats before = pipeline.storeStats();
                long started = System.nanoTime();
                if (!bulk.submit(warmUpMessages.iterator()).allSent()) {
                    System.out.println("FAIL: the warm-up questions were not all sent");
                    return 1;
                }
                if (awaitCompleted(pipeline, before, warmUpQuestions, started) < warmUpQuestions) {
                    System.out.println("FAIL: the warm-up questions did not all complete");
                    return 1;
                }
                System.out.printf(Locale.ROOT, "warm-up   %d questions in %d messages, %.1f s, untimed%n",
                        warmUpQuestions, warmUpMessages.size(), (System.nanoTime() - started) / 1e9);
            }
            CountingRequestStore.Stats before = pipeline.storeStats();
            long start = System.nanoTime();
            BulkSubmitter.Report report = bulk.submit(messages.iterator());
            if (!report.allSent()) {
                System.out.println("FAIL: not every question was sent: " + report.failed().size() + " failed");
                return 1;
            }
            awaitCompleted(pipeline, before, asked.size(), start);
            e2eSeconds = (System.nanoTime() - start) / 1e9;
            List<String> ids = asked.stream().map(Asked::id).toList();
            results = new AnswerCollector(pipeline.dynamo(), config.tableName()).fetch(ids);
            lost = results.values().stream().filter(r -> !r.status().equals("DONE")).count();
        }
        double e2eQps = asked.size() / e2eSeconds;
        System.out.printf(Locale.ROOT, "pipeline  %7.2f questions/s  (%.1f s from the first send to the last completion, "
                + "%d not DONE, load %.1f)%n", e2eQps, e2eSeconds, lost, os.getSystemLoadAverage());

        int agree = 0;
        double engineSeconds;
        try (QaEngine engine = config.engine().load()) {
            long start = System.nanoTime();
            for (int from = 0; from < asked.size(); from += engineBatch) {
                List<Asked> chunk = asked.subList(from, Math.min(asked.size(), from + engineBatch));
                List<QaQuery> queries = chunk.stream().map(m -> new QaQuery(m.question(), m.context(), 1)).toList();
                List<QaResult> answers = engine.answerAll(queries);
                for (int i = 0; i < chunk.size(); i++) {
                    AnswerCollector.Result r = results.get(chunk.get(i).id());
                    Answer a = r == null ? null : r.answer();
                    if (r != null && r.status().equals("DONE")
                            && Objects.equals(a == null ? null : a.text(), answers.get(i).bestText())) {
                        agree++;
                    }
                }
            }
            engineSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "engine    %7.2f questions/s  (%d per call, %s)%n", asked.size()
                    / engineSeconds, engineBatch, engine.options());
        }
        double engineQps = asked.size() / engineSeconds;
        System.out.printf(Locale.ROOT, "answers   %d of %d the same both ways; load %.1f%n", agree, asked.size(),
                os.getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "{\"e2e_qps\":%.2f, \"engine_qps\":%.2f, \"ratio\":%.2f, \"questions\":%d, "
                + "\"lost\":%d, \"same_answers\":%d}%n", e2eQps, engineQps, e2eQps / engineQps, asked.size(), lost,
                agree);
        return lost == 0 ? 0 : 1;
    }

    /** Waits until {@code n} more questions than {@code before} are DONE or FAILED, or the timeout; how many are. */
    private long awaitCompleted(LocalPipeline pipeline, CountingRequestStore.Stats before, long n, long start)
            throws InterruptedException {
        long deadline = start + Duration.ofMinutes(timeoutMinutes).toNanos();
        long completed = 0;
        while (completed < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
            CountingRequestStore.Stats s = pipeline.storeStats();
            completed = s.done() + s.failed() - before.done() - before.failed();
        }
        return completed;
    }

    /** One question as sent, for the engine's run on the same questions. */
    private record Asked(String id, String question, String context) {}
}
