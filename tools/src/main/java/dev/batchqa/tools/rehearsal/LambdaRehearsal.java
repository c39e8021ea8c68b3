package dev.batchqa.tools.rehearsal;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.local.AwsResources;
import dev.batchqa.local.Dynalite;
import dev.batchqa.local.EmbeddedSqs;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.model.QuestionSet;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The functions run as the Lambda Java runtime runs them (scripts/lambda-rehearsal): each in its own JVM with AWS's
 * runtime interface client as main class, the runtime's default JVM flags, {@code JAVA_TOOL_OPTIONS}, the
 * {@code AWS_LAMBDA_*} variables and its deployed layout (a zip function's jar extracted into the task root, the
 * image's {@code /opt/task/lib} and {@code /opt/libtorch} from docker/assemble-runtime.sh), against
 * {@link LambdaRuntimeApi}, ElasticMQ and dynalite. What runs (handler, package type, memory, environment) is read
 * from template.yaml and the Dockerfile ({@link DeployedFunctions}), so the list below is all there is to change
 * when a function moves.
 *
 * <p>Ingest gets API Gateway HTTP API v2 events (POST /qa, POST /qa/batch, GET /qa/{id}, a bad body); the
 * messages it queues go, as SQS events built from what ElasticMQ returns, to the inference function (batches of
 * the template's {@code QueueBatchSize}); a few are moved to the dead-letter queue and handed to the dead-letter function. Every response and every
 * record is checked. Prints per function Init Duration (JVM start to the runtime's first {@code next}), first and
 * steady invocation Duration, questions/s, peak RSS (VmHWM), then one JSON line; exits 1 if anything failed.
 */
public final class LambdaRehearsal {
  static final String REGION = "eu-west-1";
  static final String ACCOUNT = "000000000000";

  /** The functions rehearsed, in order (ingest queues what inference and dead-letter get). */
  static final List<String> FUNCTIONS = List.of("IngestFunction", "InferenceFunction", "DeadLetterFunction");

  /** Questions queued but kept from the inference function: they become dead letters. */
  static final int DEAD_LETTERS = 3;

  record Options(Path root, Path layout, Path model, String questions, int batches, int runs, List<String> functions,
      String inferenceToolOptions, Map<String, String> inferenceEnv, Path logDir) {}

  /** One cold start and its invocations. */
  record Figures(String function, String handler, int memoryMb, String flags, double initMs, double firstMs,
      double steadyMs, int invocations, double questionsPerSecond, long peakRssKb, Map<String, Object> phases,
      long initCpuMs, long steadyCpuMs) {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    Files.createDirectories(o.logDir());
    String loadBefore = loadAverage();
    List<Figures> figures = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (Dynalite dynalite = Dynalite.start(0);
        EmbeddedSqs sqsServer = EmbeddedSqs.start(0, REGION);
        DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(dynalite.endpoint())
            .region(Region.of(REGION)).credentialsProvider(LOCAL).build();
        SqsClient sqs = SqsClient.builder().endpointOverride(sqsServer.endpoint())
            .region(Region.of(REGION)).credentialsProvider(LOCAL).build()) {
      String table = "qa-rehearsal";
      AwsResources.ensureTable(dynamo, table);
      AwsResources.Queue queue = AwsResources.ensureQueue(sqs, "qa-rehearsal", 720, 5);
      AwsResources.Queue bulk = AwsResources.ensureQueue(sqs, "qa-rehearsal-bulk", 720, 5);
      DeployedFunctions deployed = DeployedFunctions.load(o.root(), Map.of(
          "QaTable", table, "QaQueue", queue.url(), "QaDeadLetterQueue", queue.deadLetterUrl(),
          "QaBulkQueue", bulk.url(), "JobTable", table + "-jobs", "JobBucket", table + "-jobs"));
      Rehearsal r = new Rehearsal(o, deployed, dynamo, sqs, queue, dynalite.endpoint(), sqsServer.endpoint(), table);
      for (String name : o.functions()) {
        try {
          figures.addAll(switch (name) {
            case "IngestFunction" -> List.of(r.ingest(deployed.function(name)));
            case "InferenceFunction" -> r.inference(deployed.function(name));
            case "DeadLetterFunction" -> List.of(r.deadLetter(deployed.function(name)));
            default -> throw new IllegalArgumentException("no rehearsal for " + name);
          });
        } catch (Exception e) {
          figures.addAll(r.partial);
          r.partial.clear();
          failures.add(name + ": " + e.getMessage());
          System.err.println("FAILED " + name + ": " + e);
        }
      }
    }
    report(o, figures, failures, loadBefore + " -> " + loadAverage());
    System.exit(failures.isEmpty() ? 0 : 1);
  }

  private static final StaticCredentialsProvider LOCAL =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

  /** The state shared by the three scenarios: ids and messages flow from ingest to the others. */
  static final class Rehearsal {
    private final Options o;
    private final DeployedFunctions deployed;
    private final SqsClient sqs;
    private final AwsResources.Queue queue;
    private final URI dynamoEndpoint;
    private final URI sqsEndpoint;
    private final DynamoDbRequestStore store;
    private final MessageCodec codec;
    private final Map<String, String> expected = new HashMap<>();
    private final List<String> deadLetterIds = new ArrayList<>();
    /** Figures of runs that completed before a check failed: still reported. */
    final List<Figures> partial = new ArrayList<>();

    Rehearsal(Options o, DeployedFunctions deployed, DynamoDbClient dynamo, SqsClient sqs, AwsResources.Queue queue,
        URI dynamoEndpoint, URI sqsEndpoint, String table) {
      this.o = o;
      this.deployed = deployed;
      this.sqs = sqs;
      this.queue = queue;
      this.dynamoEndpoint = dynamoEndpoint;
      this.sqsEndpoint = sqsEndpoint;
      Settings settings = Settings.from(Map.of(Settings.TABLE_NAME, table, Settings.QUEUE_URL, queue.url()));
      this.store = new DynamoDbRequestStore(dynamo, settings);
      this.codec = new MessageCodec(QaValidator.fromSettings(settings));
    }

    private int inferenceBatches() {
      return o.batches() * o.runs();
    }

    // ------------------------------------------------------------------------------------------- ingest

    Figures ingest(DeployedFunctions.Function f) throws Exception {
      checkHandler(f, "dev.batchqa.ingest.IngestHandler::handleRequest");
      try (Environment env = start(f, Map.of(), null)) {
        List<Double> durations = new ArrayList<>();
        for (int i = 0; i < DEAD_LETTERS; i++) {
          var q = RehearsalQuestions.batch(o.questions(), 1000 + i, DEAD_LETTERS).get(i);
          JsonNode body = call(env, durations, http("POST", "/qa", null,
              Json.MAPPER.writeValueAsString(Map.of("question", q.question(), "context", q.context()))), 202);
          String id = body.path("id").asText();
          require(body.path("status").asText().equals("PENDING"), "POST /qa status " + body);
          deadLetterIds.add(id);
        }
        for (int b = 0; b < inferenceBatches(); b++) {
          List<Map<String, Object>> items = new ArrayList<>();
          var batch = RehearsalQuestions.batch(o.questions(), b, deployed.queueBatchSize());
          for (var q : batch) {
            items.add(Map.of("question", q.question(), "context", q.context()));
          }
          JsonNode body = call(env, durations,
              http("POST", "/qa/batch", null, Json.MAPPER.writeValueAsString(Map.of("items", items))), 200);
          require(body.path("accepted").asInt() == batch.size() && body.path("rejected").asInt() == 0,
              "POST /qa/batch accepted " + body.path("accepted") + " of " + batch.size());
          for (int i = 0; i < batch.size(); i++) {
            expected.put(body.path("items").get(i).path("id").asText(), batch.get(i).expected());
          }
        }
        String someId = expected.keySet().iterator().next();
        JsonNode got = call(env, durations, http("GET", "/qa/" + someId, someId, null), 200);
        require(got.path("status").asText().equals("PENDING"), "GET /qa/{id} status " + got.path("status"));
        JsonNode bad = call(env, durations, http("POST", "/qa", null, "{\"question\": \"no context\""), 400);
        require(bad.path("error").path("code").isTextual(), "bad body answered without an error code: " + bad);
        String unknown = UUID.randomUUID().toString();
        call(env, durations, http("GET", "/qa/" + unknown, unknown, null), 404);
        for (String id : allIngested()) {
          QaRecord rec = store.find(id).orElseThrow(() -> new IllegalStateException("no record for " + id));
          require(rec.status() == QaStatus.PENDING, id + " is " + rec.status());
        }
        return env.figures(durations, 0);
      }
    }

    private List<String> allIngested() {
      List<String> ids = new ArrayList<>(expected.keySet());
      ids.addAll(deadLetterIds);
      return ids;
    }

    private JsonNode call(Environment env, List<Double> durations, String event, int status) throws Exception {
      LambdaRuntimeApi.Result r = env.api.invoke(event, Duration.ofSeconds(env.f.timeoutSeconds()));
      require(r.ok(), "invocation error: " + r.body());
      durations.add(r.durationMillis());
      env.invoked();
      JsonNode response = Json.MAPPER.readTree(r.body());
      require(response.path("statusCode").asInt() == status,
          "expected HTTP " + status + ", got " + response.path("statusCode") + " " + response.path("body"));
      return Json.MAPPER.readTree(response.path("body").asText());
    }

    // ---------------------------------------------------------------------------------------- inference

    List<Figures> inference(DeployedFunctions.Function f) throws Exception {
      checkHandler(f, "dev.batchqa.inference.InferenceHandler::handleRequest");
      require(f.handler().equals(deployed.imageCmd()) || !f.image(),
          "InferenceFunction runs " + f.handler() + " but the Dockerfile CMD is " + deployed.imageCmd());
      if (expected.isEmpty()) {
        seed();
      }
      List<Figures> runs = new ArrayList<>();
      for (int run = 0; run < o.runs(); run++) {
        Map<String, String> extra = new LinkedHashMap<>(o.inferenceEnv());
        try (Environment env = start(f, extra, o.inferenceToolOptions())) {
          List<Double> durations = new ArrayList<>();
          int answered = 0;
          int questions = 0;
          List<String> misses = new ArrayList<>();
          for (int b = 0; b < o.batches(); b++) {
            List<Message> messages = receive(queue.url(), deployed.queueBatchSize());
            ObjectNode event = sqsEvent(messages, queue.arn());
            LambdaRuntimeApi.Result r = env.api.invoke(Json.MAPPER.writeValueAsString(event),
                Duration.ofSeconds(f.timeoutSeconds()));
            require(r.ok(), "invocation error: " + r.body());
            JsonNode failures = Json.MAPPER.readTree(r.body()).path("batchItemFailures");
            require(failures.isArray() && failures.isEmpty(), "batchItemFailures: " + failures);
            durations.add(r.durationMillis());
            env.invoked();
            for (Message m : messages) {
              // what the event source mapping does with a message not reported as failed
              sqs.deleteMessage(d -> d.queueUrl(queue.url()).receiptHandle(m.receiptHandle()));
              String id = MessageCodec.bestEffortId(m.body(), m.messageId());
              QaRecord rec = store.find(id).orElseThrow(() -> new IllegalStateException("no record for " + id));
              require(rec.status() == QaStatus.DONE, id + " is " + rec.status() + " " + rec.error());
              String want = expected.get(id);
              String got = rec.answers().isEmpty() ? "" : rec.answers().get(0).text();
              if (want != null && matches(got, want)) {
                answered++;
              } else if (misses.size() < 5) {
                misses.add("'" + got + "' for '" + want + "'");
              }
              questions++;
            }
          }
          runs.add(env.figures(durations, deployed.queueBatchSize()));
          int required = RehearsalQuestions.required(o.questions(), questions);
          if (answered < required) {
            partial.addAll(runs);
            throw new IllegalStateException("right answers " + answered + " of " + questions + " (need "
                + required + "), e.g. " + misses);
          }
        }
      }
      return runs;
    }

    /**
     * SQuAD's normalisation (case, punctuation, articles), and a span that holds the answer or lies within it
     * counts: "the Denver Broncos" for "Denver Broncos". The fixture model's answers are exact anyway.
     */
    boolean matches(String got, String want) {
      String g = normalise(got);
      String w = normalise(want);
      return !g.isEmpty() && (g.equals(w) || (!o.questions().equals("fixture") && (g.contains(w) || w.contains(g))));
    }

    static String normalise(String s) {
      return s.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}]", " ").replaceAll("\\b(a|an|the)\\b", " ")
          .replaceAll("\\s+", " ").strip();
    }

    /** Without the ingest function: records and messages as it would write them. */
    private void seed() {
      for (int b = 0; b < inferenceBatches(); b++) {
        for (var q : RehearsalQuestions.batch(o.questions(), b, deployed.queueBatchSize())) {
          String id = UUID.randomUUID().toString();
          store.createPending(QaRecord.pending(id, q.question(), 1, null, Instant.now()));
          sqs.sendMessage(s -> s.queueUrl(queue.url())
              .messageBody(codec.encode(QuestionSet.single(id, q.question(), q.context(), 1, null))));
          expected.put(id, q.expected());
        }
      }
      for (int i = 0; i < DEAD_LETTERS; i++) {
        String id = UUID.randomUUID().toString();
        String question = "q" + i; // the record's question: a failure must match it, as a completion must
        store.createPending(QaRecord.pending(id, question, 1, null, Instant.now()));
        sqs.sendMessage(s -> s.queueUrl(queue.url())
            .messageBody(codec.encode(QuestionSet.single(id, question, "c", 1, null))));
        deadLetterIds.add(id);
      }
    }

    /**
     * {@code n} messages, but never the dead-letter candidates (they are moved to the dead-letter queue, as SQS
     * does after maxReceiveCount receives). Receives of at most 10, as the event source mapping makes them.
     */
    private List<Message> receive(String url, int n) {
      List<Message> got = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (got.size() < n && System.nanoTime() < until) {
        for (Message m : sqs.receiveMessage(rq -> rq.queueUrl(url).maxNumberOfMessages(Math.min(10, n - got.size()))
            .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)
            .messageAttributeNames("All")).messages()) {
          if (url.equals(queue.url()) && deadLetterIds.contains(MessageCodec.bestEffortId(m.body(), ""))) {
            sqs.sendMessage(s -> s.queueUrl(queue.deadLetterUrl()).messageBody(m.body()));
            sqs.deleteMessage(d -> d.queueUrl(url).receiptHandle(m.receiptHandle()));
          } else {
            got.add(m);
          }
        }
      }
      require(got.size() == n, "expected " + n + " messages in " + url + ", got " + got.size());
      return got;
    }

    // -------------------------------------------------------------------------------------- dead letter

    Figures deadLetter(DeployedFunctions.Function f) throws Exception {
      checkHandler(f, "dev.batchqa.ingest.DeadLetterHandler::handleRequest");
      if (deadLetterIds.isEmpty()) {
        seed();
      }
      // the candidates still in the question queue (no inference run took them out) move now
      drainToDeadLetterQueue();
      try (Environment env = start(f, Map.of(), null)) {
        List<Double> durations = new ArrayList<>();
        for (int i = 0; i < deadLetterIds.size(); i++) {
          List<Message> messages = receive(queue.deadLetterUrl(), 1);
          ObjectNode event = sqsEvent(messages, queue.deadLetterArn());
          LambdaRuntimeApi.Result r = env.api.invoke(Json.MAPPER.writeValueAsString(event),
              Duration.ofSeconds(f.timeoutSeconds()));
          require(r.ok(), "invocation error: " + r.body());
          require(Json.MAPPER.readTree(r.body()).path("batchItemFailures").isEmpty(), "failures: " + r.body());
          durations.add(r.durationMillis());
          env.invoked();
          sqs.deleteMessage(d -> d.queueUrl(queue.deadLetterUrl()).receiptHandle(messages.get(0).receiptHandle()));
        }
        for (String id : deadLetterIds) {
          QaRecord rec = store.find(id).orElseThrow(() -> new IllegalStateException("no record for " + id));
          require(rec.status() == QaStatus.FAILED && rec.error() != null
              && rec.error().code().equals("RETRIES_EXHAUSTED"), id + " is " + rec.status() + " " + rec.error());
        }
        return env.figures(durations, 0);
      }
    }

    private void drainToDeadLetterQueue() {
      while (true) {
        List<Message> ms = sqs.receiveMessage(rq -> rq.queueUrl(queue.url()).maxNumberOfMessages(10)
            .waitTimeSeconds(0)).messages();
        if (ms.isEmpty()) {
          return;
        }
        for (Message m : ms) {
          if (deadLetterIds.contains(MessageCodec.bestEffortId(m.body(), ""))) {
            sqs.sendMessage(s -> s.queueUrl(queue.deadLetterUrl()).messageBody(m.body()));
            sqs.deleteMessage(d -> d.queueUrl(queue.url()).receiptHandle(m.receiptHandle()));
          }
        }
      }
    }

    // -------------------------------------------------------------------------------------- the runtime

    private void checkHandler(DeployedFunctions.Function f, String rehearsed) {
      require(f.handler().equals(rehearsed), f.logicalId() + ": template.yaml/Dockerfile say " + f.handler()
          + ", the rehearsal's events are for " + rehearsed);
    }

    /** A fresh execution environment: task root laid out, JVM started under the runtime interface client. */
    Environment start(DeployedFunctions.Function f, Map<String, String> extraEnv, String toolOptionsOverride)
        throws Exception {
      Path work = Files.createTempDirectory("rehearsal-" + f.logicalId());
      Path taskRoot;
      Map<String, String> env = new LinkedHashMap<>();
      if (f.image()) {
        taskRoot = o.layout().resolve("opt/task");
        require(Files.isDirectory(taskRoot.resolve("lib")), "no image layout at " + o.layout());
      } else {
        taskRoot = work.resolve("task");
        unzip(f.zipArtifact(), taskRoot);
      }
      for (var e : f.environment().entrySet()) {
        // the image's absolute paths, mapped into the rehearsal's layout
        String v = e.getValue();
        if (v.startsWith("/opt/model")) {
          v = o.model().toString();
        } else if (v.startsWith("/opt/")) {
          v = o.layout().resolve(v.substring(1)).toString();
        } else if (v.startsWith("/tmp/")) {
          v = work.resolve(v.substring(5)).toString();
        }
        env.put(e.getKey(), v);
      }
      env.putAll(extraEnv);
      String toolOptions = toolOptionsOverride != null ? toolOptionsOverride : f.javaToolOptions();
      if (toolOptions.isBlank()) {
        env.remove("JAVA_TOOL_OPTIONS");
      } else {
        env.put("JAVA_TOOL_OPTIONS", toolOptions);
      }
      LambdaRuntimeApi api = LambdaRuntimeApi.start(
          "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + f.logicalId());
      List<String> flags = runtimeFlags(f.memoryMb(), toolOptions);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(flags);
      cmd.addAll(List.of("-classpath", runtimeClasspath(), AWSLambda.class.getName(), f.handler()));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(taskRoot.toFile()).redirectErrorStream(true);
      Path log = o.logDir().resolve(f.logicalId() + "-" + System.currentTimeMillis() + ".log");
      pb.redirectOutput(log.toFile());
      Map<String, String> penv = pb.environment();
      penv.clear();
      penv.put("PATH", "/usr/local/bin:/usr/bin:/bin");
      penv.put("LANG", "en_US.UTF-8");
      penv.put("TZ", ":UTC");
      penv.put("LAMBDA_TASK_ROOT", taskRoot.toString());
      penv.put("LAMBDA_RUNTIME_DIR", "/var/runtime");
      penv.put("_HANDLER", f.handler());
      penv.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
      penv.put("AWS_LAMBDA_RUNTIME_API", api.address());
      penv.put("AWS_LAMBDA_FUNCTION_NAME", f.logicalId());
      penv.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(f.memoryMb()));
      penv.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
      penv.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
      penv.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/rehearsal-" + f.logicalId());
      penv.put("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]" + UUID.randomUUID().toString().replace("-", ""));
      penv.put("AWS_REGION", REGION);
      penv.put("AWS_DEFAULT_REGION", REGION);
      penv.put("AWS_ACCESS_KEY_ID", "local");
      penv.put("AWS_SECRET_ACCESS_KEY", "local");
      penv.put("AWS_SESSION_TOKEN", "local");
      penv.put("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
      penv.put("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000");
      // not in Lambda: the emulators' endpoints (the SDK's standard variables)
      penv.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoEndpoint.toString());
      penv.put("AWS_ENDPOINT_URL_SQS", sqsEndpoint.toString());
      penv.putAll(env);
      long t0 = System.nanoTime();
      Process p = pb.start();
      p.onExit().thenRun(() -> api.processExited(p.exitValue()));
      Environment e = new Environment(f, api, p, log, work, String.join(" ", flags)
          + (toolOptions.isBlank() ? "" : " | JAVA_TOOL_OPTIONS=" + toolOptions));
      try {
        e.initMs = (api.awaitInit(Duration.ofSeconds(120)) - t0) / 1e6;
        e.initCpuMs = cpuMs(p.pid());
      } catch (Exception ex) {
        e.close();
        throw new IllegalStateException("init failed: " + ex.getMessage() + "\n" + e.tail(30), ex);
      }
      return e;
    }
  }

  /**
   * The java21 runtime's JVM flags for a memory size. What AWS documents: C1 only (TieredStopAtLevel=1) for Java
   * 17 and 21, JAVA_TOOL_OPTIONS honoured. The rest is the command line observed in java17 functions (not
   * confirmed for java21, the base image could not be pulled here): heap 85 % of the memory, serial GC, the
   * runtime's CDS archive (here the JDK's default one), java.io opened for the client. A flag that
   * JAVA_TOOL_OPTIONS sets is left out (on a command line it would win over JAVA_TOOL_OPTIONS, and AWS documents
   * JAVA_TOOL_OPTIONS as the way to change them).
   */
  static List<String> runtimeFlags(int memoryMb, String toolOptions) {
    List<String> flags = new ArrayList<>();
    if (!toolOptions.contains("MaxHeapSize") && !toolOptions.contains("-Xmx")) {
      flags.add("-XX:MaxHeapSize=" + (memoryMb * 1024L * 85 / 100) + "k");
    }
    if (!toolOptions.matches(".*-XX:\\+Use\\w+GC.*")) {
      flags.add("-XX:+UseSerialGC");
    }
    if (!toolOptions.contains("-Xshare") && !toolOptions.contains("SharedArchiveFile")
        && !toolOptions.contains("AutoCreateSharedArchive") && !toolOptions.contains("AOTCache")) {
      flags.add("-Xshare:auto");
    }
    if (!toolOptions.contains("TieredStopAtLevel") && !toolOptions.contains("TieredCompilation")) {
      flags.add("-XX:+TieredCompilation");
      flags.add("-XX:TieredStopAtLevel=1");
    }
    flags.addAll(List.of("--add-opens=java.base/java.io=ALL-UNNAMED", "-Djava.net.preferIPv4Stack=true",
        "-XX:+ErrorFileToStderr"));
    return flags;
  }

  /** The runtime's own jars (/var/runtime/lib in the base image): client, serialization, core. */
  static String runtimeClasspath() throws Exception {
    List<String> cp = new ArrayList<>();
    for (Class<?> c : List.of(AWSLambda.class, PojoSerializer.class,
        com.amazonaws.services.lambda.runtime.LambdaLogger.class,
        software.amazon.awssdk.utilslite.SdkInternalThreadLocal.class)) {
      String jar = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      if (!cp.contains(jar)) {
        cp.add(jar);
      }
    }
    return String.join(":", cp);
  }

  /** One execution environment: its runtime API, JVM and log. */
  static final class Environment implements AutoCloseable {
    final DeployedFunctions.Function f;
    final LambdaRuntimeApi api;
    final Process process;
    final Path log;
    final Path work;
    final String flags;
    double initMs;
    /** CPU time of the function's JVM (all threads) at the end of init and of the first invocation. */
    long initCpuMs;
    long cpuAfterFirstMs = -1;

    Environment(DeployedFunctions.Function f, LambdaRuntimeApi api, Process process, Path log, Path work,
        String flags) {
      this.f = f;
      this.api = api;
      this.process = process;
      this.log = log;
      this.work = work;
      this.flags = flags;
    }

    Figures figures(List<Double> durations, int questionsPerInvocation) throws IOException {
      long rss = peakRssKb(process.pid());
      long steadyCpu = durations.size() > 1 ? (cpuMs(process.pid()) - cpuAfterFirstMs) / (durations.size() - 1) : 0;
      double steady = durations.size() > 1
          ? durations.subList(1, durations.size()).stream().mapToDouble(d -> d).average().orElse(0) : 0;
      double qps = steady > 0 && questionsPerInvocation > 0 ? questionsPerInvocation / (steady / 1000) : 0;
      return new Figures(f.logicalId(), f.handler(), f.memoryMb(), flags, initMs, durations.get(0), steady,
          durations.size(), qps, rss, initPhases(), initCpuMs, steadyCpu);
    }

    /** The inference handler's "init phases" log line, if it wrote one. */
    Map<String, Object> initPhases() throws IOException {
      Map<String, Object> phases = new LinkedHashMap<>();
      for (String line : Files.readAllLines(log)) {
        if (line.contains("\"message\":\"init phases\"")) {
          JsonNode n = Json.MAPPER.readTree(line.substring(line.indexOf('{')));
          n.fieldNames().forEachRemaining(k -> {
            if (k.endsWith("Ms")) {
              phases.put(k, n.get(k).asText());
            }
          });
        }
      }
      return phases;
    }

    /** Called after every invocation: keeps the CPU time after the first one. */
    void invoked() {
      if (cpuAfterFirstMs < 0) {
        cpuAfterFirstMs = cpuMs(process.pid());
      }
    }

    String tail(int lines) {
      try {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }

    @Override
    public void close() {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      api.close();
    }
  }

  /**
   * User + system CPU time of a process, all threads (/proc/PID/stat, clock ticks at 100 Hz). Beside the wall
   * time: on a machine shared with other builds, CPU time is what the function itself spent.
   */
  static long cpuMs(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long peakRssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }

  /** Lambda extracts a zip function's artifact (here the shaded jar) into the task root. */
  static void unzip(Path zip, Path dir) throws IOException {
    require(Files.isRegularFile(zip), "no artifact " + zip + " (mvn package first)");
    try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        Path target = dir.resolve(e.getName()).normalize();
        require(target.startsWith(dir), "zip entry outside the task root: " + e.getName());
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(z, target);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------- events

  /** An API Gateway HTTP API (payload 2.0) event for one of the template's routes, IAM-authorized. */
  static String http(String method, String path, String idParameter, String body) throws IOException {
    ObjectNode e = Json.MAPPER.createObjectNode();
    String route = method + " " + (idParameter != null ? "/qa/{id}" : path);
    e.put("version", "2.0");
    e.put("routeKey", route);
    e.put("rawPath", path);
    e.put("rawQueryString", "");
    ObjectNode headers = e.putObject("headers");
    headers.put("accept", "*/*");
    headers.put("host", "abcdef1234.execute-api." + REGION + ".amazonaws.com");
    headers.put("user-agent", "lambda-rehearsal");
    headers.put("x-amzn-trace-id", "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-"
        + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
    headers.put("x-forwarded-for", "192.0.2.10");
    headers.put("x-forwarded-port", "443");
    headers.put("x-forwarded-proto", "https");
    if (body != null) {
      headers.put("content-type", "application/json");
      headers.put("content-length", Integer.toString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
    }
    ObjectNode rc = e.putObject("requestContext");
    rc.put("accountId", ACCOUNT);
    rc.put("apiId", "abcdef1234");
    ObjectNode iam = rc.putObject("authorizer").putObject("iam");
    iam.put("accessKey", "AKIAIOSFODNN7EXAMPLE");
    iam.put("accountId", ACCOUNT);
    iam.put("callerId", "AIDAEXAMPLE");
    iam.putNull("cognitoIdentity");
    iam.put("principalOrgId", "o-example");
    iam.put("userArn", "arn:aws:iam::" + ACCOUNT + ":user/rehearsal");
    iam.put("userId", "AIDAEXAMPLE");
    rc.put("domainName", "abcdef1234.execute-api." + REGION + ".amazonaws.com");
    rc.put("domainPrefix", "abcdef1234");
    ObjectNode http = rc.putObject("http");
    http.put("method", method);
    http.put("path", path);
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "192.0.2.10");
    http.put("userAgent", "lambda-rehearsal");
    rc.put("requestId", UUID.randomUUID().toString().substring(0, 16) + "=");
    rc.put("routeKey", route);
    rc.put("stage", "$default");
    rc.put("time", java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)));
    rc.put("timeEpoch", System.currentTimeMillis());
    if (idParameter != null) {
      e.putObject("pathParameters").put("id", idParameter);
    }
    if (body != null) {
      e.put("body", body);
    }
    e.put("isBase64Encoded", false);
    return Json.MAPPER.writeValueAsString(e);
  }

  /** An SQS event as the event source mapping builds it from received messages. */
  static ObjectNode sqsEvent(List<Message> messages, String queueArn) {
    ArrayNode records = Json.MAPPER.createArrayNode();
    for (Message m : messages) {
      ObjectNode r = records.addObject();
      r.put("messageId", m.messageId());
      r.put("receiptHandle", m.receiptHandle());
      r.put("body", m.body());
      ObjectNode attrs = r.putObject("attributes");
      m.attributesAsStrings().forEach((k, v) -> {
        if (List.of("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")
            .contains(k)) {
          attrs.put(k, v);
        }
      });
      attrs.put("SenderId", attrs.path("SenderId").asText("AIDAEXAMPLE"));
      r.putObject("messageAttributes");
      r.put("md5OfBody", m.md5OfBody());
      r.put("eventSource", "aws:sqs");
      r.put("eventSourceARN", queueArn);
      r.put("awsRegion", REGION);
    }
    ObjectNode event = Json.MAPPER.createObjectNode();
    event.set("Records", records);
    return event;
  }

  // ------------------------------------------------------------------------------------------- report

  /** This machine's 1-minute load average: figures taken beside other builds are not quiet figures. */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  static void report(Options o, List<Figures> figures, List<String> failures, String load) throws IOException {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-20s %6s %9s %9s %9s %6s %8s %8s %9s %10s%n", "function", "MB", "init ms",
        "first ms", "steady ms", "calls", "q/s", "RSS MB", "init CPU", "steady CPU");
    for (Figures f : figures) {
      System.out.printf(Locale.ROOT, "%-20s %6d %9.0f %9.0f %9.0f %6d %8s %8d %9d %10d%n", f.function(),
          f.memoryMb(), f.initMs(), f.firstMs(), f.steadyMs(), f.invocations(),
          f.questionsPerSecond() > 0 ? String.format(Locale.ROOT, "%.1f", f.questionsPerSecond()) : "-",
          f.peakRssKb() / 1024, f.initCpuMs(), f.steadyCpuMs());
    }
    for (Figures f : figures) {
      if (!f.phases().isEmpty()) {
        System.out.println(f.function() + " init phases (ms): " + f.phases());
      }
    }
    System.out.println("flags:");
    figures.stream().map(f -> "  " + f.function() + ": " + f.flags()).distinct().forEach(System.out::println);
    System.out.println("model: " + o.model() + ", questions: " + o.questions() + ", JVM: "
        + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
        + Runtime.getRuntime().availableProcessors() + " CPUs, load average " + load + ", logs: " + o.logDir());
    for (String failure : failures) {
      System.out.println("FAILED " + failure);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("rehearsal", failures.isEmpty() ? "ok" : "failed");
    json.put("model", o.model().getFileName().toString());
    json.put("java", System.getProperty("java.version"));
    json.put("loadAverage", load);
    List<Map<String, Object>> fs = new ArrayList<>();
    for (Figures f : figures) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("function", f.function());
      m.put("memoryMb", f.memoryMb());
      m.put("initMs", Math.round(f.initMs()));
      m.put("firstMs", Math.round(f.firstMs()));
      m.put("initPlusFirstMs", Math.round(f.initMs() + f.firstMs()));
      m.put("steadyMs", Math.round(f.steadyMs()));
      m.put("invocations", f.invocations());
      if (f.questionsPerSecond() > 0) {
        m.put("questionsPerSecond", Math.round(f.questionsPerSecond() * 10) / 10.0);
      }
      m.put("peakRssMb", f.peakRssKb() / 1024);
      m.put("initCpuMs", f.initCpuMs());
      m.put("steadyCpuMsPerInvocation", f.steadyCpuMs());
      if (!f.phases().isEmpty()) {
        m.put("initPhasesMs", f.phases());
      }
      m.put("flags", f.flags());
      fs.add(m);
    }
    json.put("functions", fs);
    json.put("failures", failures);
    System.out.println(Json.MAPPER.writeValueAsString(json));
  }

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  static Options parse(String[] args) {
    Path root = null;
    Path layout = null;
    Path model = null;
    String questions = null;
    int batches = 5;
    int runs = 1;
    List<String> functions = FUNCTIONS;
    String toolOptions = null;
    Map<String, String> env = new LinkedHashMap<>();
    Path logDir = null;
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--root" -> root = Path.of(v).toAbsolutePath();
        case "--layout" -> layout = Path.of(v).toAbsolutePath();
        case "--model" -> model = Path.of(v).toAbsolutePath();
        case "--questions" -> questions = v;
        case "--batches" -> batches = Integer.parseInt(v);
        case "--runs" -> runs = Integer.parseInt(v);
        case "--functions" -> functions = Arrays.asList(v.split(","));
        case "--inference-java-tool-options" -> toolOptions = v;
        case "--inference-env" -> env.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
        case "--log-dir" -> logDir = Path.of(v).toAbsolutePath();
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      i++;
    }
    if (questions == null) {
      questions = model != null && model.getFileName().toString().equals("tiny-qa") ? "fixture" : "squad";
    }
    return new Options(root, layout, model, questions, batches, runs, functions, toolOptions, env, logDir);
  }
}
