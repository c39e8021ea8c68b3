package dev.batchqa.tools.heavy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.EngineOptions;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.inference.BatchMetrics;
import dev.batchqa.inference.BatchPolicy;
import dev.batchqa.inference.BatchProcessor;
import dev.batchqa.inference.Continuations;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.AnswerOptions;
import dev.batchqa.shared.model.ErrorInfo;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.Question;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.store.RequestStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scripts/heavy-inputs --memory}: one SQS batch of 32 maximal CJK v2 messages (40,000 characters of context
 * and as many questions as fit a message) through the inference loop with a real engine, in a JVM with the heap
 * Lambda gives a 3,008 MB function ({@code -XX:MaxHeapSize} at 85 %, set by the script). Prints the heap's peak and
 * the process's peak resident memory. The answers go to a store that only counts them: the loop, not DynamoDB, is
 * measured.
 */
@Command(name = "heavy-memory", mixinStandardHelpOptions = true,
        description = "Answers 32 maximal CJK messages in one batch and prints the memory peaks.")
public final class HeavyMemory implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model directory (the fixture model is fast enough)")
    Path model;

    @Option(names = "--messages", description = "Messages in the batch (default ${DEFAULT-VALUE})")
    int messages = 32;

    @Option(names = "--questions", description = "Questions per message, at most what fits (default: what fits)")
    int questions = Limits.MAX_QUESTIONS_PER_SET;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HeavyMemory()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        MessageCodec codec = new MessageCodec(new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS));
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        int questionsPerMessage = 0;
        for (int m = 0; m < messages; m++) {
            QuestionSet set = maximal(m, questions);
            questionsPerMessage = set.questions().size();
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId("m-" + m);
            record.setBody(codec.encode(set));
            record.setAttributes(new HashMap<>(Map.of("ApproximateReceiveCount", "1",
                    "SentTimestamp", Long.toString(System.currentTimeMillis()))));
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        CountingStore store = new CountingStore();
        long started = System.nanoTime();
        SQSBatchResponse response;
        try (QaEngine engine = QaEngine.load(EngineOptions.builder(model.toString()));
                BatchProcessor processor = new BatchProcessor(engine, store, codec,
                        new BatchMetrics(new PrintStream(OutputStream.nullOutputStream()), "heavy-memory"),
                        // no window cap: every question is tokenized and answered, however many windows the model's
                        // tokenizer makes of it (the fixture's short windows make more than a real model's)
                        Clock.systemUTC(), BatchPolicy.DEFAULT.withMaxWindowsPerQuestion(100_000), Continuations.NONE)) {
            response = processor.process(event);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peakHeap += pool.getPeakUsage().getUsed();
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("messages", messages);
        json.put("questionsPerMessage", questionsPerMessage);
        json.put("answered", store.completions.get());
        json.put("failed", store.failures.get());
        json.put("retried", response.getBatchItemFailures().size());
        json.put("seconds", Math.round(seconds * 10) / 10.0);
        json.put("maxHeapMiB", maxHeap >> 20);
        json.put("peakHeapMiB", peakHeap >> 20);
        json.put("peakRssMiB", peakRssKiB() >> 10);
        json.put("jvm", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:MaxHeapSize") || a.startsWith("-XX:+UseSerialGC")
                        || a.startsWith("-XX:TieredStopAtLevel")).toList());
        boolean passed = store.completions.get() == messages * questionsPerMessage && peakHeap < maxHeap;
        json.put("passed", passed);
        System.out.println(passed ? "PASS" : "FAIL");
        System.out.println(Json.MAPPER.writeValueAsString(json));
        return passed ? 0 : 1;
    }

    /** 40,000 CJK characters and as many 20-character questions as the message limit allows. */
    static QuestionSet maximal(int seed, int most) {
        Random r = new Random(20261211L + seed);
        StringBuilder context = new StringBuilder(Limits.MAX_CONTEXT_CHARS);
        while (context.length() < Limits.MAX_CONTEXT_CHARS) {
            context.appendCodePoint(0x4E00 + r.nextInt(0x5000));
            if (r.nextInt(12) == 0 && context.length() < Limits.MAX_CONTEXT_CHARS) context.append('，');
        }
        List<Question> questions = new ArrayList<>();
        QuestionSet set = null;
        for (int i = 0; i < Math.min(most, Limits.MAX_QUESTIONS_PER_SET); i++) {
            List<Question> more = new ArrayList<>(questions);
            more.add(new Question("m" + seed + "-q" + i, "这座城市的首都在哪里？请回答第" + i + "个问题。"));
            QuestionSet bigger = new QuestionSet(context.toString(), more, AnswerOptions.DEFAULT, "memory");
            if (MessageCodec.encodedBytes(bigger) > Limits.MAX_MESSAGE_BYTES - 1_024) break;
            questions = more;
            set = bigger;
        }
        return set;
    }

    private static long peakRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (Exception e) {
            // not Linux: the heap figure stands alone
        }
        return -1;
    }

    /** Counts completions; remembers nothing, so that only the loop's memory is measured. */
    private static final class CountingStore implements RequestStore {
        final AtomicInteger completions = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        @Override public boolean createPending(QaRecord record) { return true; }
        @Override public void markQueued(String id) {}
        @Override public Optional<QaRecord> find(String id) { return Optional.empty(); }

        @Override
        public boolean complete(Completion completion, List<Answer> answers, Double noAnswerScore, ModelInfo model) {
            completions.incrementAndGet();
            return true;
        }

        @Override
        public boolean fail(Completion completion, ErrorInfo error) {
            failures.incrementAndGet();
            return true;
        }

        @Override public Stream<String> stalePending(int shard, Instant cutoff) { return Stream.empty(); }
        @Override public boolean failPending(String id, ErrorInfo error) { return false; }
        @Override public Deletion delete(String id) { return Deletion.NOT_FOUND; }
    }
}
