package dev.batchqa.shared.aws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The one place SDK clients are built: the URL-connection HTTP client (no pool threads, quick to load, as Lambda
 * wants it). By default region, credentials and endpoints come from the SDK's chains, so {@code AWS_REGION} and
 * {@code AWS_ENDPOINT_URL[_SQS|_DYNAMODB]} work as everywhere else in the AWS ecosystem; the local runner names
 * them explicitly with a {@link Target}.
 *
 * <pre>{@code
 * DynamoDbClient dynamo = AwsClients.dynamoDb();                                          // Lambda
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

    public static DynamoDbClient dynamoDb() {
        return dynamoDb(Target.DEFAULT);
    }

    public static SqsClient sqs() {
        return sqs(Target.DEFAULT);
    }

    public static DynamoDbClient dynamoDb(Target target) {
        return configure(DynamoDbClient.builder(), target).build();
    }

    public static SqsClient sqs(Target target) {
        return configure(SqsClient.builder(), target).build();
    }

    private static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, Target t) {
        builder.httpClientBuilder(UrlConnectionHttpClient.builder());
        if (t.region() != null) builder.region(Region.of(t.region()));
        if (t.endpoint() != null) builder.endpointOverride(t.endpoint());
        if (t.credentials() != null) builder.credentialsProvider(t.credentials());
        return builder;
    }
}
