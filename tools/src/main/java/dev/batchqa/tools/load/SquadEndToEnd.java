package dev.batchqa.tools.load;

import dev.batchqa.bulk.AnswerCollector;
import dev.batchqa.bulk.BulkSubmitter;
import dev.batchqa.bulk.InputFiles;
import dev.batchqa.bulk.InputItem;
import dev.batchqa.bulk.ItemSource;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.engine.QaQuery;
import dev.batchqa.engine.QaResult;
import dev.batchqa.local.CountingRequestStore;
import dev.batchqa.local.Dynalite;
import dev.batchqa.local.EmbeddedSqs;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.local.LocalPipeline;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.tools.Stats;
import java.lang.management.ManagementFactory;
import java.net.URI;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/e2e-squad}: the pipeline's rate against the engine's on the same SQuAD questions, in one session.
 *
 * <pre>
 * scripts/e2e-squad --model model/build/minilm-variants --data ../shared/data/squad/dev-v1.1.json.gz --limit 1000 \
 *     --per-paragraph --rounds 3 [--services-cpus 1]
 * </pre>
 *
 * <p>The whole local pipeline (ElasticMQ and dynalite, the pollers around the real inference handler, the engine as
 * the function loads it) first answers {@code --warm-up} other questions, untimed. Then each round bulk-sends the
 * questions to the queue at once ({@link BulkSubmitter}), under ids of the round's own, and times them from the first
 * send to the last completion in the store; then, with that pipeline closed, a second engine with the same options
 * answers the same questions alone, {@code --engine-batch} per call. Rounds take turns so that a busy neighbour
 * slows both. Each round prints both rates, whether every question came back, how many answers agree, and this
 * process's CPU per question by thread group ({@link ThreadCpu}); the last line is one JSON object with the medians.
 *
 * <p>With {@code --services-cpus}, ElasticMQ and dynalite run in a process of their own on those CPUs
 * ({@link ServicesProcess}) and this process on the others, as on Lambda, where SQS and DynamoDB take none of the
 * function's vCPUs. The pollers, which on Lambda are the service's too, stay in this process.
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
    @Option(names = "--batch-size", defaultValue = "32", description = "SQS batch size (default ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--batching-window-ms", defaultValue = "200", description = "batching window (default ${DEFAULT-VALUE})")
    long batchingWindowMs;
    @Option(names = "--engine-batch", defaultValue = "32", description = "questions per engine call (default ${DEFAULT-VALUE})")
    int engineBatch;
    @Option(names = "--per-paragraph", description = "send each SQuAD paragraph's questions as one schema v2 message "
            + "(the context once) instead of one message per question")
    boolean perParagraph;

    @Option(names = "--warm-up", defaultValue = "1000", description = "SQuAD questions after the measured ones sent "
            + "through the pipeline first, untimed (default ${DEFAULT-VALUE})")
    int warmUp;

    @Option(names = "--services-cpus", paramLabel = "LIST", description = "run ElasticMQ and dynalite in a process "
            + "of their own on these CPUs (a taskset list, e.g. 1) and the function (pollers, handler, engine), then "
            + "the engine alone, on the others: on Lambda, SQS and DynamoDB do not share the function's vCPUs")
    String servicesCpus;

    @Option(names = "--rounds", defaultValue = "3", description = "pipeline and engine runs, taking turns (each round "
            + "asks the same questions under new ids); the JSON line gives the medians (default ${DEFAULT-VALUE})")
    int rounds;

    @Spec
    CommandSpec spec;

    @Option(names = "--timeout", defaultValue = "30", description = "minutes to wait for the answers (default ${DEFAULT-VALUE})")
    int timeoutMinutes;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SquadEndToEnd()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || limit < 1) {
            throw new ParameterException(spec.commandLine(), "--rounds and --limit must be at least 1");
        }
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
        Map<String, String> environment = LoadTest.environment(new LoadTest.Options(asked.size(), 0, 1, 4, model,
                pollers, batchSize, Duration.ofMillis(batchingWindowMs), Duration.ofMinutes(timeoutMinutes), 0), tag);
        String region = environment.get("AWS_REGION");
        if (servicesCpus != null) {
            try (ServicesProcess services = ServicesProcess.start(CpuSplit.withServicesOn(servicesCpus), region)) {
                useEmulators(environment, services.sqsEndpoint(), services.dynamoDbEndpoint());
                return measure(messages, asked, warmUpMessages, warmUpQuestions, environment, services);
            }
        }
        // the emulators in this JVM, as scripts/run-local has them, started once: warm for every round
        try (EmbeddedSqs sqs = EmbeddedSqs.start(0, region); Dynalite dynamo = Dynalite.start(0)) {
            useEmulators(environment, sqs.endpoint(), dynamo.endpoint());
            return measure(messages, asked, warmUpMessages, warmUpQuestions, environment, null);
        }
    }

    /** Points the pipeline's environment at the emulators, with their static credentials. */
    private static void useEmulators(Map<String, String> environment, URI sqs, URI dynamoDb) {
        environment.put("AWS_ENDPOINT_URL_SQS", sqs.toString());
        environment.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoDb.toString());
        environment.put("AWS_ACCESS_KEY_ID", "local");
        environment.put("AWS_SECRET_ACCESS_KEY", "local");
    }

    private int measure(List<QuestionSet> messages, List<Asked> asked, List<QuestionSet> warmUpMessages,
            int warmUpQuestions, Map<String, String> environment, ServicesProcess services) throws Exception {
        LocalConfig config = roundConfig(environment, 1);
        var os = ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "%d questions in %d messages, %d pollers, batches of %d, batching window %d ms, "
                + "load %.1f%n", asked.size(), messages.size(), pollers, batchSize, batchingWindowMs,
                os.getSystemLoadAverage());
        System.out.println(services == null
                ? "CPUs      shared by the function and the emulators"
                : "CPUs      function and engine on " + services.split().functionCpus() + " ("
                        + Runtime.getRuntime().availableProcessors() + " available), ElasticMQ and dynalite on "
                        + services.split().serviceCpus());

        List<Double> e2eRates = new ArrayList<>();
        List<Double> engineRates = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        long lost = 0;
        int disagree = 0;
        try (QaEngine engine = config.engine().load()) {
            for (int round = 1; round <= rounds; round++) {
                // each round asks the same questions under ids of its own: records are write-once
                String suffix = round == 1 ? "" : "-r" + round;
                List<String> ids = asked.stream().map(a -> a.id() + suffix).toList();
                double e2eSeconds;
                Map<String, Long> pipelineCpu;
                Map<String, AnswerCollector.Result> results;
                // a pipeline and a queue of its own each round, closed before the engine's run, whose CPU its idle
                // pollers would share (what the JIT compiled stays with this JVM, the emulators stay up); a message
                // a closing poller could not delete cannot come back in a later round
                LocalConfig roundConfig = roundConfig(environment, round);
                try (LocalPipeline pipeline = LocalPipeline.start(roundConfig)) {
                    BulkSubmitter bulk = new BulkSubmitter(pipeline.sqs(), pipeline.queueUrl(),
                            new MessageCodec(QaValidator.fromSettings(config.settings())),
                            BulkSubmitter.Options.defaults().withSenders(4));
                    if (round == 1 && !warmUpMessages.isEmpty()) {
                        // a warm pipeline, as the engine's run after it is warm: the JIT has compiled the handler,
                        // the engine's Java code, the SDK and ElasticMQ
                        double seconds = pipelineRun(pipeline, bulk, warmUpMessages, warmUpQuestions, "");
                        if (Double.isNaN(seconds)) return 1;
                        System.out.printf(Locale.ROOT, "warm-up   %d questions in %d messages, %.1f s, untimed%n",
                                warmUpQuestions, warmUpMessages.size(), seconds);
                    }
                    ThreadCpu beforePipeline = ThreadCpu.now();
                    e2eSeconds = pipelineRun(pipeline, bulk, messages, asked.size(), suffix);
                    pipelineCpu = ThreadCpu.now().since(beforePipeline);
                    if (Double.isNaN(e2eSeconds)) return 1;
                    results = new AnswerCollector(pipeline.dynamo(), config.tableName()).fetch(ids);
                }
                long roundLost = results.values().stream().filter(r -> !r.status().equals("DONE")).count()
                        + ids.size() - results.size();
                List<String> engineAnswers = new ArrayList<>();
                ThreadCpu beforeEngine = ThreadCpu.now();
                double engineSeconds = engineRun(engine, asked, engineAnswers);
                Map<String, Long> engineCpu = ThreadCpu.now().since(beforeEngine);
                int agree = 0;
                for (int i = 0; i < asked.size(); i++) {
                    AnswerCollector.Result r = results.get(asked.get(i).id() + suffix);
                    Answer answer = r == null ? null : r.answer();
                    if (r != null && r.status().equals("DONE")
                            && Objects.equals(answer == null ? null : answer.text(), engineAnswers.get(i))) {
                        agree++;
                    }
                }
                double e2eQps = asked.size() / e2eSeconds;
                double engineQps = asked.size() / engineSeconds;
                e2eRates.add(e2eQps);
                engineRates.add(engineQps);
                ratios.add(e2eQps / engineQps);
                lost += roundLost;
                disagree += asked.size() - agree;
                System.out.printf(Locale.ROOT, "round %d   pipeline %7.2f questions/s (%.1f s, %d not DONE)   engine "
                        + "%7.2f questions/s (%d per call)   ratio %.2f   %d of %d answers the same   load %.1f%n",
                        round, e2eQps, e2eSeconds, roundLost, engineQps, engineBatch, e2eQps / engineQps, agree,
                        asked.size(), os.getSystemLoadAverage());
                System.out.println("  pipeline " + cpuPerQuestion(pipelineCpu, asked.size()));
                System.out.println("  engine   " + cpuPerQuestion(engineCpu, asked.size()));
            }
            System.out.println("engine    " + engine.options());
        }
        System.out.printf(Locale.ROOT, "{\"e2e_qps\":%.2f, \"engine_qps\":%.2f, \"ratio\":%.2f, \"ratios\":%s, "
                + "\"questions\":%d, \"rounds\":%d, \"lost\":%d, \"different_answers\":%d, \"function_cpus\":\"%s\", "
                + "\"services_cpus\":%s}%n", Stats.median(e2eRates), Stats.median(engineRates), Stats.median(ratios),
                ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList(), asked.size(), rounds, lost,
                disagree, services == null ? "all" : services.split().functionCpus(),
                services == null ? "null" : "\"" + services.split().serviceCpus() + "\"");
        return lost == 0 ? 0 : 1;
    }

    /** This configuration with a queue of the round's own. */
    private LocalConfig roundConfig(Map<String, String> environment, int round) {
        return LocalConfig.builder(environment).withModel(model.toString()).pollers(pollers).batchSize(batchSize)
                .batchingWindow(Duration.ofMillis(batchingWindowMs))
                .queueName(environment.get("QA_TABLE_NAME") + "-r" + round).build();
    }

    /**
     * Bulk-sends the messages (their ids with the suffix) and waits for them all (a FAIL line when not all completed
     * within {@code --timeout}; the caller counts what is not DONE); seconds, or NaN when not all could be sent.
     */
    private double pipelineRun(LocalPipeline pipeline, BulkSubmitter bulk, List<QuestionSet> messages, int questions,
            String suffix) throws InterruptedException {
        List<QuestionSet> renamed = suffix.isEmpty() ? messages : messages.stream()
                .map(m -> m.withQuestions(m.questions().stream()
                        .map(q -> new Question(q.id() + suffix, q.text())).toList()))
                .toList();
        CountingRequestStore.Stats before = pipeline.storeStats();
        long start = System.nanoTime();
        BulkSubmitter.Report report = bulk.submit(renamed.iterator());
        if (!report.allSent()) {
            System.out.println("FAIL: not every question was sent: " + report.failed().size() + " failed");
            return Double.NaN;
        }
        if (awaitCompleted(pipeline, before, questions, start) < questions) {
            System.out.println("FAIL: not every question completed within --timeout");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The engine alone on the questions, {@code --engine-batch} per call; seconds. Adds each best answer to {@code best}. */
    private double engineRun(QaEngine engine, List<Asked> asked, List<String> best) {
        long start = System.nanoTime();
        for (int from = 0; from < asked.size(); from += engineBatch) {
            List<Asked> chunk = asked.subList(from, Math.min(asked.size(), from + engineBatch));
            List<QaResult> answers = engine.answerAll(
                    chunk.stream().map(m -> new QaQuery(m.question(), m.context(), 1)).toList());
            answers.forEach(a -> best.add(a.bestText()));
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** "CPU ms/question 14.51: qa-engine-worke 12.79, answer-writer 0.50, ...": this process's threads, by group. */
    private static String cpuPerQuestion(Map<String, Long> nanosByGroup, int questions) {
        double total = nanosByGroup.values().stream().mapToLong(Long::longValue).sum() / 1e6 / questions;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "CPU ms/question %.2f:", total));
        int shown = 0;
        long rest = 0;
        for (Map.Entry<String, Long> e : nanosByGroup.entrySet()) {
            if (shown++ < 8) {
                line.append(String.format(Locale.ROOT, " %s %.2f,", e.getKey(), e.getValue() / 1e6 / questions));
            } else {
                rest += e.getValue();
            }
        }
        line.append(String.format(Locale.ROOT, " other threads %.2f", rest / 1e6 / questions));
        return line.toString();
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
