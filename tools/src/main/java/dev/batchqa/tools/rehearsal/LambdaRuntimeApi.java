package dev.batchqa.tools.rehearsal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API (2018-06-01) for one execution environment, enough for AWS's runtime
 * interface client: {@code GET invocation/next} (blocks until {@link #invoke} hands an event over),
 * {@code POST invocation/{id}/response}, {@code POST invocation/{id}/error}, {@code POST init/error}.
 *
 * <pre>{@code
 * try (LambdaRuntimeApi api = LambdaRuntimeApi.start("arn:aws:lambda:eu-west-1:000000000000:function:f")) {
 *   // child JVM with AWS_LAMBDA_RUNTIME_API=api.address()
 *   LambdaRuntimeApi.Result r = api.invoke(eventJson, Duration.ofSeconds(60));
 * }
 * }</pre>
 */
final class LambdaRuntimeApi implements AutoCloseable {

  private static final String PREFIX = "/2018-06-01/runtime/";

  /** One invocation's outcome; {@code durationMillis} from hand-over to the posted result. */
  record Result(boolean ok, String body, double durationMillis) {}

  private record Invocation(String id, String event, long deadlineEpochMillis, CompletableFuture<Result> result,
      long[] startedNanos) {}

  private final HttpServer server;
  private final String functionArn;
  private final BlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
  private final Map<String, Invocation> running = new ConcurrentHashMap<>();
  private final CompletableFuture<Long> firstNext = new CompletableFuture<>();
  private final CompletableFuture<String> initError = new CompletableFuture<>();

  private LambdaRuntimeApi(HttpServer server, String functionArn) {
    this.server = server;
    this.functionArn = functionArn;
  }

  static LambdaRuntimeApi start(String functionArn) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    LambdaRuntimeApi api = new LambdaRuntimeApi(server, functionArn);
    server.createContext(PREFIX, api::handle);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "runtime-api");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return api;
  }

  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** System.nanoTime() of the runtime's first {@code next}: the end of the init phase. */
  long awaitInit(Duration timeout) throws Exception {
    CompletableFuture<Object> either = CompletableFuture.anyOf(firstNext, initError);
    Object first = either.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (first instanceof String error) {
      throw new IllegalStateException("init error: " + error);
    }
    return (Long) first;
  }

  /**
   * The function's JVM ended: init and every invocation waiting on it fail at once instead of at their timeout
   * (what Lambda reports as Runtime.ExitError).
   */
  void processExited(int exitCode) {
    String error = "{\"errorType\":\"Runtime.ExitError\",\"exitCode\":" + exitCode + "}";
    initError.complete(error);
    running.values().forEach(inv -> inv.result().complete(new Result(false, error, 0)));
    pending.forEach(inv -> inv.result().complete(new Result(false, error, 0)));
  }

  /** Hands the event to the runtime's next {@code next} and waits for its response or error. */
  Result invoke(String event, Duration timeout) throws Exception {
    Invocation inv = new Invocation(UUID.randomUUID().toString(), event,
        System.currentTimeMillis() + timeout.toMillis(), new CompletableFuture<>(), new long[1]);
    pending.add(inv);
    return inv.result().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath().substring(PREFIX.length());
      String method = ex.getRequestMethod();
      if (method.equals("GET") && path.equals("invocation/next")) {
        firstNext.complete(System.nanoTime());
        Invocation inv = pending.take();
        inv.startedNanos()[0] = System.nanoTime();
        running.put(inv.id(), inv);
        ex.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", inv.id());
        ex.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", Long.toString(inv.deadlineEpochMillis()));
        ex.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn", functionArn);
        ex.getResponseHeaders().add("Lambda-Runtime-Trace-Id",
            "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + inv.id().replace("-", "").substring(0, 24)
                + ";Parent=0000000000000000;Sampled=0");
        reply(ex, 200, inv.event());
      } else if (method.equals("POST") && path.equals("init/error")) {
        initError.complete(body(ex));
        reply(ex, 202, "{\"status\":\"OK\"}");
      } else if (method.equals("POST") && path.startsWith("invocation/")
          && (path.endsWith("/response") || path.endsWith("/error"))) {
        String id = path.substring("invocation/".length(), path.lastIndexOf('/'));
        Invocation inv = running.remove(id);
        if (inv == null) {
          reply(ex, 400, "{\"errorMessage\":\"unknown request id\"}");
          return;
        }
        double ms = (System.nanoTime() - inv.startedNanos()[0]) / 1e6;
        inv.result().complete(new Result(path.endsWith("/response"), body(ex), ms));
        reply(ex, 202, "{\"status\":\"OK\"}");
      } else {
        reply(ex, 404, "{\"errorMessage\":\"not found\"}");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String body(HttpExchange ex) throws IOException {
    return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
