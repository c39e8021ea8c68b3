package dev.batchqa.shared.aws;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.SdkClient;
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

    /**
     * A client of {@code type} that builds the real one ({@code build}) on its first call, once, on the calling
     * thread. For a client that some containers never use or use only after their first request: building one costs
     * ~0.15-0.25 s of CPU at C1 (the service's model, endpoint rules, signer), which a Lambda init phase then no
     * longer pays. {@code close()} before any call builds nothing; {@code equals}, {@code hashCode} and
     * {@code toString} are the proxy's own.
     *
     * <pre>{@code
     * SqsClient sqs = AwsClients.lazy(SqsClient.class, AwsClients::sqs); // nothing built yet
     * sqs.sendMessage(request);                                          // built here
     * }</pre>
     */
    public static <T extends SdkClient> T lazy(Class<T> type, Supplier<T> build) {
        Objects.requireNonNull(build, "build");
        class Lazy implements InvocationHandler {
            private volatile T client;

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                switch (method.getName()) {
                    case "equals" -> { if (method.getParameterCount() == 1) return proxy == args[0]; }
                    case "hashCode" -> { if (method.getParameterCount() == 0) return System.identityHashCode(proxy); }
                    case "toString" -> { if (method.getParameterCount() == 0) return "lazy " + type.getSimpleName(); }
                    case "close" -> { if (method.getParameterCount() == 0 && client == null) return null; }
                    default -> { }
                }
                try {
                    return method.invoke(client(), args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }

            private T client() {
                T c = client;
                if (c == null) {
                    synchronized (this) {
                        c = client;
                        if (c == null) client = c = Objects.requireNonNull(build.get(), "build returned null");
                    }
                }
                return c;
            }
        }
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new Lazy()));
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
