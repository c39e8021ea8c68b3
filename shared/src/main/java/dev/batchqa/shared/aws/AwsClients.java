package dev.batchqa.shared.aws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The one place SDK clients are built, with one of two HTTP clients ({@link Http}): the URL-connection client by
 * default (no pool threads, quick to load, for functions that make a few requests an invocation), the pooled
 * Apache client where requests are many (the inference function's writes). By default region, credentials and
 * endpoints come from the SDK's chains, so {@code AWS_REGION} and {@code AWS_ENDPOINT_URL[_SQS|_DYNAMODB]} work as
 * everywhere else in the AWS ecosystem; the local runner names them explicitly with a {@link Target}.
 *
 * <pre>{@code
 * DynamoDbClient dynamo = AwsClients.dynamoDb();                                          // Lambda
 * DynamoDbClient writes = AwsClients.dynamoDb(Target.DEFAULT, Http.POOLED);               // many requests
 * SqsClient sqs = AwsClients.sqs(new Target("us-east-1", URI.create("http://localhost:9324"), creds)); // emulator
 * }</pre>
 */
public final class AwsClients {
    private AwsClients() {}

    /**
     * Where and as whom a client connects; a null field leaves it to the SDK's default chain.
     *
     * @param region      e.g. {@code us-east-1}
     * @param endpoint    an emulator's URL
     * @param credentials e.g. static keys for an emulator
     */
    public record Target(String region, URI endpoint, AwsCredentialsProvider credentials) {
        public static final Target DEFAULT = new Target(null, null, null);
    }

    /**
     * The HTTP client under an SDK client. {@code scripts/write-probe --rounds 5} (one completion write, a
     * conditional {@code UpdateItem}, against dynalite, C1 only as Lambda runs Java, the clients taking turns after a
     * warm-up round, load 1.1): URL_CONNECTION 0.62-0.66 ms of client CPU and 2.4-2.6 ms wall per write, POOLED
     * 0.47-0.49 ms and 1.2-1.3 ms. The JDK's HttpURLConnection checks a kept-alive connection before reusing it with
     * a 1 ms timed read that ends in a SocketTimeoutException, stack trace included, on every request.
     * URL_CONNECTION stays the default for its quicker class loading on cold start.
     */
    public enum Http {
        URL_CONNECTION,
        POOLED
    }

    /**
     * Connections a POOLED client keeps: the inference function writes with 8 threads, but the local runner shares one
     * client between those writers (8 a poller) and its HTTP front (a virtual thread a request), which the SDK's
     * default of 50 would make wait, and fail after 10 s, under the load test's clients.
     */
    static final int POOLED_MAX_CONNECTIONS = 256;

    public static DynamoDbClient dynamoDb() {
        return dynamoDb(Target.DEFAULT);
    }

    public static SqsClient sqs() {
        return sqs(Target.DEFAULT);
    }

    public static DynamoDbClient dynamoDb(Target target) {
        return dynamoDb(target, Http.URL_CONNECTION);
    }

    public static DynamoDbClient dynamoDb(Target target, Http http) {
        return configure(DynamoDbClient.builder(), target, http).build();
    }

    public static SqsClient sqs(Target target) {
        return configure(SqsClient.builder(), target, Http.URL_CONNECTION).build();
    }

    /**
     * Any other service's client built the same way, for a module that has that service's SDK (the shared module
     * does not carry every service): {@code AwsClients.configure(EventBridgeClient.builder(), Target.DEFAULT,
     * Http.URL_CONNECTION).build()}.
     */
    public static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, Target t,
            Http http) {
        SdkHttpClient.Builder<?> client = http == Http.POOLED
                ? Apache5HttpClient.builder().maxConnections(POOLED_MAX_CONNECTIONS)
                : UrlConnectionHttpClient.builder();
        builder.httpClientBuilder(client);
        if (t.region() != null) builder.region(Region.of(t.region()));
        if (t.endpoint() != null) builder.endpointOverride(t.endpoint());
        if (t.credentials() != null) builder.credentialsProvider(t.credentials());
        return builder;
    }
}
