package dev.batchqa.local;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchqa.shared.DynamoDbRequestStore;
import dev.batchqa.shared.Json;
import dev.batchqa.shared.MessageCodec;
import dev.batchqa.shared.QaMessage;
import dev.batchqa.shared.QaRecord;
import dev.batchqa.shared.QaStatus;
import dev.batchqa.shared.QaValidator;
import dev.batchqa.shared.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The inference function run as the Lambda Java runtime runs it: its own JVM with AWS's runtime
 * interface client as main class and the handler string as argument, the image's layout
 * (docker/assemble-runtime.sh), the AWS_LAMBDA_* variables, and SQS events (batches of 10) through
 * {@link LambdaRuntimeApi}; answers checked in dynalite. Prints Init Duration, first and steady
 * Duration, questions/s, peak RSS and a final JSON line.
 *
 * <p>Arguments: {@code <layout-root> <model-dir> <batches>}; layout-root holds opt/task/lib and
 * opt/libtorch as assemble-runtime.sh wrote them (scripts/lambda-rehearsal does it).
 */
public final class LambdaRehearsal {
  static final String REGION = "eu-west-1";
  static final String HANDLER = "dev.batchqa.inference.InferenceHandler::handleRequest";
  static final int MEMORY_MB = 3008;

  public static void main(String[] args) throws Exception {
    Path layout = Path.of(args[0]).toAbsolutePath();
    Path model = Path.of(args[1]).toAbsolutePath();
    int batches = Integer.parseInt(args[2]);
    String table = "qa-rehearsal";
    try (Dynalite dynalite = Dynalite.start(0);
        DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(dynalite.endpoint())
            .region(Region.of(REGION)).credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create("local", "local"))).build();
        LambdaRuntimeApi api = LambdaRuntimeApi.start(
            "arn:aws:lambda:" + REGION + ":000000000000:function:InferenceFunction")) {
      AwsResources.ensureTable(dynamo, table);
      Map<String, String> fnEnv = new HashMap<>();
      fnEnv.put(Settings.TABLE_NAME, table);
      fnEnv.put(Settings.QUEUE_URL, "http://127.0.0.1:1/000000000000/qa-rehearsal");
      Settings settings = Settings.from(fnEnv);
      MessageCodec codec = new MessageCodec(QaValidator.fromSettings(settings));
      DynamoDbRequestStore store = new DynamoDbRequestStore(dynamo, settings);

      Process fn = launch(layout, model, api.address(), dynalite.endpoint(), fnEnv);
      long t0 = System.nanoTime();
      RssSampler rss = new RssSampler(fn.pid());
      rss.start();
      fn.onExit().thenRun(() -> System.err.println("function JVM exited: " + fn.exitValue()));
      double initMs = (api.awaitInit(Duration.ofMinutes(2)) - t0) / 1e6;
      List<Double> durations = new ArrayList<>();
      int questions = 0;
      double busyMs = 0;
      for (int b = 0; b < batches; b++) {
        List<String> ids = new ArrayList<>();
        ArrayNode records = Json.MAPPER.createArrayNode();
        for (int i = 0; i < 10; i++) {
          String id = UUID.randomUUID().toString();
          ids.add(id);
          String question = "What colour is the fox number " + i + "?";
          String context = "The quick brown fox number " + i + " jumps over the lazy dog near the river bank.";
          store.createPending(QaRecord.pending(id, question, 1, null, Instant.now()));
          records.add(sqsRecord(codec.encode(QaMessage.of(id, question, context, 1, null))));
        }
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.set("Records", records);
        LambdaRuntimeApi.Result r = api.invoke(Json.MAPPER.writeValueAsString(event), Duration.ofMinutes(5));
        if (!r.ok()) {
          throw new IllegalStateException("invocation error: " + r.body());
        }
        JsonNode failures = Json.MAPPER.readTree(r.body()).path("batchItemFailures");
        if (failures.size() != 0) {
          throw new IllegalStateException("batchItemFailures: " + failures);
        }
        for (String id : ids) {
          QaRecord rec = store.find(id).orElseThrow();
          if (rec.status() != QaStatus.DONE) {
            throw new IllegalStateException(id + " is " + rec.status());
          }
        }
        durations.add(r.durationMillis());
        questions += ids.size();
        if (b > 0) {
          busyMs += r.durationMillis();
        }
      }
      fn.destroy();
      rss.stopSampling();
      double steady = batches > 1 ? durations.subList(1, durations.size()).stream().mapToDouble(d -> d).average().orElse(0) : 0;
      double qps = batches > 1 ? (questions - 10) / (busyMs / 1000) : 0;
      System.out.printf(Locale.ROOT, "InferenceFunction: Init Duration %.0f ms, first Duration %.0f ms,"
          + " steady Duration %.0f ms (mean of %d), %.1f questions/s, peak RSS %d MB%n",
          initMs, durations.get(0), steady, batches - 1, qps, rss.peakKb() / 1024);
      System.out.printf(Locale.ROOT, "{\"function\":\"InferenceFunction\",\"model\":\"%s\",\"initMs\":%.0f,"
          + "\"firstMs\":%.0f,\"steadyMs\":%.0f,\"questionsPerSecond\":%.2f,\"peakRssMb\":%d,\"questions\":%d}%n",
          model.getFileName(), initMs, durations.get(0), steady, qps, rss.peakKb() / 1024, questions);
    }
  }

  static ObjectNode sqsRecord(String body) {
    ObjectNode r = Json.MAPPER.createObjectNode();
    r.put("messageId", UUID.randomUUID().toString());
    r.put("receiptHandle", UUID.randomUUID().toString());
    r.put("body", body);
    ObjectNode attrs = r.putObject("attributes");
    attrs.put("ApproximateReceiveCount", "1");
    attrs.put("SentTimestamp", Long.toString(System.currentTimeMillis()));
    attrs.put("SenderId", "000000000000");
    attrs.put("ApproximateFirstReceiveTimestamp", Long.toString(System.currentTimeMillis()));
    r.putObject("messageAttributes");
    r.put("md5OfBody", "");
    r.put("eventSource", "aws:sqs");
    r.put("eventSourceARN", "arn:aws:sqs:" + REGION + ":000000000000:qa-rehearsal");
    r.put("awsRegion", REGION);
    return r;
  }

  /**
   * The Lambda Java runtime's JVM: the runtime interface client (its own jars, as /var/runtime/lib)
   * loads the handler from LAMBDA_TASK_ROOT/lib. Heap from memory as the java21 bootstrap does
   * (85 % of the function memory), SerialGC, CDS, C1 only (also the template's JAVA_TOOL_OPTIONS).
   */
  static Process launch(Path layout, Path model, String runtimeApi, URI dynamo, Map<String, String> fnEnv)
      throws Exception {
    List<String> runtimeCp = new ArrayList<>();
    for (Class<?> c : List.of(AWSLambda.class, PojoSerializer.class,
        com.amazonaws.services.lambda.runtime.LambdaLogger.class,
        software.amazon.awssdk.utilslite.SdkInternalThreadLocal.class)) {
      runtimeCp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    Path taskRoot = layout.resolve("opt/task");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:MaxHeapSize=" + (MEMORY_MB * 85 / 100) + "m", "-XX:MaxMetaspaceSize=256m",
        "-XX:+UseSerialGC", "-Xshare:auto", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
        "-cp", String.join(":", runtimeCp),
        "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER));
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/bin:/bin");
    env.putAll(fnEnv);
    env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
    env.put("_HANDLER", HANDLER);
    env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
    env.put("AWS_LAMBDA_FUNCTION_NAME", "InferenceFunction");
    env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(MEMORY_MB));
    env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/InferenceFunction");
    env.put("AWS_LAMBDA_LOG_STREAM_NAME", "rehearsal");
    env.put("AWS_REGION", REGION);
    env.put("AWS_DEFAULT_REGION", REGION);
    env.put("AWS_ACCESS_KEY_ID", "local");
    env.put("AWS_SECRET_ACCESS_KEY", "local");
    env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.toString());
    env.put("PYTORCH_LIBRARY_PATH", layout.resolve("opt/libtorch").toString());
    env.put("PYTORCH_VERSION", "2.7.1");
    env.put("PYTORCH_FLAVOR", "cpu");
    env.put("DJL_OFFLINE", "true");
    Path djlCache = Files.createTempDirectory("djl-rehearsal");
    env.put("DJL_CACHE_DIR", djlCache.toString());
    env.put("QA_MODEL_DIR", model.toString());
    env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    return pb.start();
  }

  /** Peak resident set of a process, sampled from /proc every 20 ms (VmHWM where available). */
  static final class RssSampler extends Thread {
    private final long pid;
    private volatile boolean running = true;
    private volatile long peakKb;

    RssSampler(long pid) {
      this.pid = pid;
      setDaemon(true);
    }

    @Override
    public void run() {
      Path status = Path.of("/proc", Long.toString(pid), "status");
      while (running) {
        try {
          for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
              peakKb = Math.max(peakKb, Long.parseLong(line.replaceAll("\\D", "")));
            }
          }
          Thread.sleep(20);
        } catch (Exception e) {
          return;
        }
      }
    }

    void stopSampling() {
      running = false;
    }

    long peakKb() {
      return peakKb;
    }
  }
}
