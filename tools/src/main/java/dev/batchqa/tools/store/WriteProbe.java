package dev.batchqa.tools.store;

import dev.batchqa.local.AwsResources;
import dev.batchqa.local.Dynalite;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.ModelInfo;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.RequestStore.Completion;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code scripts/write-probe}: what one completion write (the inference function's conditional {@code UpdateItem},
 * through {@link DynamoDbRequestStore#complete}) costs the caller with each {@link AwsClients.Http} client, against
 * dynalite. The clients take turns, round by round, on one thread; it prints the client's CPU time (this thread's)
 * and the wall time per write. Run it as Lambda runs Java (the script passes C1 only).
 *
 * <pre>
 * scripts/write-probe [--writes 2000] [--rounds 3]
 * </pre>
 */
@Command(name = "write-probe", mixinStandardHelpOptions = true,
        description = "Client CPU and wall time per completion write against dynalite, for each SDK HTTP client.")
public final class WriteProbe implements Callable<Integer> {

    @Option(names = "--writes", defaultValue = "2000",
            description = "writes per client per round (default ${DEFAULT-VALUE})")
    int writes;

    @Option(names = "--rounds", defaultValue = "3",
            description = "rounds; the first warms up (default ${DEFAULT-VALUE})")
    int rounds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new WriteProbe()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = Settings.from(Map.of());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Answer> answers = List.of(new Answer("83.1", 155, 159, 0.61),
                new Answer("83.1 (5.1 point", 155, 170, 0.09));
        List<DynamoDbClient> clients = new ArrayList<>();
        try (Dynalite dynalite = Dynalite.start(0)) {
            AwsClients.Target target = new AwsClients.Target("us-east-1", dynalite.endpoint(),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")));
            List<AwsClients.Http> kinds = new ArrayList<>(List.of(AwsClients.Http.values()));
            Map<AwsClients.Http, DynamoDbRequestStore> stores = new EnumMap<>(AwsClients.Http.class);
            for (AwsClients.Http http : kinds) {
                DynamoDbClient client = AwsClients.dynamoDb(target, http);
                clients.add(client);
                AwsResources.ensureTable(client, settings.tableName());
                stores.put(http, new DynamoDbRequestStore(client, settings));
            }
            for (int round = 0; round < rounds; round++) {
                for (AwsClients.Http http : kinds) {
                    long cpu = threads.getCurrentThreadCpuTime();
                    long wall = System.nanoTime();
                    for (int i = 0; i < writes; i++) {
                        Completion c = new Completion(UUID.randomUUID().toString(), "What is the F1?", 3, null);
                        if (!stores.get(http).complete(c, answers, 0.003, new ModelInfo("probe", "bf16"))) {
                            throw new IllegalStateException("a completion write was refused");
                        }
                    }
                    System.out.printf(Locale.ROOT, "round %d %-15s %.3f CPU ms/write  %.3f wall ms/write%s%n", round,
                            http, (threads.getCurrentThreadCpuTime() - cpu) / 1e6 / writes,
                            (System.nanoTime() - wall) / 1e6 / writes, round == 0 ? "  (warm-up)" : "");
                }
                Collections.reverse(kinds); // the table grows: each client goes first every other round
            }
        } finally {
            clients.forEach(DynamoDbClient::close);
        }
        return 0;
    }
}
