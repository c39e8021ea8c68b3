package dev.batchqa.local;

import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * dynalite for one test class: started before its first test, stopped after its last, with one client on it. The
 * tests of the stores against the emulator share it instead of each starting the process and building a client.
 *
 * <pre>
 * &#64;RegisterExtension static final DynaliteFixture DYNAMO = new DynaliteFixture();
 * ...
 * String table = DYNAMO.newTable("sweep");           // the table (and pending index) as template.yaml makes it
 * new DynamoDbRequestStore(DYNAMO.client(), table, ...);
 * </pre>
 */
final class DynaliteFixture implements BeforeAllCallback, AfterAllCallback {
    private Dynalite dynalite;
    private DynamoDbClient client;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dynalite = Dynalite.start(0);
        client = DynamoDbClient.builder()
                .endpointOverride(dynalite.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (client != null) client.close();
        if (dynalite != null) dynalite.close();
    }

    /** The client on the emulator; valid from the class's first test to its last. */
    DynamoDbClient client() {
        if (client == null) throw new IllegalStateException("dynalite is not started: register the fixture static");
        return client;
    }

    /** A table of its own for a test ({@code prefix-<uuid>}), with the schema and pending index of {@link AwsResources}. */
    String newTable(String prefix) {
        String table = prefix + "-" + UUID.randomUUID();
        AwsResources.ensureTable(client(), table);
        return table;
    }

    /** The table {@code name}, made if missing. */
    String table(String name) {
        AwsResources.ensureTable(client(), name);
        return name;
    }
}
