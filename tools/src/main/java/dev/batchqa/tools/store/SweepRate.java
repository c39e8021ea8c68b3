package dev.batchqa.tools.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.batchqa.local.AwsResources;
import dev.batchqa.local.Dynalite;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.PendingSweeper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code scripts/sweep-rate}: how fast {@link PendingSweeper} clears a backlog of stale PENDING records, against
 * dynalite. It stores N PENDING records older than the expiry (as the ingest function stores them, spread over
 * the index's shards by their ids), runs one sweep with the client SweeperFunction uses, and prints the records
 * per minute with the CPU the sweeping JVM and dynalite used, the processors and the load average; the last line
 * is JSON. The guarantee's bound in README.md and docs/reliability.md is derived from this figure.
 *
 * <pre>
 * scripts/sweep-rate [--records 50000]
 * </pre>
 */
@Command(name = "sweep-rate", mixinStandardHelpOptions = true,
        description = "Records per minute the pending sweeper expires, against dynalite.")
public final class SweepRate implements Callable<Integer> {
    private static final Instant NOW = Instant.now();
    /** The default expiry (4 days' retention + 1 h); the records are older than it. */
    private static final Duration EXPIRY = Duration.ofHours(97);
    /** Concurrent writers that store the backlog; the seeding is not what is measured. */
    private static final int SEEDERS = 8;

    @Option(names = "--records", defaultValue = "50000", description = "stale records to sweep (default ${DEFAULT-VALUE})")
    int records;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SweepRate()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (Dynalite dynalite = Dynalite.start(0);
                DynamoDbClient dynamo = client(dynalite)) {
            Report report = measure(dynamo, dynalite, "sweep-rate-" + UUID.randomUUID(), records);
            System.out.println(report.text());
            System.out.println(report.json());
            return report.result().expired() == records && report.leftInIndex() == 0 ? 0 : 1;
        }
    }

    /** A client as SweeperFunction builds it ({@link AwsClients.Http#POOLED}), aimed at the emulator. */
    static DynamoDbClient client(Dynalite dynalite) {
        return AwsClients.dynamoDb(new AwsClients.Target("us-east-1", dynalite.endpoint(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))), AwsClients.Http.POOLED);
    }

    /**
     * Stores {@code records} stale PENDING records in a new {@code table}, sweeps them in one run, and reports.
     *
     * @return what the run did and what it cost; {@link Report#ids()} are the records stored
     */
    static Report measure(DynamoDbClient dynamo, Dynalite dynalite, String table, int records) throws Exception {
        AwsResources.ensureTable(dynamo, table);
        Clock clock = Clock.fixed(NOW, java.time.ZoneOffset.UTC);
        DynamoDbRequestStore store = new DynamoDbRequestStore(dynamo, table, Duration.ofHours(24), clock);
        long seedStart = System.nanoTime();
        List<String> ids = seed(store, records);
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;

        double[] loadBefore = loadAverage();
        long jvmCpu = processCpuNanos();
        Duration dynaliteCpu = dynalite.cpu();
        long start = System.nanoTime();
        PendingSweeper.Result result = new PendingSweeper(store, EXPIRY, clock).sweep(Duration.ofMinutes(30));
        double seconds = (System.nanoTime() - start) / 1e9;
        double jvmCpuSeconds = (processCpuNanos() - jvmCpu) / 1e9;
        double dynaliteCpuSeconds = (dynalite.cpu().minus(dynaliteCpu)).toMillis() / 1e3;
        double[] loadAfter = loadAverage();
        int left = store.stalePending(NOW.minus(EXPIRY), 1_000).size();
        return new Report(ids, seedSeconds, result, seconds, left, jvmCpuSeconds, dynaliteCpuSeconds,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
    }

    /** PENDING records created 1 to 1,000 minutes before the cutoff, by {@value #SEEDERS} writers. */
    private static List<String> seed(DynamoDbRequestStore store, int records) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(SEEDERS);
        try {
            List<Future<List<String>>> parts = new ArrayList<>();
            for (int w = 0; w < SEEDERS; w++) {
                int from = records * w / SEEDERS;
                int to = records * (w + 1) / SEEDERS;
                parts.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    for (int i = from; i < to; i++) {
                        String id = UUID.randomUUID().toString();
                        Instant created = NOW.minus(EXPIRY).minus(Duration.ofMinutes(1 + i % 1_000));
                        if (!store.createPending(QaRecord.pending(id, "Which score?", 1, null, created))) {
                            throw new IllegalStateException("a PENDING record was refused");
                        }
                        mine.add(id);
                    }
                    return mine;
                }));
            }
            List<String> ids = new ArrayList<>(records);
            for (Future<List<String>> part : parts) ids.addAll(part.get());
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The 1, 5 and 15 minute load averages (Linux); empty elsewhere. */
    private static double[] loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
        } catch (IOException | RuntimeException e) {
            return new double[0];
        }
    }

    /**
     * One measured sweep.
     *
     * @param leftInIndex stale ids the index still lists after the run (0 when it cleared the backlog)
     */
    record Report(List<String> ids, double seedSeconds, PendingSweeper.Result result, double sweepSeconds,
            int leftInIndex, double jvmCpuSeconds, double dynaliteCpuSeconds, int processors, double[] loadBefore,
            double[] loadAfter) {

        double recordsPerMinute() {
            return (result.expired() + result.alreadyComplete()) / sweepSeconds * 60;
        }

        String text() {
            return String.format(Locale.ROOT, """
                    stored   %,d stale PENDING records in %.1f s (%d writers)
                    swept    %,d expired, %,d already complete, truncated %s, %d left in the index, in %.1f s
                    rate     %,.0f records/minute
                    cpu      sweeping JVM %.1f s, dynalite %.1f s, over %.1f s wall; %d processors; \
                    load average %s before, %s after""",
                    ids.size(), seedSeconds, SEEDERS, result.expired(), result.alreadyComplete(), result.truncated(),
                    leftInIndex, sweepSeconds, recordsPerMinute(), jvmCpuSeconds, dynaliteCpuSeconds, sweepSeconds,
                    processors, format(loadBefore), format(loadAfter));
        }

        String json() throws JsonProcessingException {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("records", ids.size());
            json.put("expired", result.expired());
            json.put("alreadyComplete", result.alreadyComplete());
            json.put("truncated", result.truncated());
            json.put("leftInIndex", leftInIndex);
            json.put("sweepSeconds", round(sweepSeconds));
            json.put("recordsPerMinute", Math.round(recordsPerMinute()));
            json.put("jvmCpuSeconds", round(jvmCpuSeconds));
            json.put("dynaliteCpuSeconds", round(dynaliteCpuSeconds));
            json.put("processors", processors);
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            return Json.MAPPER.writeValueAsString(json);
        }

        private static double round(double v) {
            return Math.round(v * 10) / 10.0;
        }

        private static String format(double[] load) {
            return load.length == 0 ? "unknown" : String.format(Locale.ROOT, "%.2f/%.2f/%.2f", load[0], load[1], load[2]);
        }
    }
}
