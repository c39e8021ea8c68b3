package dev.batchqa.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * The job commands' authentication against a real HTTP server on loopback: a SigV4 request is re-signed on the
 * server from what arrived (method, path, query, the Host and headers it names, the body) with the same key, and the
 * signatures must agree; the mode follows the URL and the environment.
 */
class ApiAuthTest {
    private static final AwsBasicCredentials KEYS = AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    record Received(String method, URI uri, Map<String, List<String>> headers, byte[] body) {}

    private HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private URI base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        System.clearProperty("aws.region");
    }

    private void handle(HttpExchange exchange) throws java.io.IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI(),
                Map.copyOf(exchange.getRequestHeaders()), body));
        byte[] answer = "{\"id\": \"job_1\", \"status\": \"cancelling\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(202, answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    @Test
    void aSignedRequestVerifiesOnTheServerWithTheSameKey() throws Exception {
        ApiAuth auth = new ApiAuth(ApiAuth.Mode.IAM, null, StaticCredentialsProvider.create(KEYS), "eu-west-1",
                Clock.systemUTC());
        URI uri = URI.create(base + "/jobs?completionWindow=24h");
        byte[] body = "{\"custom_id\": \"a\", \"context\": \"c\", \"question\": \"q\"}\n".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                auth.apply(HttpRequest.newBuilder(uri), "POST", uri, "application/x-ndjson", body),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode());

        Received r = received.getFirst();
        String authorization = header(r, "Authorization");
        assertTrue(authorization.matches("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/execute-api/aws4_request, "
                + "SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}"), authorization);
        assertTrue(authorization.contains("content-type") && authorization.contains("x-amz-date"), authorization);
        assertEquals(authorization, resign(r, KEYS), "the server computes the same signature from what it received");

        // and a request changed on the way (another body) does not verify
        Received tampered = new Received(r.method(), r.uri(), r.headers(), "{}".getBytes(StandardCharsets.UTF_8));
        assertNotEquals(authorization, resign(tampered, KEYS));
        assertNotEquals(authorization, resign(r, AwsBasicCredentials.create("AKIDEXAMPLE", "another secret")));
    }

    @Test
    void jobCommandsSignWithTheDefaultCredentialsChainWhenAsked() throws Exception {
        System.setProperty("aws.accessKeyId", KEYS.accessKeyId());
        System.setProperty("aws.secretAccessKey", KEYS.secretAccessKey());
        System.setProperty("aws.region", "us-east-2");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BulkJobs.run(new String[] {"--cancel", "job_1", "--api", base.toString(), "--auth", "iam"}, Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString());
        Received r = received.getFirst();
        assertEquals("/jobs/job_1/cancel", r.uri().getPath());
        assertTrue(header(r, "Authorization").contains("/us-east-2/execute-api/aws4_request"), header(r, "Authorization"));
        assertEquals(header(r, "Authorization"), resign(r, KEYS));

        // the local runner (loopback) gets no credentials by default
        received.clear();
        assertEquals(0, BulkJobs.run(new String[] {"--cancel", "job_1", "--api", base.toString()}, Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertNull(header(received.getFirst(), "Authorization"));
    }

    @Test
    void autoPicksByTheUrlAndTheEnvironment() {
        assertEquals(ApiAuth.Mode.NONE, ApiAuth.choose("auto", URI.create("http://127.0.0.1:3000"), Map.of()).mode());
        assertEquals(ApiAuth.Mode.NONE, ApiAuth.choose("auto", URI.create("http://localhost:3000"), Map.of()).mode());
        assertEquals(ApiAuth.Mode.TOKEN, ApiAuth.choose("auto", URI.create("https://api.example.com"),
                Map.of("QA_API_TOKEN", "t")).mode());
        URI deployed = URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com");
        assertEquals(ApiAuth.Mode.IAM, ApiAuth.choose("auto", deployed, Map.of()).mode());
        assertEquals("eu-west-1", ApiAuth.region(deployed));
        System.setProperty("aws.region", "ap-south-1"); // the default region chain, for a URL that names none
        assertEquals(ApiAuth.Mode.IAM, ApiAuth.choose("iam", URI.create("http://127.0.0.1:3000"), Map.of()).mode());
        assertEquals("ap-south-1", ApiAuth.region(URI.create("https://api.example.com")));
        assertThrows(IllegalArgumentException.class, () -> ApiAuth.choose("token", deployed, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ApiAuth.choose("basic", deployed, Map.of()));
        assertTrue(!ApiAuth.isLoopback(URI.create("http://127.example.com")));
    }

    @Test
    void aTokenGoesAsABearer() throws Exception {
        ApiAuth auth = ApiAuth.choose("token", base, Map.of("QA_API_TOKEN", "eyJ.token"));
        URI uri = URI.create(base + "/jobs");
        HttpClient.newHttpClient().send(auth.apply(HttpRequest.newBuilder(uri), "GET", uri, null, null),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("Bearer eyJ.token", header(received.getFirst(), "Authorization"));
    }

    /** The server's side: the request as received, signed again at its X-Amz-Date with the given keys. */
    private static String resign(Received r, AwsBasicCredentials keys) {
        String auth = header(r, "Authorization");
        String signedHeaders = auth.replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
        String host = header(r, "Host");
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(r.method()))
                .uri(URI.create("http://" + host + r.uri().getRawPath()
                        + (r.uri().getRawQuery() == null ? "" : "?" + r.uri().getRawQuery())));
        for (String name : signedHeaders.split(";")) {
            if (name.equals("x-amz-date")) continue; // the signer writes it from the clock below
            request.putHeader(name, header(r, name));
        }
        String region = auth.replaceAll(".*Credential=[^/]+/\\d{8}/([^/]+)/.*", "$1");
        Instant at = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC)
                .parse(header(r, "X-Amz-Date"), Instant::from);
        return AwsV4HttpSigner.create().sign(s -> s.identity(keys).request(request.build())
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(r.body()))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
    }

    private static String header(Received r, String name) {
        for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) return h.getValue().getFirst();
        }
        return null;
    }
}
