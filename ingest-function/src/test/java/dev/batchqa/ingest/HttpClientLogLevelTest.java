package dev.batchqa.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.batchqa.shared.aws.AwsClients;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * With {@code LOG_LEVEL=DEBUG} (a template parameter), the functions' logs must still hold no request or response
 * body and no credential: the Apache HTTP client under the SDK's pooled client would write both at DEBUG. A child
 * JVM with the functions' classpath and logging configuration and {@code LOG_LEVEL=DEBUG} makes a signed DynamoDB
 * call, with a session token, through that client to a local server; its whole output is checked.
 */
class HttpClientLogLevelTest {
    private static final String TOKEN = "TOKEN-c4f1e9";
    private static final String QUESTION = "QUESTION-7d2a0b";
    private static final String ANSWER = "ANSWER-93be15";

    @Test
    void debugLoggingWritesNoBodiesOrTokens() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), Probe.class.getName()))
                .redirectErrorStream(true);
        builder.environment().put("LOG_LEVEL", "DEBUG");
        Process child = builder.start();
        child.getOutputStream().close();
        String output;
        try (var in = child.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the probe ends");
        assertEquals(0, child.exitValue(), output);

        assertTrue(output.contains("probe: debug is on"), () -> "DEBUG reached the logs: " + output);
        assertTrue(output.contains("probe: answer read back"), () -> "the call went through the client: " + output);
        for (String secret : List.of(TOKEN, QUESTION, ANSWER, "Signature=")) {
            assertFalse(output.contains(secret), () -> secret + " in the logs:\n" + output);
        }
    }

    /** The child JVM: a local server that answers GetItem, and one call to it through the pooled client. */
    static final class Probe {
        public static void main(String[] args) throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] body = ("{\"Item\":{\"id\":{\"S\":\"" + ANSWER + "\"}}}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            var target = new AwsClients.Target("us-east-1",
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                    StaticCredentialsProvider.create(AwsSessionCredentials.create("AKIDPROBE", "secret-key", TOKEN)));
            try (DynamoDbClient dynamo = AwsClients.dynamoDb(target, AwsClients.Http.POOLED)) {
                LoggerFactory.getLogger(Probe.class).debug("probe: debug is on");
                var item = dynamo.getItem(r -> r.tableName("t").key(Map.of("id", AttributeValue.fromS(QUESTION)))).item();
                if (!ANSWER.equals(item.get("id").s())) throw new IOException("unexpected response");
                LoggerFactory.getLogger(Probe.class).info("probe: answer read back");
            } finally {
                server.stop(0);
            }
        }
    }
}
