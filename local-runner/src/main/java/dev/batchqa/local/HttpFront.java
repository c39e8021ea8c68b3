package dev.batchqa.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.batchqa.shared.events.CompletionEvent;
import dev.batchqa.shared.message.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What API Gateway's HTTP API does in front of the ingest function: each HTTP request becomes a payload v2
 * event (lower-cased headers, base64 for bodies that are not UTF-8 text, a request id), and the handler's
 * response becomes the HTTP response.
 *
 * <p>Local only, never routed by the deployed API: the "try it" page at {@code /} (static files from the class
 * path, {@code try-it/}) and a small read-only JSON endpoint, {@code GET /local/stats}, with the queue depth and
 * how many questions this runner's handlers completed, which the page shows; and {@code GET /local/events}, the
 * completion events (as the deployed EventBridge bus gets them) as Server-Sent Events: one
 * {@code event: QuestionCompleted} with {@code data: {"source","detail-type","time","detail":{...}}} per DONE,
 * FAILED or CANCELLED question (and {@code event: JobCompleted}, {@code JobFailed}, {@code JobCancelled} or
 * {@code JobExpired} per ended job), from the moment of subscribing, and a {@code : keep-alive} comment every
 * {@value #KEEP_ALIVE_SECONDS} s. {@code curl -N http://localhost:3000/local/events} follows them.
 */
public final class HttpFront implements AutoCloseable {
    /** API Gateway's own payload limit. */
    static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
    /** Between comments on an idle event stream, so that proxies and clients keep it open. */
    static final int KEEP_ALIVE_SECONDS = 15;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler;
    private final Supplier<Object> stats;
    private final LocalEvents events;

    private HttpFront(HttpServer server, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
            Supplier<Object> stats, LocalEvents events) {
        this.server = server;
        this.handler = handler;
        this.stats = stats;
        this.events = events;
    }

    public static HttpFront start(String host, int port,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) throws IOException {
        return start(host, port, handler, null);
    }

    /**
     * @param stats the body of {@code GET /local/stats} (written as JSON), or null for no such endpoint
     */
    public static HttpFront start(String host, int port,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, Supplier<Object> stats)
            throws IOException {
        return start(host, port, handler, stats, null);
    }

    /**
     * @param stats  the body of {@code GET /local/stats} (written as JSON), or null for no such endpoint
     * @param events the completion events of {@code GET /local/events}, or null for no such endpoint
     */
    public static HttpFront start(String host, int port,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, Supplier<Object> stats,
            LocalEvents events) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 128);
        } catch (java.net.BindException e) {
            throw new java.io.IOException("port " + port + " on " + host + " is in use (" + e.getMessage()
                    + "); stop what holds it, or set QA_HTTP_PORT to another port", e);
        }
        HttpFront front = new HttpFront(server, handler, stats, events);
        server.createContext("/", front::serve);
        server.setExecutor(front.executor);
        server.start();
        return front;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        if (serveLocal(exchange)) return;
        try (exchange) {
            byte[] body = readBody(exchange.getRequestBody());
            APIGatewayV2HTTPResponse response = body == null
                    ? tooLarge()
                    : handler.handleRequest(toEvent(exchange, body), new LocalContext("ingest-function", 30_000));
            byte[] bytes = response.getBody() == null ? new byte[0]
                    : response.getIsBase64Encoded() ? Base64.getDecoder().decode(response.getBody())
                    : response.getBody().getBytes(StandardCharsets.UTF_8);
            if (response.getHeaders() != null) response.getHeaders().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(response.getStatusCode(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (RuntimeException e) {
            // the handler turns every failure into a response; this is the front's own failure
            exchange.sendResponseHeaders(502, -1);
        }
    }

    /** The page, its script and the stats; false for everything else, which goes to the handler. */
    private boolean serveLocal(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if (!exchange.getRequestMethod().equals("GET")) return false;
        if (path.equals("/local/events") && events != null) {
            streamEvents(exchange);
            return true;
        }
        String resource = STATIC.get(path);
        if (resource == null && !(path.equals("/local/stats") && stats != null)) return false;
        try (exchange) {
            byte[] bytes;
            String type;
            if (resource != null) {
                try (InputStream in = HttpFront.class.getResourceAsStream("try-it/" + resource)) {
                    if (in == null) throw new IOException("missing resource try-it/" + resource);
                    bytes = in.readAllBytes();
                }
                type = resource.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
            } else {
                bytes = Json.MAPPER.writeValueAsBytes(stats.get());
                type = "application/json";
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (RuntimeException e) {
            exchange.sendResponseHeaders(502, -1);
        }
        return true;
    }

    /** Server-Sent Events until the client goes away or the front closes (its executor interrupts the wait). */
    private void streamEvents(HttpExchange exchange) throws IOException {
        BlockingQueue<String> queue = events.subscribe();
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(": subscribed\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String json = queue.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
                String frame = json == null ? ": keep-alive\n\n"
                        : "event: " + detailType(json) + "\ndata: " + json + "\n\n";
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush(); // an IOException here: the subscriber left
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException gone) {
            // the subscriber closed the stream
        } finally {
            events.unsubscribe(queue);
        }
    }

    /** The envelope's detail-type (QuestionCompleted, JobCompleted, ...): the SSE event name. */
    private static String detailType(String envelope) {
        try {
            return Json.MAPPER.readTree(envelope).path("detail-type").asText(CompletionEvent.DETAIL_TYPE);
        } catch (IOException e) {
            return CompletionEvent.DETAIL_TYPE;
        }
    }

    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/try-it/app.js", "app.js");

    private static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        String text = utf8OrNull(body);
        Instant now = Instant.now();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(path)
                .withRawQueryString(query == null ? "" : query)
                .withHeaders(headers)
                .withBody(body.length == 0 ? null : text != null ? text : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(body.length > 0 && text == null)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(UUID.randomUUID().toString())
                        .withRouteKey("$default")
                        .withStage("$default")
                        .withTimeEpoch(now.toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method)
                                .withPath(path)
                                .withProtocol(exchange.getProtocol())
                                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                                .withUserAgent(headers.get("user-agent"))
                                .build())
                        .build())
                .build();
    }

    /** The body, or null when it is larger than API Gateway accepts. */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_PAYLOAD_BYTES + 1);
        return bytes.length > MAX_PAYLOAD_BYTES ? null : bytes;
    }

    private static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static APIGatewayV2HTTPResponse tooLarge() {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(413)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"error\":{\"code\":\"BODY_TOO_LARGE\",\"message\":\"request body exceeds 10 MB\"}}")
                .build();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
