package dev.batchqa.infra;

import static dev.batchqa.infra.CfnTemplate.list;
import static dev.batchqa.infra.CfnTemplate.map;
import static dev.batchqa.infra.CfnTemplate.number;
import static dev.batchqa.infra.CfnTemplate.path;
import static dev.batchqa.infra.CfnTemplate.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.batchqa.inference.BatchPolicy;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.Lifetimes;
import dev.batchqa.shared.store.RecordItem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invariants of template.yaml that must hold for every allowed parameter value. */
class TemplateInvariantsTest {

  static final String INGEST = "IngestFunction";
  static final String INFERENCE = "InferenceFunction";
  static final String DEAD_LETTER = "DeadLetterFunction";
  static final String SWEEPER = "SweeperFunction";
  static final String QUEUE = "QaQueue";
  static final String BULK_QUEUE = "QaBulkQueue";
  static final String DLQ = "QaDeadLetterQueue";
  static final String TABLE = "QaTable";
  static final String API = "QaHttpApi";

  /**
   * Exactly the calls each function makes (SendMessageBatch is authorized by sqs:SendMessage). Ingest
   * (DynamoDbRequestStore and DynamoDbIdempotencyStore via IngestApi): PutItem (createPending, claim),
   * GetItem (find, claim conflicts, delete's read), UpdateItem (markQueued, fail, delete's CANCELLED), PutItem
   * also for delete's tombstone; SQS: SendMessage and GetQueueAttributes (BacklogGate's queue depth). No
   * DeleteItem: claims are never released, and a deleted question leaves a tombstone instead.
   */
  static final Set<String> INGEST_ACTIONS = Set.of(
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
      // bulk jobs: a job with its counts and the caller's list (DynamoDbJobStore)
      "dynamodb:Query",
      "sqs:SendMessage", "sqs:GetQueueAttributes",
      // bulk jobs: inputs, kicks, and the pre-signed upload and results URLs (signed with this role)
      "s3:PutObject", "s3:GetObject");
  static final String JOB_TABLE = "JobTable";
  static final String JOB_WORKER = "JobWorkerFunction";
  /**
   * JobWorker: records of the lines (PutItem createPending, UpdateItem fail, BatchGetItem findAll), the job table
   * (Query find and openJobs, PutItem shards, UpdateItem transitions and counts), the bucket, the queue, the bus.
   */
  static final Set<String> JOB_WORKER_ACTIONS = Set.of(
      "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:Query",
      "s3:GetObject", "s3:PutObject", "sqs:SendMessage", "events:PutEvents");
  /** The only object ARNs with a wildcard: one prefix each of the jobs bucket. */
  static final Set<Object> JOB_BUCKET_PREFIXES = Set.of(
      Map.of("Fn::Sub", "${JobBucket.Arn}/jobs/*"), Map.of("Fn::Sub", "${JobBucket.Arn}/uploads/*"),
      Map.of("Fn::Sub", "${JobBucket.Arn}/kicks/*"));
  /** BatchProcessor writes only through RequestStore.complete/fail: conditional UpdateItem (upserts). */
  static final Set<String> INFERENCE_ACTIONS = Set.of(
      // completions, and the batch read of a redelivered batch (BatchProcessor.skipCompleted)
      "dynamodb:UpdateItem", "dynamodb:BatchGetItem",
      // the SQS event source mapping polls with the function's role
      "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
      // Continuations: questions the deadline left unanswered go on in a message to the queue they came from
      "sqs:SendMessage", "sqs:GetQueueUrl");
  /** DeadLetterHandler calls only RequestStore.fail (one conditional UpdateItem); the rest is polling. */
  static final Set<String> DEAD_LETTER_ACTIONS = Set.of(
      "dynamodb:UpdateItem",
      "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes");
  static final String DEAD_LETTER_HANDLER = "dev.batchqa.ingest.DeadLetterHandler::handleRequest";
  /** PendingSweeper: Query on the pending index (stalePending), conditional UpdateItem (failPending). */
  static final Set<String> SWEEPER_ACTIONS = Set.of("dynamodb:Query", "dynamodb:UpdateItem");
  static final String SWEEPER_HANDLER = "dev.batchqa.ingest.SweeperHandler::handleRequest";
  static final String COMPLETION_EVENTS = "CompletionEventsFunction";
  /**
   * CompletionEventsHandler calls only events:PutEvents; the stream actions are what the event source mapping
   * needs, sqs:SendMessage its on-failure destination.
   */
  static final Set<String> COMPLETION_EVENTS_ACTIONS = Set.of(
      "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
      "events:PutEvents", "sqs:SendMessage",
      // a job line's count (UpdateItem on the job table) and the kick of a job that may have ended
      "dynamodb:UpdateItem", "s3:PutObject");
  /** The DLQ keeps a dead letter at most this long after the source queue would have (operator time). */
  static final long DLQ_MARGIN_SECONDS = 3 * 86_400;

  static CfnTemplate t;

  @BeforeAll
  static void load() {
    t = CfnTemplate.load(CfnTemplate.repoRoot().resolve("template.yaml"));
  }

  // ------------------------------------------------------------------ basics

  @Test
  void isSamTemplateWithExpectedResources() {
    Object transform = t.root().get("Transform");
    assertTrue(transform.equals("AWS::Serverless-2016-10-31")
        || list(transform).contains("AWS::Serverless-2016-10-31"), "SAM transform: " + transform);
    assertEquals("AWS::Serverless::Function", t.resource(INGEST).get("Type"));
    assertEquals("AWS::Serverless::Function", t.resource(INFERENCE).get("Type"));
    assertEquals("AWS::Serverless::Function", t.resource(DEAD_LETTER).get("Type"));
    assertEquals("AWS::Serverless::Function", t.resource(SWEEPER).get("Type"));
    assertEquals("AWS::Serverless::HttpApi", t.resource(API).get("Type"));
    assertEquals("AWS::SQS::Queue", t.resource(QUEUE).get("Type"));
    assertEquals("AWS::SQS::Queue", t.resource(DLQ).get("Type"));
    assertEquals("AWS::DynamoDB::Table", t.resource(TABLE).get("Type"));
  }

  @Test
  void everyRefAndGetAttPointsToSomething() {
    Set<String> known = new TreeSet<>(t.section("Resources").keySet());
    known.addAll(t.section("Parameters").keySet());
    List<String> missing = new ArrayList<>();
    walk(t.root(), node -> {
      Map<String, Object> m = map(node);
      if (m.size() == 1 && m.get("Ref") instanceof String ref
          && !ref.startsWith("AWS::") && !known.contains(ref)) {
        missing.add("Ref " + ref);
      }
      if (m.size() == 1 && m.containsKey("Fn::GetAtt")) {
        String target = scalar(list(m.get("Fn::GetAtt")).get(0));
        if (!t.section("Resources").containsKey(target)) {
          missing.add("GetAtt " + target);
        }
      }
      if (m.size() == 1 && m.get("Fn::If") instanceof List<?> args
          && !t.section("Conditions").containsKey(scalar(args.get(0)))) {
        missing.add("condition " + args.get(0));
      }
    });
    assertEquals(List.of(), missing);
  }

  @Test
  void parameterDefaultsAreAllowedValues() {
    t.section("Parameters").forEach((name, p) -> {
      Map<String, Object> param = map(p);
      Object def = param.get("Default");
      if (def != null && param.containsKey("AllowedValues")) {
        assertTrue(t.allowedValues(name).contains(scalar(def)), name + " default not allowed");
      }
      if (def != null && param.get("AllowedPattern") instanceof String pattern) {
        assertTrue(Pattern.matches(pattern, scalar(def)), name + " default does not match pattern");
      }
      if (def != null && param.containsKey("MinValue")) {
        assertTrue(number(def) >= number(param.get("MinValue")), name + " default < MinValue");
      }
      if (def != null && param.containsKey("MaxValue")) {
        assertTrue(number(def) <= number(param.get("MaxValue")), name + " default > MaxValue");
      }
    });
  }

  // ------------------------------------------------------------------ queue / event source

  @Test
  void visibilityTimeoutIsAtLeastSixTimesTheInferenceTimeoutPlusTheBatchingWindow() {
    List<String> timeouts = t.allowedValues("InferenceTimeoutSeconds");
    List<String> windows = t.allowedValues("QueueBatchingWindowSeconds");
    assertFalse(timeouts.isEmpty(), "InferenceTimeoutSeconds must be AllowedValues (tabulated)");
    assertFalse(windows.isEmpty(), "QueueBatchingWindowSeconds must be AllowedValues (tabulated)");
    int checked = 0;
    for (String timeout : timeouts) {
      for (String window : windows) {
        Map<String, String> p = t.params(
            "InferenceTimeoutSeconds", timeout, "QueueBatchingWindowSeconds", window);
        long functionTimeout = number(t.resolve(t.properties(INFERENCE).get("Timeout"), p));
        long batchingWindow = number(t.resolve(sqsEvent().get("MaximumBatchingWindowInSeconds"), p));
        long visibility = number(t.resolve(t.properties(QUEUE).get("VisibilityTimeout"), p));
        assertTrue(visibility >= 6 * functionTimeout + batchingWindow,
            "visibility " + visibility + " < 6 x " + functionTimeout + " + " + batchingWindow);
        assertTrue(visibility <= 43_200, "SQS maximum visibility timeout is 12 h");
        assertTrue(functionTimeout <= 900, "Lambda maximum timeout is 900 s");
        checked++;
      }
    }
    assertEquals(timeouts.size() * windows.size(), checked);
    // and with the defaults, the number docs/deploy.md quotes; both lanes alike
    Map<String, String> d = t.defaults();
    assertEquals(750L, number(t.resolve(t.properties(QUEUE).get("VisibilityTimeout"), d)));
    assertEquals(t.properties(QUEUE).get("VisibilityTimeout"), t.properties(BULK_QUEUE).get("VisibilityTimeout"));
  }

  @Test
  void bothLanesShareTheQueueSettingsAndEachHasItsOwnConcurrency() {
    Map<String, Object> bulk = laneEvent(BULK_QUEUE);
    Map<String, Object> interactive = laneEvent(QUEUE);
    for (String key : List.of("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes")) {
      assertEquals(interactive.get(key), bulk.get(key), key);
    }
    assertEquals(Map.of("Ref", "BulkQueueMaximumConcurrency"), path(bulk, "ScalingConfig", "MaximumConcurrency"));
    for (String key : List.of("MessageRetentionPeriod", "VisibilityTimeout", "RedrivePolicy")) {
      assertEquals(t.properties(QUEUE).get(key), t.properties(BULK_QUEUE).get(key), key);
    }
    assertEquals(Map.of("Ref", BULK_QUEUE), path(t.section("Outputs"), "BulkQueueUrl", "Value"));
  }

  @Test
  void sqsEventSourceReportsBatchItemFailuresAndIsParameterised() {
    Map<String, Object> ev = sqsEvent();
    assertEquals(List.of("ReportBatchItemFailures"), ev.get("FunctionResponseTypes"));
    assertEquals(Map.of("Fn::GetAtt", List.of(QUEUE, "Arn")), ev.get("Queue"));
    assertEquals(Map.of("Ref", "QueueBatchSize"), ev.get("BatchSize"));
    assertEquals(Map.of("Ref", "QueueBatchingWindowSeconds"), ev.get("MaximumBatchingWindowInSeconds"));
    assertEquals(Map.of("Ref", "QueueMaximumConcurrency"), path(ev, "ScalingConfig", "MaximumConcurrency"));
    Map<String, String> d = t.defaults();
    long batch = number(t.resolve(ev.get("BatchSize"), d));
    long window = number(t.resolve(ev.get("MaximumBatchingWindowInSeconds"), d));
    long maxConcurrency = number(t.resolve(path(ev, "ScalingConfig", "MaximumConcurrency"), d));
    assertTrue(batch >= 1 && batch <= 10 || window > 0, "BatchSize > 10 needs a batching window");
    assertTrue(maxConcurrency >= 2 && maxConcurrency <= 1000, "MaximumConcurrency is 2..1000");
    // reserved concurrency is optional ("none")
    assertNull(map(t.resolve(t.properties(INFERENCE), d)).get("ReservedConcurrentExecutions"));
    assertEquals("20", scalar(map(t.resolve(t.properties(INFERENCE),
        t.params("InferenceReservedConcurrency", "20"))).get("ReservedConcurrentExecutions")));
  }

  /**
   * A {@code GET /qa/{id}?wait=N} holds an ingest instance up to 15 s: the function's reserved concurrency bounds
   * how many it can hold at once, so that waiting clients cannot take the account's concurrency (always set,
   * never "none"), and leaves Lambda's 100 unreserved executions to the rest.
   */
  @Test
  void ingestConcurrencyIsBoundedSoThatWaitsCannotTakeTheAccount() {
    Map<String, Object> p = t.properties(INGEST);
    assertEquals(Map.of("Ref", "IngestReservedConcurrency"), p.get("ReservedConcurrentExecutions"));
    Map<String, Object> param = map(t.section("Parameters").get("IngestReservedConcurrency"));
    assertEquals("Number", param.get("Type"));
    long min = number(param.get("MinValue"));
    long max = number(param.get("MaxValue"));
    long def = number(param.get("Default"));
    assertTrue(min >= 1 && min <= def && def <= max, "a bound is always set: " + param);
    assertTrue(max <= 900, "Lambda keeps 100 of the default 1,000 account executions unreserved: " + max);
    long rate = number(t.resolve(path(t.properties("QaHttpApi"), "DefaultRouteSettings", "ThrottlingRateLimit"),
        t.defaults()));
    long maxWait = 15; // GetQuestion.MAX_WAIT_SECONDS
    assertTrue(def < rate * maxWait, "the default must bind before the API's rate limit times the longest wait: "
        + def + " vs " + rate * maxWait);
  }

  /**
   * Lambda refuses an SQS event source with BatchSize > 10 and MaximumBatchingWindowInSeconds 0; the
   * parameters allow both, so a Rule must refuse the combination before anything is created.
   */
  @Test
  void rulesRefuseABatchSizeOverTenWithoutABatchingWindow() {
    Map<String, Object> rule = map(t.section("Rules").get("QueueBatchOverTenNeedsBatchingWindow"));
    assertFalse(rule.isEmpty(), "no rule QueueBatchOverTenNeedsBatchingWindow");
    String description = scalar(map(list(rule.get("Assertions")).get(0)).get("AssertDescription"));
    assertTrue(description.contains("QueueBatchSize") && description.contains("QueueBatchingWindowSeconds"),
        "AssertDescription should name both parameters: " + description);

    assertEquals(List.of(), t.ruleViolations(t.defaults()), "a default stack breaks a rule");
    assertEquals(List.of(), violations("10", "0"));
    assertEquals(List.of(description), violations("11", "0"));
    assertEquals(List.of(), violations("11", "1"));
    assertEquals(List.of(description), violations("100", "0"));

    // every allowed combination: accepted exactly when SQS would accept it
    Map<String, Object> batchParam = map(t.section("Parameters").get("QueueBatchSize"));
    for (long size = number(batchParam.get("MinValue")); size <= number(batchParam.get("MaxValue")); size++) {
      for (String window : t.allowedValues("QueueBatchingWindowSeconds")) {
        boolean sqsAccepts = size <= 10 || Long.parseLong(window) >= 1;
        assertEquals(sqsAccepts, violations(Long.toString(size), window).isEmpty(),
            "QueueBatchSize " + size + ", QueueBatchingWindowSeconds " + window);
      }
    }
  }

  List<String> violations(String batchSize, String window) {
    return t.ruleViolations(
        t.params("QueueBatchSize", batchSize, "QueueBatchingWindowSeconds", window));
  }

  @Test
  void rulesRequireTheJwtSettingsOnlyInJwtMode() {
    assertEquals(List.of(), t.ruleViolations(t.params("ApiAuthMode", "IAM")));
    assertEquals(List.of("JwtIssuer is required when ApiAuthMode is JWT",
            "JwtAudience is required when ApiAuthMode is JWT"),
        t.ruleViolations(t.params("ApiAuthMode", "JWT")));
    assertEquals(List.of(), t.ruleViolations(t.params("ApiAuthMode", "JWT",
        "JwtIssuer", "https://issuer.example.com", "JwtAudience", "client")));
  }

  @Test
  void deadLetterQueueVisibilityTimeoutIsAtLeastSixTimesTheDeadLetterFunctionTimeout() {
    Map<String, String> d = t.defaults();
    long functionTimeout = number(t.resolve(t.properties(DEAD_LETTER).get("Timeout"), d));
    Object window = sqsEvent(DEAD_LETTER).get("MaximumBatchingWindowInSeconds");
    long batchingWindow = window == null ? 0 : number(t.resolve(window, d));
    Object v = t.properties(DLQ).get("VisibilityTimeout");
    assertNotNull(v, "the DLQ is an event source now: its visibility timeout must be set (default 30 s)");
    long visibility = number(t.resolve(v, d));
    assertTrue(visibility >= 6 * functionTimeout + batchingWindow,
        "DLQ visibility " + visibility + " < 6 x " + functionTimeout + " + " + batchingWindow);
    assertTrue(visibility <= 43_200, "SQS maximum visibility timeout is 12 h");
    assertTrue(functionTimeout <= 60, "the dead-letter function makes one UpdateItem per message: short timeout");
  }

  @Test
  void everySqsEventSourceReportsBatchItemFailuresAndEveryQueueHasOneConsumer() {
    Map<String, String> consumers = new java.util.TreeMap<>();
    for (String fn : t.resourcesOfType("AWS::Serverless::Function")) {
      for (Object ev : map(t.properties(fn).get("Events")).values()) {
        if (!"SQS".equals(map(ev).get("Type"))) {
          continue;
        }
        Map<String, Object> props = map(map(ev).get("Properties"));
        assertEquals(List.of("ReportBatchItemFailures"), props.get("FunctionResponseTypes"), fn);
        String queue = scalar(list(map(props.get("Queue")).get("Fn::GetAtt")).get(0));
        assertNull(consumers.put(queue, fn), queue + " has more than one consumer");
        // with a SAM-generated role an SQS event attaches AWSLambdaSQSQueueExecutionRole (Resource "*")
        assertNotNull(t.properties(fn).get("Role"), fn + " polls SQS: it needs its own scoped role");
      }
    }
    assertEquals(Map.of(QUEUE, INFERENCE, BULK_QUEUE, INFERENCE, DLQ, DEAD_LETTER), consumers);
  }

  @Test
  void deadLetterEventSourceTakesBatchesOfTenFromTheDlq() {
    Map<String, Object> ev = sqsEvent(DEAD_LETTER);
    assertEquals(Map.of("Fn::GetAtt", List.of(DLQ, "Arn")), ev.get("Queue"));
    assertEquals(List.of("ReportBatchItemFailures"), ev.get("FunctionResponseTypes"));
    Map<String, String> d = t.defaults();
    assertEquals(10L, number(t.resolve(ev.get("BatchSize"), d)));
    Object maxConcurrency = path(ev, "ScalingConfig", "MaximumConcurrency");
    if (maxConcurrency != null) {
      long mc = number(t.resolve(maxConcurrency, d));
      assertTrue(mc >= 2 && mc <= 1000, "MaximumConcurrency is 2..1000");
    }
    assertNull(map(t.resolve(t.properties(DEAD_LETTER), d)).get("ReservedConcurrentExecutions"),
        "a reserved concurrency below the poller's concurrency throttles it");
  }

  @Test
  void queueHasDeadLetterQueueRedrive() {
    Map<String, String> d = t.defaults();
    Map<String, Object> redrive = map(t.properties(QUEUE).get("RedrivePolicy"));
    assertEquals(Map.of("Fn::GetAtt", List.of(DLQ, "Arn")), redrive.get("deadLetterTargetArn"));
    assertEquals(Map.of("Ref", "QueueMaxReceiveCount"), redrive.get("maxReceiveCount"));
    // AWS advises at least 5 for an SQS event source: throttled or scaled-in pollers consume receives too
    assertEquals(5L, number(t.resolve(redrive.get("maxReceiveCount"), d)));
    assertEquals(5L, number(path(t.section("Parameters"), "QueueMaxReceiveCount", "MinValue")));
    // the DLQ keeps what its consumer cannot record (the alarms report it): no redrive of its own
    assertNull(t.properties(DLQ).get("RedrivePolicy"), "the DLQ must not dead-letter onwards");
  }

  /**
   * SQS drops an expired message without dead-lettering it, and a dead-lettered message keeps its original
   * enqueue time: for every allowed retention the DLQ must keep messages days longer than the source queue
   * (SQS's maximum is 14 days), the sweeper must expire a PENDING record only after the last copy of its
   * message is gone (retention + the longest invocation), and before the record's own TTL.
   */
  @Test
  void queueRetentionLeavesRoomForTheDeadLetterQueueAndTheSweeper() {
    List<String> days = t.allowedValues("QueueRetentionDays");
    assertTrue(days.contains("4") && "4".equals(t.defaults().get("QueueRetentionDays")), "4 days by default");
    long longestInvocation = 900 + 30; // Lambda's maximum timeout + the largest batching window
    for (String d : days) {
      Map<String, String> p = t.params("QueueRetentionDays", d);
      long retention = number(t.resolve(t.properties(QUEUE).get("MessageRetentionPeriod"), p));
      long dlqRetention = number(t.resolve(t.properties(DLQ).get("MessageRetentionPeriod"), p));
      assertEquals(Long.parseLong(d) * 86_400, retention, "retention of " + d + " days");
      assertEquals(1_209_600L, dlqRetention, "the DLQ keeps SQS's maximum, 14 days");
      assertTrue(retention + DLQ_MARGIN_SECONDS <= dlqRetention,
          d + " days: the DLQ must keep a dead letter at least 3 days after the source queue would drop it");
      long expiryHours = number(t.resolve(
          path(t.properties(SWEEPER), "Environment", "Variables", "QA_PENDING_EXPIRY_HOURS"), p));
      long expiry = dev.batchqa.shared.config.Settings.pendingExpiry(
          Map.of(dev.batchqa.shared.config.Settings.PENDING_EXPIRY_HOURS, Long.toString(expiryHours))).toSeconds();
      assertEquals(expiryHours * 3600, expiry, "Settings.pendingExpiry takes the mapped value");
      assertTrue(expiry >= retention + longestInvocation,
          d + " days: a record may expire only after its message and the invocation holding it are gone");
      assertTrue(expiry <= retention + 2 * 3600, d + " days: expire soon after the message is gone");
      long recordTtl = Lifetimes.PENDING_MIN_TTL.toSeconds();
      assertTrue(expiry + 86_400 <= recordTtl,
          d + " days: the sweeper needs a day of runs before the PENDING record's own TTL");
    }
  }

  /**
   * The sweeper's rate the stated bound rests on: the lowest C2 figure of {@code scripts/sweep-rate} (50,000 stale
   * records against dynalite, docs/reliability.md "The sweeper and the bound"), rounded down.
   */
  static final long SWEEP_RECORDS_PER_MINUTE = 60_000;

  /**
   * README.md and docs/reliability.md promise an end "QueueRetentionDays + N hours" after acceptance. N must cover,
   * at the admission limit (MaxBacklog messages of up to 50 questions, all left stale at once), the expiry margin,
   * one schedule interval and the sweep of every record at the measured rate, runs covering their timeout less
   * SweeperHandler's 20 s; and the whole bound must end before a PENDING record's own TTL, for every retention.
   */
  @Test
  void theStatedBoundCoversTheSweepOfAFullBacklogAtTheMeasuredRate() throws Exception {
    Map<String, String> d = t.defaults();
    Map<String, Object> sweeper = t.properties(SWEEPER);
    long timeout = number(t.resolve(sweeper.get("Timeout"), d));
    String schedule = scalar(path(map(sweeper.get("Events")).values().iterator().next(), "Properties", "Schedule"));
    java.util.regex.Matcher minutes = Pattern.compile("rate\\((\\d+) minutes?\\)").matcher(schedule);
    assertTrue(minutes.matches(), schedule);
    long interval = Long.parseLong(minutes.group(1)) * 60;
    long records = Long.parseLong(d.get("MaxBacklog")) * dev.batchqa.shared.message.Limits.MAX_QUESTIONS_PER_SET;
    double sweepSeconds = records * 60.0 / SWEEP_RECORDS_PER_MINUTE * interval / (timeout - 20);
    for (String days : t.allowedValues("QueueRetentionDays")) {
      Map<String, String> p = t.params("QueueRetentionDays", days);
      long retention = number(t.resolve(t.properties(QUEUE).get("MessageRetentionPeriod"), p));
      long expiry = 3600 * number(t.resolve(
          path(sweeper, "Environment", "Variables", "QA_PENDING_EXPIRY_HOURS"), p));
      long boundHours = (long) Math.ceil((expiry - retention + interval + sweepSeconds) / 3600);
      if (days.equals(d.get("QueueRetentionDays"))) {
        String readme = java.nio.file.Files.readString(CfnTemplate.repoRoot().resolve("README.md"));
        String reliability = java.nio.file.Files.readString(CfnTemplate.repoRoot().resolve("docs/reliability.md"));
        assertTrue(readme.contains("`QueueRetentionDays` + " + boundHours + " hours after it was accepted"),
            "README.md must state + " + boundHours + " hours");
        assertTrue(reliability.contains("plus " + boundHours + " hours after it was accepted"),
            "docs/reliability.md must state plus " + boundHours + " hours");
      }
      assertTrue(retention + boundHours * 3600 < Lifetimes.PENDING_MIN_TTL.toSeconds(),
          days + " days: the bound ends before a PENDING record's own TTL");
    }
  }

  @Test
  void queuesAndTableAreEncrypted() {
    for (String q : List.of(QUEUE, DLQ)) {
      Map<String, Object> p = t.properties(q);
      assertTrue(Boolean.TRUE.equals(p.get("SqsManagedSseEnabled")) || p.containsKey("KmsMasterKeyId"),
          q + " must use SSE");
    }
    assertEquals(Boolean.TRUE, path(t.properties(TABLE), "SSESpecification", "SSEEnabled"));
  }

  // ------------------------------------------------------------------ table

  @Test
  void tableIsOnDemandWithTtlOnExpiresAt() {
    Map<String, Object> p = t.properties(TABLE);
    assertEquals("PAY_PER_REQUEST", p.get("BillingMode"));
    assertEquals(List.of(Map.of("AttributeName", "id", "KeyType", "HASH")), p.get("KeySchema"));
    assertEquals(List.of(Map.of("AttributeName", "id", "AttributeType", "S"),
            Map.of("AttributeName", "pendingShard", "AttributeType", "N"),
            Map.of("AttributeName", "pendingSince", "AttributeType", "N")),
        p.get("AttributeDefinitions"));
    assertEquals("expiresAt", path(p, "TimeToLiveSpecification", "AttributeName"));
    assertEquals(Boolean.TRUE, path(p, "TimeToLiveSpecification", "Enabled"));
  }

  /**
   * The table holds accepted questions and unread answers: deleting the stack or a change that replaces the
   * table must not take them with it, and a bad write can be undone (point-in-time recovery, not optional).
   */
  @Test
  void tableIsRetainedAndRecoverableToTheSecond() {
    Map<String, Object> r = t.resource(TABLE);
    assertEquals("Retain", r.get("DeletionPolicy"));
    assertEquals("Retain", r.get("UpdateReplacePolicy"));
    assertEquals(Boolean.TRUE,
        path(t.properties(TABLE), "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"),
        "on, whatever the parameters");
    assertFalse(t.section("Parameters").containsKey("EnablePointInTimeRecovery"), "no switch to turn it off");
  }

  /** The sparse index the sweeper queries, as DynamoDbRequestStore writes it and local-runner creates it. */
  @Test
  void tableHasTheSparsePendingIndexKeysOnly() {
    List<Object> indexes = list(t.properties(TABLE).get("GlobalSecondaryIndexes"));
    assertEquals(1, indexes.size());
    Map<String, Object> gsi = map(indexes.get(0));
    assertEquals(RecordItem.PENDING_INDEX, gsi.get("IndexName"));
    assertEquals(List.of(Map.of("AttributeName", "pendingShard", "KeyType", "HASH"),
        Map.of("AttributeName", "pendingSince", "KeyType", "RANGE")), gsi.get("KeySchema"));
    assertEquals(Map.of("ProjectionType", "KEYS_ONLY"), gsi.get("Projection"));
    assertNull(gsi.get("ProvisionedThroughput"), "on-demand table: no provisioned index throughput");
  }

  // ------------------------------------------------------------------ IAM

  @Test
  void noIamStatementHasAWildcardOrNegation() {
    List<Map<String, Object>> statements = allIamStatements();
    assertFalse(statements.isEmpty());
    List<String> bad = new ArrayList<>();
    for (Map<String, Object> st : statements) {
      for (String forbidden : List.of("NotAction", "NotResource", "NotPrincipal")) {
        if (st.containsKey(forbidden)) {
          bad.add(forbidden + " in " + st);
        }
      }
      // the one allowed: ListStreams on this table's streams (it names no stream; SAM's DynamoDBStreamReadPolicy
      // scopes it the same way)
      boolean listStreams = Set.of("dynamodb:ListStreams").equals(actions(List.of(st)))
          && Map.of("Fn::Sub", "${QaTable.Arn}/stream/*").equals(st.get("Resource"));
      // and S3 object actions on one prefix of the jobs bucket (object ARNs name keys only so)
      Object res = st.get("Resource");
      boolean jobObjects = actions(List.of(st)).stream().allMatch(a -> a.equals("s3:GetObject") || a.equals("s3:PutObject"))
          && JOB_BUCKET_PREFIXES.containsAll(res instanceof List ? list(res) : List.of(res));
      for (String key : List.of("Action", "Resource")) {
        if ((listStreams || jobObjects) && key.equals("Resource")) continue;
        walkStrings(st.get(key), s -> {
          if (s.contains("*")) {
            bad.add(key + " '" + s + "' in " + st);
          }
        });
      }
    }
    assertEquals(List.of(), bad);
  }

  @Test
  void functionsUseExplicitStatementsOnlyNoSamPolicyTemplatesOrManagedPoliciesBeyondBasicExecution() {
    for (String fn : List.of(INGEST, INFERENCE, DEAD_LETTER, SWEEPER, COMPLETION_EVENTS, JOB_WORKER)) {
      for (Object policy : list(t.properties(fn).get("Policies"))) {
        assertTrue(policy instanceof Map && map(policy).containsKey("Statement"),
            fn + ": only explicit policy documents, no SAM policy template / managed policy: " + policy);
      }
    }
    walk(t.root(), node -> {
      for (Object arn : list(map(node).get("ManagedPolicyArns"))) {
        String s = arn instanceof Map ? scalar(map(arn).get("Fn::Sub")) : scalar(arn);
        assertTrue(s.endsWith(":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
                || s.endsWith(":iam::aws:policy/AWSXRayDaemonWriteAccess"),
            "only the basic execution role and X-Ray's write policy may be attached: " + s);
      }
    });
  }

  /** Every statement of a function's SAM inline {@code Policies} (documents with a {@code Statement} list). */
  private static List<Map<String, Object>> inlineStatements(Map<String, Object> functionProps) {
    List<Map<String, Object>> statements = new ArrayList<>();
    for (Object doc : list(functionProps.get("Policies"))) {
      list(map(doc).get("Statement")).forEach(s -> statements.add(map(s)));
    }
    return statements;
  }

  /** Every statement of an {@code AWS::IAM::Role}'s {@code Policies} (each a {@code PolicyDocument}). */
  private static List<Map<String, Object>> roleStatements(Map<String, Object> roleProps) {
    List<Map<String, Object>> statements = new ArrayList<>();
    for (Object pol : list(roleProps.get("Policies"))) {
      list(path(pol, "PolicyDocument", "Statement")).forEach(s -> statements.add(map(s)));
    }
    return statements;
  }

  @Test
  void ingestFunctionMayOnlyCallWhatItCallsOnItsOwnResources() {
    Map<String, Object> p = t.properties(INGEST);
    assertNull(p.get("Role"), "ingest uses the SAM-generated role");
    List<Map<String, Object>> statements = inlineStatements(p);
    assertEquals(INGEST_ACTIONS, actions(statements));
    // least privilege on deletes: ingest never deletes an item (records are write-once, claims expire)
    assertFalse(actions(statements).stream().anyMatch(a -> a.startsWith("dynamodb:Delete")
        || a.startsWith("dynamodb:BatchWrite")), "ingest may delete nothing: " + actions(statements));
    for (Map<String, Object> st : statements) {
      Object res = st.get("Resource");
      if (actions(List.of(st)).stream().anyMatch(a -> a.startsWith("s3:"))) {
        assertTrue(JOB_BUCKET_PREFIXES.containsAll(res instanceof List ? list(res) : List.of(res)), "resource of " + st);
      } else if (Map.of("Fn::Sub", "${JobTable.Arn}/index/jobs-by-owner").equals(res)) {
        assertEquals(Set.of("dynamodb:Query"), actions(List.of(st)), "the owner index is only queried: " + st);
      } else if (Map.of("Fn::GetAtt", List.of(JOB_TABLE, "Arn")).equals(res)) {
        assertEquals(Set.of("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"), actions(List.of(st)));
      } else {
        assertResources(List.of(st), Map.of("dynamodb:", List.of(TABLE), "sqs:", List.of(QUEUE, BULK_QUEUE)));
      }
    }
    // HttpApi events add no role policy in SAM; no other event types that would
    for (Object ev : map(p.get("Events")).values()) {
      assertEquals("HttpApi", map(ev).get("Type"));
    }
  }

  @Test
  void inferenceFunctionMayOnlyCallWhatItCallsOnItsOwnResources() {
    Map<String, Object> p = t.properties(INFERENCE);
    // With an SQS event, SAM would attach AWSLambdaSQSQueueExecutionRole (sqs:* on Resource "*")
    // to a role it generates; the function therefore brings its own role.
    Object role = p.get("Role");
    assertEquals(Map.of("Fn::GetAtt", List.of("InferenceRole", "Arn")), role);
    assertNull(p.get("Policies"), "policies go to InferenceRole");
    Map<String, Object> roleProps = t.properties("InferenceRole");
    assertEquals("lambda.amazonaws.com",
        path(list(path(roleProps, "AssumeRolePolicyDocument", "Statement")).get(0), "Principal", "Service"));
    List<Map<String, Object>> statements = roleStatements(roleProps);
    assertEquals(INFERENCE_ACTIONS, actions(statements));
    assertResources(statements, Map.of("dynamodb:", List.of(TABLE), "sqs:", List.of(QUEUE, BULK_QUEUE)));
  }

  @Test
  void deadLetterFunctionMayOnlyCallWhatItCallsOnItsOwnResources() {
    Map<String, Object> p = t.properties(DEAD_LETTER);
    assertEquals(Map.of("Fn::GetAtt", List.of("DeadLetterRole", "Arn")), p.get("Role"),
        "own role, not the inference function's (that one may read and write far more)");
    assertNull(p.get("Policies"), "policies go to DeadLetterRole");
    Map<String, Object> roleProps = t.properties("DeadLetterRole");
    assertEquals("lambda.amazonaws.com",
        path(list(path(roleProps, "AssumeRolePolicyDocument", "Statement")).get(0), "Principal", "Service"));
    List<Map<String, Object>> statements = roleStatements(roleProps);
    assertEquals(DEAD_LETTER_ACTIONS, actions(statements));
    assertResources(statements, Map.of("dynamodb:", List.of(TABLE), "sqs:", List.of(DLQ)));
    for (Object ev : map(p.get("Events")).values()) {
      assertEquals("SQS", map(ev).get("Type"), "the dead-letter function has only its DLQ event");
    }
  }

  @Test
  void completionEventsFunctionReadsOnlyThisTablesStreamAndPutsOnlyToItsBus() {
    Map<String, Object> p = t.properties(COMPLETION_EVENTS);
    assertEquals(Map.of("Fn::GetAtt", List.of("CompletionEventsRole", "Arn")), p.get("Role"),
        "own role: SAM's DynamoDB event would attach AWSLambdaDynamoDBExecutionRole (streams on Resource *)");
    assertNull(p.get("Policies"), "policies go to CompletionEventsRole");
    List<Map<String, Object>> statements = roleStatements(t.properties("CompletionEventsRole"));
    assertEquals(COMPLETION_EVENTS_ACTIONS, actions(statements));
    Map<String, Object> expected = Map.of(
        "dynamodb:", Map.of("Fn::GetAtt", List.of(TABLE, "StreamArn")),
        "events:", Map.of("Fn::GetAtt", List.of("CompletionEventBus", "Arn")),
        "sqs:", Map.of("Fn::GetAtt", List.of("CompletionEventsFailureQueue", "Arn")),
        "s3:", Map.of("Fn::Sub", "${JobBucket.Arn}/kicks/*"));
    for (Map<String, Object> st : statements) {
      if (actions(List.of(st)).equals(Set.of("dynamodb:UpdateItem"))) {
        assertEquals(Map.of("Fn::GetAtt", List.of(JOB_TABLE, "Arn")), st.get("Resource"), "only job counts: " + st);
        continue;
      }
      Set<String> services = new TreeSet<>();
      actions(List.of(st)).forEach(a -> services.add(a.substring(0, a.indexOf(':') + 1)));
      assertEquals(1, services.size(), "one service per statement: " + st);
      if (actions(List.of(st)).equals(Set.of("dynamodb:ListStreams"))) {
        // ListStreams names no stream: scoped to this table's streams, as SAM's DynamoDBStreamReadPolicy does
        assertEquals(Map.of("Fn::Sub", "${QaTable.Arn}/stream/*"), st.get("Resource"), "resource of " + st);
        continue;
      }
      assertEquals(expected.get(services.iterator().next()), st.get("Resource"), "resource of " + st);
    }
    assertEquals("AWS::Events::EventBus", t.resource("CompletionEventBus").get("Type"));
    assertEquals(Map.of("Ref", "CompletionEventBus"), path(p, "Environment", "Variables", "QA_EVENT_BUS_NAME"));
    assertEquals("NEW_IMAGE", path(t.properties(TABLE), "StreamSpecification", "StreamViewType"));
  }

  @Test
  void completionEventsFunctionIsTheIngestZipFedByTheFilteredStreamWithPartialFailures() throws Exception {
    Map<String, Object> p = t.properties(COMPLETION_EVENTS);
    assertEquals("java21", p.get("Runtime"));
    assertEquals(List.of("arm64"), p.get("Architectures"));
    assertEquals(t.properties(INGEST).get("CodeUri"), p.get("CodeUri"));
    assertEquals("dev.batchqa.ingest.CompletionEventsHandler::handleRequest", p.get("Handler"));
    assertEquals(1, map(p.get("Events")).size());
    Map<String, Object> ev = map(map(map(p.get("Events")).values().iterator().next()));
    assertEquals("DynamoDB", ev.get("Type"));
    Map<String, Object> props = map(ev.get("Properties"));
    assertEquals(Map.of("Fn::GetAtt", List.of(TABLE, "StreamArn")), props.get("Stream"));
    assertEquals(List.of("ReportBatchItemFailures"), props.get("FunctionResponseTypes"));
    assertEquals(Boolean.TRUE, props.get("BisectBatchOnFunctionError"));
    assertEquals(Map.of("Fn::GetAtt", List.of("CompletionEventsFailureQueue", "Arn")),
        path(props, "DestinationConfig", "OnFailure", "Destination"));
    List<Object> filters = list(path(props, "FilterCriteria", "Filters"));
    assertEquals(1, filters.size());
    var pattern = new com.fasterxml.jackson.databind.ObjectMapper().readTree(scalar(map(filters.get(0)).get("Pattern")));
    assertEquals(new TreeSet<>(List.of("DONE", "FAILED", "CANCELLED")), new TreeSet<>(
        new com.fasterxml.jackson.databind.ObjectMapper().convertValue(
            pattern.at("/dynamodb/NewImage/status/S"), List.class)),
        "only transitions to a finished status invoke it; never PENDING or a tombstone (DELETED)");
    assertTrue(t.resourcesOfType("AWS::CloudWatch::Alarm").stream().map(t::properties).anyMatch(a ->
        Map.of("Fn::GetAtt", List.of("CompletionEventsFailureQueue", "QueueName")).equals(
            map(list(a.get("Dimensions")).get(0)).get("Value"))), "an alarm on the on-failure queue");
    assertEquals(new TreeSet<>(List.of("INSERT", "MODIFY")), new TreeSet<>(
        new com.fasterxml.jackson.databind.ObjectMapper().convertValue(pattern.get("eventName"), List.class)));
  }

  @Test
  void sweeperFunctionMayOnlyQueryThePendingIndexAndUpdateTheTable() {
    Map<String, Object> p = t.properties(SWEEPER);
    assertNull(p.get("Role"), "SAM-generated role: a Schedule event adds no policy to it");
    List<Map<String, Object>> statements = inlineStatements(p);
    assertEquals(SWEEPER_ACTIONS, actions(statements));
    for (Map<String, Object> st : statements) {
      Set<String> a = actions(List.of(st));
      Object resource = st.get("Resource");
      if (a.equals(Set.of("dynamodb:Query"))) {
        assertEquals(Map.of("Fn::Sub", "${" + TABLE + ".Arn}/index/"
            + RecordItem.PENDING_INDEX), resource, "Query on the index only");
      } else {
        assertEquals(Set.of("dynamodb:UpdateItem"), a, "one action a statement: " + st);
        assertEquals(Map.of("Fn::GetAtt", List.of(TABLE, "Arn")), resource);
      }
    }
  }

  @Test
  void jobWorkerFunctionMayOnlyCallWhatItCallsOnItsOwnResources() throws Exception {
    Map<String, Object> p = t.properties(JOB_WORKER);
    List<Map<String, Object>> statements = inlineStatements(p);
    assertEquals(JOB_WORKER_ACTIONS, actions(statements));
    for (Map<String, Object> st : statements) {
      Object res = st.get("Resource");
      Set<String> a = actions(List.of(st));
      if (a.stream().anyMatch(x -> x.startsWith("s3:"))) {
        assertTrue(JOB_BUCKET_PREFIXES.containsAll(res instanceof List ? list(res) : List.of(res)), "resource of " + st);
        assertFalse(String.valueOf(res).contains("kicks"), "the worker reads kicks' events, never their objects");
      } else if (a.equals(Set.of("dynamodb:Query")) && res instanceof Map && map(res).containsKey("Fn::Sub")) {
        assertEquals(Map.of("Fn::Sub", "${JobTable.Arn}/index/open-jobs"), res);
      } else if (a.stream().anyMatch(x -> x.startsWith("dynamodb:"))) {
        assertTrue(Set.of(Map.of("Fn::GetAtt", List.of(TABLE, "Arn")), Map.of("Fn::GetAtt", List.of(JOB_TABLE, "Arn")))
            .contains(res), "resource of " + st);
      } else if (a.equals(Set.of("sqs:SendMessage"))) {
        assertEquals(Map.of("Fn::GetAtt", List.of(BULK_QUEUE, "Arn")), res, "job lines go to the bulk lane");
      } else {
        assertEquals(Set.of("events:PutEvents"), a);
        assertEquals(Map.of("Fn::GetAtt", List.of("CompletionEventBus", "Arn")), res);
      }
    }
    assertEquals(t.properties(INGEST).get("CodeUri"), p.get("CodeUri"), "packaged in the ingest jar");
    String handler = scalar(p.get("Handler"));
    java.nio.file.Path src = CfnTemplate.repoRoot().resolve("ingest-function/src/main/java/"
        + handler.substring(0, handler.indexOf("::")).replace('.', '/') + ".java");
    assertTrue(java.nio.file.Files.isRegularFile(src), src.toString());
    Set<String> types = new TreeSet<>();
    for (Object ev : map(p.get("Events")).values()) types.add(scalar(map(ev).get("Type")));
    assertEquals(Set.of("EventBridgeRule", "Schedule"), types, "kicks and the sweep invoke it");
  }

  @Test
  void jobBucketIsPrivateEncryptedAndEveryPrefixExpires() {
    Map<String, Object> b = t.properties("JobBucket");
    Map<String, Object> block = map(b.get("PublicAccessBlockConfiguration"));
    for (String k : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
      assertEquals(Boolean.TRUE, block.get(k), k);
    }
    assertEquals("AES256", path(list(path(b, "BucketEncryption", "ServerSideEncryptionConfiguration")).get(0),
        "ServerSideEncryptionByDefault", "SSEAlgorithm"));
    Set<String> prefixes = new TreeSet<>();
    for (Object rule : list(path(b, "LifecycleConfiguration", "Rules"))) {
      assertEquals("Enabled", map(rule).get("Status"));
      assertTrue(number(map(rule).get("ExpirationInDays")) > 0, "expires: " + rule);
      prefixes.add(scalar(map(rule).get("Prefix")));
    }
    assertEquals(Set.of("jobs/", "uploads/", "kicks/"), prefixes, "every prefix the code writes expires");
    assertEquals("ttl", path(t.properties(JOB_TABLE), "TimeToLiveSpecification", "AttributeName"));
  }

  // ------------------------------------------------------------------ functions

  @Test
  void sweeperFunctionIsTheIngestJarWithItsOwnHandlerOnASchedule() throws Exception {
    Map<String, Object> r = t.resource(SWEEPER);
    Map<String, Object> p = t.properties(SWEEPER);
    Map<String, Object> ingest = t.properties(INGEST);
    assertEquals("java21", p.get("Runtime"));
    assertEquals(List.of("arm64"), p.get("Architectures"));
    assertEquals(ingest.get("Architectures"), p.get("Architectures"));
    assertEquals(ingest.get("CodeUri"), p.get("CodeUri"), "packaged in the ingest jar");
    assertEquals(Boolean.TRUE, path(r, "Metadata", "SkipBuild"));
    assertEquals(SWEEPER_HANDLER, p.get("Handler"));
    String cls = SWEEPER_HANDLER.substring(0, SWEEPER_HANDLER.indexOf("::"));
    java.nio.file.Path src = CfnTemplate.repoRoot()
        .resolve("ingest-function/src/main/java/" + cls.replace('.', '/') + ".java");
    assertTrue(java.nio.file.Files.readString(src).contains("public Map<String, Object> handleRequest("), src.toString());
    Map<String, String> d = t.defaults();
    long memory = number(t.resolve(p.get("MemorySize"), d));
    assertTrue(memory >= 256 && memory <= 1024, "queries and conditional writes only: small memory, was " + memory);
    long timeout = number(t.resolve(p.get("Timeout"), d));
    assertTrue(timeout >= 60 && timeout <= 900, "SweeperHandler keeps 20 s of the timeout in reserve: " + timeout);
    assertNull(p.get("SnapStart"));
    assertNull(path(p, "Environment", "Variables", "QA_QUEUE_URL"), "the sweeper never touches the queue");
    assertEquals(Map.of("Ref", "SweeperLogGroup"), path(p, "LoggingConfig", "LogGroup"));
    assertEquals("/aws/lambda/${AWS::StackName}-sweeper",
        path(t.properties("SweeperLogGroup"), "LogGroupName", "Fn::Sub"));
    List<Object> events = new ArrayList<>(map(p.get("Events")).values());
    assertEquals(1, events.size(), "one schedule, nothing else invokes it");
    assertEquals("Schedule", map(events.get(0)).get("Type"));
    // the bound in docs/reliability.md counts one interval before a stale record's first run, and runs that
    // follow each other while a backlog lasts: a run takes the whole interval, no more
    assertEquals("rate(15 minutes)", path(events.get(0), "Properties", "Schedule"));
    assertEquals(900L, timeout, "a run lasts as long as the interval between runs");
  }

  // ------------------------------------------------------------------ functions (existing)

  @Test
  void ingestFunctionIsJava21ZipWithSnapStartOnPublishedVersions() {
    Map<String, Object> r = t.resource(INGEST);
    Map<String, Object> p = t.properties(INGEST);
    assertEquals("java21", p.get("Runtime"));
    assertEquals("dev.batchqa.ingest.IngestHandler::handleRequest", p.get("Handler"));
    assertTrue(p.get("PackageType") == null || "Zip".equals(p.get("PackageType")));
    assertEquals("ingest-function/target/ingest-function-0.1.0-SNAPSHOT-lambda.jar", p.get("CodeUri"));
    assertEquals(Boolean.TRUE, path(r, "Metadata", "SkipBuild"), "prebuilt jar: sam build must not rebuild it");
    assertEquals("PublishedVersions", path(p, "SnapStart", "ApplyOn"));
    assertNotNull(p.get("AutoPublishAlias"), "SnapStart needs a published version (AutoPublishAlias)");
    assertEquals(1, list(p.get("Architectures")).size());
    String jto = scalar(path(p, "Environment", "Variables", "JAVA_TOOL_OPTIONS"));
    assertTrue(jto.contains("-XX:TieredStopAtLevel=1"), jto);
    assertEquals(Map.of("Ref", QUEUE), path(p, "Environment", "Variables", "QA_QUEUE_URL"));
  }

  @Test
  void inferenceFunctionIsAnX86ImageBuiltFromTheRootDockerfile() {
    Map<String, Object> r = t.resource(INFERENCE);
    Map<String, Object> p = t.properties(INFERENCE);
    assertEquals("Image", p.get("PackageType"));
    assertEquals(".", path(r, "Metadata", "DockerContext"));
    assertEquals("Dockerfile", path(r, "Metadata", "Dockerfile"));
    assertNotNull(path(r, "Metadata", "DockerTag"));
    assertEquals(List.of("x86_64"), p.get("Architectures"), "libtorch jar in use is linux-x86_64");
    assertNull(p.get("Handler"), "the image CMD names the handler");
    assertNull(p.get("Runtime"));
    Map<String, String> d = t.defaults();
    assertEquals(3008L, number(t.resolve(p.get("MemorySize"), d)));
    assertTrue(number(t.resolve(path(p, "EphemeralStorage", "Size"), d)) >= 512);
    assertNull(path(p, "Environment", "Variables", "JAVA_TOOL_OPTIONS"),
        "C1-only JIT is an ingest choice, not for the inference loop");
    assertEquals("true", scalar(path(p, "Environment", "Variables", "DJL_OFFLINE")));
    assertEquals("/tmp/djl", scalar(path(p, "Environment", "Variables", "DJL_CACHE_DIR")));
  }

  @Test
  void deadLetterFunctionIsTheIngestZipOnArm64WithItsOwnHandlerAndLittleMemory() throws Exception {
    Map<String, Object> r = t.resource(DEAD_LETTER);
    Map<String, Object> p = t.properties(DEAD_LETTER);
    Map<String, Object> ingest = t.properties(INGEST);
    // no model: not in the 1 GB inference image, but in the ingest zip beside the sweeper
    assertTrue(p.get("PackageType") == null || "Zip".equals(p.get("PackageType")), "a zip function");
    assertNull(p.get("ImageConfig"));
    assertNull(path(r, "Metadata", "DockerContext"), "not built from the Dockerfile");
    assertEquals(Boolean.TRUE, path(r, "Metadata", "SkipBuild"), "prebuilt jar: sam build must not rebuild it");
    assertEquals("java21", p.get("Runtime"));
    assertEquals(List.of("arm64"), p.get("Architectures"));
    assertEquals(ingest.get("CodeUri"), p.get("CodeUri"), "packaged in the ingest jar");
    assertEquals(DEAD_LETTER_HANDLER, p.get("Handler"));
    assertNull(p.get("SnapStart"), "invoked only after failures: a cold start does not matter");
    assertNull(path(t.properties(INFERENCE), "ImageConfig"), "the inference function uses the image CMD");
    // the handler named exists, in the module the zip is built from
    String cls = DEAD_LETTER_HANDLER.substring(0, DEAD_LETTER_HANDLER.indexOf("::"));
    java.nio.file.Path src = CfnTemplate.repoRoot()
        .resolve("ingest-function/src/main/java/" + cls.replace('.', '/') + ".java");
    assertTrue(java.nio.file.Files.readString(src).contains("public SQSBatchResponse handleRequest("), src.toString());
    Map<String, String> d = t.defaults();
    long memory = number(t.resolve(p.get("MemorySize"), d));
    assertTrue(memory >= 256 && memory <= 1024, "no model loaded: small memory, was " + memory);
    assertNull(p.get("EphemeralStorage"), "no model, no DJL cache: default /tmp");
    assertNull(path(p, "Environment", "Variables", "QA_QUEUE_URL"));
    assertNull(path(p, "Environment", "Variables", "QA_MODEL_DIR"));
    assertNotNull(path(p, "LoggingConfig", "LogGroup"));
  }

  @Test
  void globalsCarryTheSharedEnvironment() {
    Map<String, Object> vars = map(path(t.section("Globals"), "Function", "Environment", "Variables"));
    assertEquals(Map.of("Ref", TABLE), vars.get("QA_TABLE_NAME"));
    for (String v : List.of("QA_RESULT_TTL_HOURS", "QA_MAX_CONTEXT_CHARS", "QA_MAX_QUESTION_CHARS", "LOG_LEVEL")) {
      assertNotNull(vars.get(v), v);
    }
    assertEquals("24", t.defaults().get("ResultTtlHours"));
  }

  // ------------------------------------------------------------------ HTTP API

  @Test
  void httpApiRoutesMatchTheIngestEvents() {
    Set<String> eventRoutes = new TreeSet<>();
    for (Object ev : map(t.properties(INGEST).get("Events")).values()) {
      Map<String, Object> props = map(map(ev).get("Properties"));
      assertEquals(Map.of("Ref", API), props.get("ApiId"));
      assertEquals("2.0", scalar(props.get("PayloadFormatVersion")));
      eventRoutes.add(scalar(props.get("Method")).toLowerCase() + " " + props.get("Path"));
    }
    assertEquals(Set.of("post /qa", "get /qa/{id}", "delete /qa/{id}", "post /qa/batch", "post /jobs", "get /jobs",
        "post /jobs/uploads", "get /jobs/{id}", "get /jobs/{id}/results", "post /jobs/{id}/cancel",
        "post /jobs/{id}/retry"), eventRoutes);
    assertEquals(eventRoutes, bodyRoutes(t.defaults()).keySet());
  }

  @Test
  void httpApiDefaultAuthorizationIsIam() {
    assertEquals("IAM", t.defaults().get("ApiAuthMode"));
    Map<String, Object> apiProps = t.properties(API);
    Object auth = apiProps.get("Auth");
    if (auth != null) { // if SAM's Auth is ever used, its default must be IAM
      assertEquals("AWS_IAM", map(auth).get("DefaultAuthorizer"));
      assertEquals(Boolean.TRUE, map(auth).get("EnableIamAuthorizer"));
    }
    Map<String, String> d = t.defaults();
    bodyRoutes(d).forEach((route, op) ->
        assertEquals(List.of(Map.of("AWS_IAM", List.of())), map(op).get("security"), route));
    Map<String, Object> schemes = map(path(t.resolve(apiProps.get("DefinitionBody"), d),
        "components", "securitySchemes"));
    assertEquals("awsSigv4", path(schemes, "AWS_IAM", "x-amazon-apigateway-authtype"));
    assertEquals(Set.of("AWS_IAM"), schemes.keySet());
  }

  @ParameterizedTest
  @ValueSource(strings = {"IAM", "JWT", "NONE"})
  void everyAuthModeSecuresEveryRouteConsistently(String mode) {
    Map<String, String> p = t.params("ApiAuthMode", mode,
        "JwtIssuer", "https://issuer.example.com", "JwtAudience", "client-1");
    Object expected = switch (mode) {
      case "IAM" -> List.of(Map.of("AWS_IAM", List.of()));
      case "JWT" -> List.of(Map.of("JwtAuthorizer", List.of()));
      default -> List.of();
    };
    bodyRoutes(p).forEach((route, op) -> assertEquals(expected, map(op).get("security"), route));
    Map<String, Object> schemes = map(path(t.resolve(t.properties(API).get("DefinitionBody"), p),
        "components", "securitySchemes"));
    if (mode.equals("JWT")) {
      Map<String, Object> jwt = map(path(schemes, "JwtAuthorizer", "x-amazon-apigateway-authorizer"));
      assertEquals("jwt", jwt.get("type"));
      assertEquals("https://issuer.example.com", path(jwt, "jwtConfiguration", "issuer"));
      assertEquals(List.of("client-1"), path(jwt, "jwtConfiguration", "audience"));
    } else {
      assertFalse(schemes.containsKey("JwtAuthorizer"), "no JWT authorizer without JWT mode");
    }
  }

  @Test
  void corsIsOffByDefaultAndNeverAWildcardWithCredentials() {
    Map<String, Object> apiProps = t.properties(API);
    Object samCors = apiProps.get("CorsConfiguration");
    if (samCors != null) {
      checkCors(map(samCors), "AllowOrigins", "AllowCredentials");
    }
    assertNull(map(t.resolve(apiProps.get("DefinitionBody"), t.defaults())).get("x-amazon-apigateway-cors"));

    String pattern = scalar(path(t.section("Parameters"), "CorsAllowedOrigin", "AllowedPattern"));
    assertNotNull(pattern, "CorsAllowedOrigin must be constrained");
    for (String bad : List.of("*", "https://*", "https://*.example.com", "null", "https://a.com,https://b.com")) {
      assertFalse(Pattern.matches(pattern, bad), "origin must be rejected: " + bad);
    }
    assertTrue(Pattern.matches(pattern, "https://app.example.com"));
    assertTrue(Pattern.matches(pattern, "http://localhost:5173"));

    for (String credentials : List.of("true", "false")) {
      Map<String, String> p = t.params("CorsAllowedOrigin", "https://app.example.com",
          "CorsAllowCredentials", credentials);
      Map<String, Object> cors = map(map(t.resolve(apiProps.get("DefinitionBody"), p))
          .get("x-amazon-apigateway-cors"));
      assertEquals(List.of("https://app.example.com"), cors.get("allowOrigins"));
      assertEquals(Boolean.valueOf(credentials), cors.get("allowCredentials"));
      checkCors(cors, "allowOrigins", "allowCredentials");
    }
  }

  // ------------------------------------------------------------------ operations

  @Test
  void everyFunctionIsTracedAndEveryExplicitRoleMayWriteTraces() {
    assertEquals("Active", path(t.section("Globals"), "Function", "Tracing"));
    for (String fn : t.resourcesOfType("AWS::Serverless::Function")) {
      Object own = t.properties(fn).get("Tracing");
      assertTrue(own == null || own.equals("Active"), fn + " turns tracing off: " + own);
      Object role = t.properties(fn).get("Role");
      if (role != null) {
        String roleId = scalar(list(map(role).get("Fn::GetAtt")).get(0));
        List<String> arns = new ArrayList<>();
        for (Object arn : list(t.properties(roleId).get("ManagedPolicyArns"))) {
          arns.add(arn instanceof Map ? scalar(map(arn).get("Fn::Sub")) : scalar(arn));
        }
        assertTrue(arns.stream().anyMatch(a -> a.endsWith(":iam::aws:policy/AWSXRayDaemonWriteAccess")),
            fn + "'s role " + roleId + " cannot write traces: " + arns);
      }
    }
  }

  /** $context variables that carry what a caller wrote (path with the id, agent, address), never logged. */
  static final List<String> USER_CONTEXT = List.of("$context.path", "$context.identity.userAgent",
      "$context.identity.sourceIp", "$context.identity.caller", "$context.identity.user",
      "$context.authorizer.claims", "$context.requestOverride", "$context.domainPrefix");

  @Test
  void httpApiWritesJsonAccessLogsWithoutUserText() throws Exception {
    Map<String, Object> settings = map(t.properties(API).get("AccessLogSettings"));
    Object destination = settings.get("DestinationArn");
    assertEquals(Map.of("Fn::GetAtt", List.of("ApiAccessLogGroup", "Arn")), destination);
    Map<String, Object> group = t.resource("ApiAccessLogGroup");
    assertEquals("AWS::Logs::LogGroup", group.get("Type"));
    assertEquals(Map.of("Ref", "LogRetentionDays"), map(group.get("Properties")).get("RetentionInDays"));
    String format = scalar(settings.get("Format"));
    for (String forbidden : USER_CONTEXT) {
      assertFalse(format.contains(forbidden), "access log carries " + forbidden);
    }
    // every value a $context variable, the whole a JSON object (CloudWatch Logs Insights parses it)
    var node = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(format.replaceAll("\\$context\\.[A-Za-z.]+", "v"));
    assertTrue(node.isObject(), format);
    for (String field : List.of("requestId", "routeKey", "status", "integrationStatus", "integrationLatency")) {
      assertTrue(node.has(field), "access log lacks " + field);
    }
  }

  /** The EMF metrics the dashboard must show, and the source that emits them (a renamed metric fails here). */
  static final Map<String, List<String>> EMF_METRICS = Map.of(
      "inference-function/src/main/java/dev/batchqa/inference/BatchMetrics.java",
      List.of("BatchSize", "InferenceLatency", "Answered", "NoAnswer", "Duplicates", "Skipped", "Failed",
          "Retried", "Continued", "Continuations", "Windows", "Tokens", "QueueAge"),
      "ingest-function/src/main/java/dev/batchqa/ingest/IngestMetrics.java",
      List.of("Requests", "Http2xx", "Http4xx", "Http5xx", "BacklogRefused", "BatchItemErrors"));

  @Test
  void dashboardShowsEveryEmfMetricOfBothFunctionsAndTheQueueAge() throws Exception {
    Map<String, Object> props = t.properties("OperationsDashboard");
    assertEquals("AWS::CloudWatch::Dashboard", t.resource("OperationsDashboard").get("Type"));
    List<Object> sub = list(map(props.get("DashboardBody")).get("Fn::Sub"));
    Map<String, Object> vars = map(sub.get(1));
    assertEquals(Map.of("Ref", INFERENCE), vars.get("Inference"));
    assertEquals(Map.of("Ref", INGEST), vars.get("Ingest"));
    assertEquals(Map.of("Fn::GetAtt", List.of(QUEUE, "QueueName")), vars.get("QueueName"));
    var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(scalar(sub.get(0)));
    // each metric row expanded (CloudWatch's "." = the row above's value at that place, "..." = all of it)
    List<List<String>> rows = new ArrayList<>();
    for (var widget : body.path("widgets")) {
      List<String> previous = List.of();
      for (var metric : widget.path("properties").path("metrics")) {
        List<String> row = new ArrayList<>();
        for (int i = 0; i < metric.size(); i++) {
          var v = metric.get(i);
          if (!v.isTextual()) {
            continue;
          }
          if (v.asText().equals("...")) {
            row.addAll(previous);
          } else {
            row.add(v.asText().equals(".") ? previous.get(row.size()) : v.asText());
          }
        }
        rows.add(row);
        previous = row;
      }
    }
    Path root = CfnTemplate.repoRoot();
    EMF_METRICS.forEach((source, names) -> {
      String code;
      try {
        code = java.nio.file.Files.readString(root.resolve(source));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      String fn = source.startsWith("inference") ? "${Inference}" : "${Ingest}";
      for (String name : names) {
        assertTrue(code.contains("\"" + name + "\""), source + " no longer emits " + name);
        assertTrue(rows.contains(List.of("BatchQa", name, "FunctionName", fn)), "dashboard lacks " + name);
      }
    });
    assertTrue(rows.contains(List.of("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "${QueueName}")),
        "dashboard lacks the queue age");
    assertTrue(rows.contains(List.of("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "${BulkQueueName}")),
        "dashboard lacks the bulk lane's queue age");
  }

  // ------------------------------------------------------------------ alarms and outputs

  @Test
  void handledInferenceFailuresReachAlarmsThroughTheEmfMetrics() {
    for (String metric : List.of("Failed", "Retried", "IdConflicts")) {
      assertTrue(t.resourcesOfType("AWS::CloudWatch::Alarm").stream().map(t::properties)
          .anyMatch(a -> "BatchQa".equals(a.get("Namespace")) && metric.equals(a.get("MetricName"))
              && dimension(a, "FunctionName").equals(Map.of("Ref", INFERENCE))), metric + " alarm");
    }
  }

  @Test
  void everyTimeoutBoundsTheWindowCapAtHalfTheTimeoutAtTheDocumentedSpeed() {
    Map<String, Object> env = map(path(t.properties(INFERENCE), "Environment", "Variables"));
    assertEquals(Map.of("Ref", "InferenceTimeoutSeconds"), env.get("QA_FUNCTION_TIMEOUT_SECONDS"));
    assertFalse(env.containsKey("QA_MAX_WINDOWS_PER_QUESTION"), "the cap is derived from the timeout, not set");
    for (String timeout : t.allowedValues("InferenceTimeoutSeconds")) {
      // the value the function reads, parsed as it parses it (a timeout it refused would stop its init)
      Duration parsed = BatchPolicy.functionTimeout(Map.of("QA_FUNCTION_TIMEOUT_SECONDS", timeout));
      int windows = BatchPolicy.forTimeout(parsed).maxWindowsPerQuestion();
      assertTrue(windows >= 1 && windows <= Integer.parseInt(timeout) * 3 / 2 && windows <= 500,
          timeout + " s -> " + windows + " windows: more than half the timeout at 3 windows/s, or over 500");
    }
  }


  @Test
  void oneAlarmCoversTheUnhandledErrorsOfEveryFunctionButTheStreamHook() {
    List<Map<String, Object>> alarms = new ArrayList<>();
    for (String id : t.resourcesOfType("AWS::CloudWatch::Alarm")) {
      alarms.add(t.properties(id));
    }
    List<Map<String, Object>> errorAlarms = alarms.stream()
        .filter(a -> !lambdaMetricIds(a, "Errors").isEmpty()).toList();
    assertEquals(1, errorAlarms.size(), "one Errors alarm, not one per function");
    Map<String, Object> alarm = errorAlarms.get(0);
    Map<String, Object> byFunction = lambdaMetricIds(alarm, "Errors");
    // the stream hook's failures are retried, then land in its on-failure queue, which has an alarm of its own
    assertEquals(new TreeSet<>(List.of(INGEST, INFERENCE, DEAD_LETTER, SWEEPER, JOB_WORKER)),
        new TreeSet<>(byFunction.keySet()));
    String expression = list(alarm.get("Metrics")).stream().map(m -> scalar(map(m).get("Expression")))
        .filter(java.util.Objects::nonNull).findFirst().orElseThrow();
    for (Object metricId : byFunction.values()) {
      assertTrue(expression.matches(".*\\b" + metricId + "\\b.*"), expression + " leaves out " + metricId);
    }
    assertTrue(expression.startsWith("SUM("), "any error of any function breaches: " + expression);
    assertEquals("GreaterThanThreshold", alarm.get("ComparisonOperator"));
    assertEquals(0L, number(alarm.get("Threshold")));
  }

  /** Function resource id → metric id, for the metric-math entries of {@code alarm} on AWS/Lambda {@code name}. */
  private Map<String, Object> lambdaMetricIds(Map<String, Object> alarm, String name) {
    Map<String, Object> ids = new TreeMap<>();
    for (Object m : alarm.get("Metrics") == null ? List.of() : list(alarm.get("Metrics"))) {
      Object metric = path(m, "MetricStat", "Metric");
      if (metric != null && "AWS/Lambda".equals(map(metric).get("Namespace"))
          && name.equals(map(metric).get("MetricName"))) {
        ids.put(scalar(map(dimension(map(metric), "FunctionName")).get("Ref")), map(m).get("Id"));
      }
    }
    return ids;
  }

  @Test
  void deadLetterAlarmsFireOnceOnArrivalAndAgainOnlyWhenMessagesAreStuck() {
    List<Map<String, Object>> alarms = new ArrayList<>();
    for (String id : t.resourcesOfType("AWS::CloudWatch::Alarm")) {
      alarms.add(t.properties(id));
    }
    // arrival is the dead-letter function's invocation; a depth alarm on the same queue would fire for the same event
    assertFalse(alarms.stream().anyMatch(a -> "ApproximateNumberOfMessagesVisible".equals(a.get("MetricName"))
        && dimension(a, "QueueName").equals(Map.of("Fn::GetAtt", List.of(DLQ, "QueueName")))),
        "a second alarm on dead-letter arrival");
    // every dead-letter invocation means questions failed after all retries
    assertTrue(alarms.stream().anyMatch(a -> "AWS/Lambda".equals(a.get("Namespace"))
        && "Invocations".equals(a.get("MetricName"))
        && "Sum".equals(a.get("Statistic"))
        && number(a.get("Period")) == 300
        && "GreaterThanThreshold".equals(a.get("ComparisonOperator"))
        && number(a.get("Threshold")) == 0
        && dimension(a, "FunctionName").equals(Map.of("Ref", DEAD_LETTER))), "dead-letter invocations alarm");
    // with a consumer on the DLQ, stuck messages are mostly in flight: an alarm must count those too
    assertTrue(alarms.stream().anyMatch(a -> {
      Set<String> metrics = new TreeSet<>();
      for (Object m : list(a.get("Metrics"))) {
        Object metric = path(m, "MetricStat", "Metric");
        if (metric != null && "AWS/SQS".equals(map(metric).get("Namespace"))
            && dimension(map(metric), "QueueName").equals(Map.of("Fn::GetAtt", List.of(DLQ, "QueueName")))) {
          metrics.add(scalar(map(metric).get("MetricName")));
        }
      }
      return metrics.equals(Set.of("ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible"))
          && "GreaterThanThreshold".equals(a.get("ComparisonOperator")) && number(a.get("Threshold")) == 0;
    }), "DLQ stuck-messages alarm (visible + in flight)");
    Map<String, String> without = t.defaults();
    Map<String, String> with = t.params("AlarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:ops");
    for (String id : t.resourcesOfType("AWS::CloudWatch::Alarm")) {
      assertNull(map(t.resolve(t.properties(id), without)).get("AlarmActions"), id);
      assertEquals(List.of("arn:aws:sns:eu-west-1:123456789012:ops"),
          map(t.resolve(t.properties(id), with)).get("AlarmActions"), id);
    }
  }

  /**
   * Nothing else warns before SQS silently drops a message at the end of the retention: an alarm on the age of
   * the oldest message, with a threshold far below the retention (time to act) and below the default result TTL
   * (bulk messages older than that without a record are refused as possible late duplicates).
   */
  @Test
  void alarmOnTheAgeOfTheOldestQuestionWellBelowTheRetention() {
    List<Map<String, Object>> ageAlarms = new ArrayList<>();
    for (String id : t.resourcesOfType("AWS::CloudWatch::Alarm")) {
      Map<String, Object> a = t.properties(id);
      List<Object> queues = new ArrayList<>();
      for (Object m : a.get("Metrics") == null ? List.of() : list(a.get("Metrics"))) {
        Map<String, Object> stat = map(map(m).get("MetricStat"));
        if (stat.isEmpty() || !"ApproximateAgeOfOldestMessage".equals(path(stat, "Metric", "MetricName"))) continue;
        assertEquals("AWS/SQS", path(stat, "Metric", "Namespace"));
        assertEquals("Maximum", stat.get("Stat"));
        queues.add(path(list(path(stat, "Metric", "Dimensions")).get(0), "Value"));
      }
      if (!queues.isEmpty()) {
        assertEquals(List.of(Map.of("Fn::GetAtt", List.of(QUEUE, "QueueName")),
            Map.of("Fn::GetAtt", List.of(BULK_QUEUE, "QueueName"))), queues, "both lanes");
        ageAlarms.add(a);
      }
    }
    assertEquals(1, ageAlarms.size());
    Map<String, Object> alarm = ageAlarms.get(0);
    assertEquals("GreaterThanThreshold", alarm.get("ComparisonOperator"));
    long resultTtl = Long.parseLong(t.defaults().get("ResultTtlHours")) * 3600;
    for (String d : t.allowedValues("QueueRetentionDays")) {
      Map<String, String> p = t.params("QueueRetentionDays", d);
      long threshold = number(t.resolve(alarm.get("Threshold"), p));
      long retention = number(t.resolve(t.properties(QUEUE).get("MessageRetentionPeriod"), p));
      long period = number(map(map(list(alarm.get("Metrics")).get(1)).get("MetricStat")).get("Period"));
      long window = period * number(alarm.get("EvaluationPeriods"));
      assertTrue(threshold + window <= retention / 4, d + " days: alarm within the first quarter of the retention");
      assertTrue(threshold + window < resultTtl, d + " days: alarm before bulk messages outlive the result TTL");
      assertTrue(threshold >= 3600, d + " days: a healthy backlog (minutes) must not alarm");
    }
  }

  @Test
  void handledIngestFailuresAndApi5xxReachAnAlarm() {
    List<Map<String, Object>> alarms = new ArrayList<>();
    for (String id : t.resourcesOfType("AWS::CloudWatch::Alarm")) {
      alarms.add(t.properties(id));
    }
    // the EMF metrics IngestMetrics writes (namespace, names, dimension as in the code); its Http5xx answers are
    // API 5xx too, so the API's alarm below covers them
    for (String metric : List.of("BatchItemErrors")) {
      assertTrue(alarms.stream().anyMatch(a -> "BatchQa".equals(a.get("Namespace"))
          && metric.equals(a.get("MetricName"))
          && "Sum".equals(a.get("Statistic"))
          && "GreaterThanThreshold".equals(a.get("ComparisonOperator"))
          && number(a.get("Threshold")) == 0
          && list(a.get("Dimensions")).size() == 1
          && dimension(a, "FunctionName").equals(Map.of("Ref", INGEST))), "ingest " + metric + " alarm");
    }
    // the HTTP API's own 5xx: the $default stage SAM creates for an HttpApi
    assertTrue(alarms.stream().anyMatch(a -> "AWS/ApiGateway".equals(a.get("Namespace"))
        && "5xx".equals(a.get("MetricName"))
        && "Sum".equals(a.get("Statistic"))
        && "GreaterThanThreshold".equals(a.get("ComparisonOperator"))
        && number(a.get("Threshold")) == 0
        && list(a.get("Dimensions")).size() == 2
        && dimension(a, "ApiId").equals(Map.of("Ref", API))
        && "$default".equals(dimension(a, "Stage"))), "HTTP API 5xx alarm");
  }

  @Test
  void ingestGetsTheBacklogLimitAndMayReadTheQueueDepth() {
    Map<String, Object> vars = map(path(t.properties(INGEST), "Environment", "Variables"));
    assertEquals(Map.of("Ref", "MaxBacklog"), vars.get("QA_MAX_BACKLOG"));
    Map<String, Object> param = map(t.section("Parameters").get("MaxBacklog"));
    assertEquals(0L, number(param.get("MinValue")), "0 turns admission control off");
    assertTrue(number(param.get("Default")) > 0, "on by default");
    boolean readsDepth = inlineStatements(t.properties(INGEST)).stream().anyMatch(st ->
        actions(List.of(st)).contains("sqs:GetQueueAttributes")
            && List.of(Map.of("Fn::GetAtt", List.of(QUEUE, "Arn")), Map.of("Fn::GetAtt", List.of(BULK_QUEUE, "Arn")))
                .equals(st.get("Resource")));
    assertTrue(readsDepth, "sqs:GetQueueAttributes on both lanes' queues");
    assertEquals(Map.of("Ref", BULK_QUEUE), vars.get("QA_BULK_QUEUE_URL"), "ingest routes heavy requests there");
  }

  @Test
  void outputsNameApiQueueDlqAndTable() {
    Map<String, Object> outputs = t.section("Outputs");
    assertTrue(outputs.keySet().containsAll(Set.of("ApiUrl", "QueueUrl", "DeadLetterQueueUrl", "TableName")),
        outputs.keySet().toString());
    assertEquals(Map.of("Ref", QUEUE), path(outputs, "QueueUrl", "Value"));
    assertEquals(Map.of("Ref", DLQ), path(outputs, "DeadLetterQueueUrl", "Value"));
    assertEquals(Map.of("Ref", TABLE), path(outputs, "TableName", "Value"));
    assertTrue(scalar(path(outputs, "ApiUrl", "Value", "Fn::Sub")).contains("${" + API + "}"));
  }

  // ------------------------------------------------------------------ helpers

  /** The inference function's event source of the interactive lane. */
  static Map<String, Object> sqsEvent() {
    return laneEvent(QUEUE);
  }

  /** The inference function's event source for {@code queue}: exactly one. */
  static Map<String, Object> laneEvent(String queue) {
    List<Map<String, Object>> found = new ArrayList<>();
    for (Object ev : map(t.properties(INFERENCE).get("Events")).values()) {
      Map<String, Object> props = map(map(ev).get("Properties"));
      if ("SQS".equals(map(ev).get("Type")) && Map.of("Fn::GetAtt", List.of(queue, "Arn")).equals(props.get("Queue"))) {
        found.add(props);
      }
    }
    assertEquals(1, found.size(), "exactly one SQS event source for " + queue);
    return found.get(0);
  }

  static Map<String, Object> sqsEvent(String function) {
    List<Map<String, Object>> sqs = new ArrayList<>();
    for (Object ev : map(t.properties(function).get("Events")).values()) {
      if ("SQS".equals(map(ev).get("Type"))) {
        sqs.add(map(map(ev).get("Properties")));
      }
    }
    assertEquals(1, sqs.size(), "exactly one SQS event source");
    return sqs.get(0);
  }

  /** "method path" -> operation of the resolved OpenAPI body. */
  static Map<String, Object> bodyRoutes(Map<String, String> params) {
    Map<String, Object> body = map(t.resolve(t.properties(API).get("DefinitionBody"), params));
    Map<String, Object> routes = new java.util.TreeMap<>();
    map(body.get("paths")).forEach((p, item) ->
        map(item).forEach((method, op) -> routes.put(method + " " + p, op)));
    return routes;
  }

  static void checkCors(Map<String, Object> cors, String originsKey, String credentialsKey) {
    boolean wildcard = false;
    for (Object o : list(cors.get(originsKey))) {
      wildcard |= scalar(o).contains("*");
    }
    if (wildcard) {
      assertFalse(CfnTemplate.truthy(cors.get(credentialsKey)), "wildcard origin with credentials: " + cors);
    }
  }

  static Object dimension(Map<String, Object> alarm, String name) {
    for (Object d : list(alarm.get("Dimensions"))) {
      if (name.equals(map(d).get("Name"))) {
        return map(d).get("Value");
      }
    }
    return Map.of();
  }

  static Set<String> actions(List<Map<String, Object>> statements) {
    Set<String> actions = new TreeSet<>();
    for (Map<String, Object> st : statements) {
      assertEquals("Allow", st.get("Effect"));
      Object a = st.get("Action");
      if (a instanceof String s) {
        actions.add(s);
      } else {
        list(a).forEach(x -> actions.add(scalar(x)));
      }
    }
    return actions;
  }

  /** Each statement's resources are exactly the ARN of the one resource its service prefix maps to. */
  static void assertResources(List<Map<String, Object>> statements, Map<String, List<String>> prefixToResources) {
    for (Map<String, Object> st : statements) {
      Set<String> services = new TreeSet<>();
      actions(List.of(st)).forEach(a -> services.add(a.substring(0, a.indexOf(':') + 1)));
      assertEquals(1, services.size(), "one service per statement: " + st);
      List<String> targets = prefixToResources.get(services.iterator().next());
      if (targets == null) {
        fail("unexpected service in " + st);
      }
      Object res = st.get("Resource");
      List<Object> resources = res instanceof List ? list(res) : List.of(res);
      assertEquals(targets.stream().map(target -> Map.of("Fn::GetAtt", List.of(target, "Arn"))).toList(), resources,
          "resource of " + st);
    }
  }

  static List<Map<String, Object>> allIamStatements() {
    List<Map<String, Object>> out = new ArrayList<>();
    walk(t.root(), node -> {
      Map<String, Object> m = map(node);
      if (m.containsKey("Statement") && (m.containsKey("Version") || m.size() == 1)) {
        for (Object s : list(m.get("Statement"))) {
          out.add(map(s));
        }
      }
    });
    return out;
  }

  static void walk(Object node, java.util.function.Consumer<Object> visitor) {
    visitor.accept(node);
    if (node instanceof Map<?, ?> m) {
      m.values().forEach(v -> walk(v, visitor));
    } else if (node instanceof List<?> l) {
      l.forEach(v -> walk(v, visitor));
    }
  }

  static void walkStrings(Object node, java.util.function.Consumer<String> visitor) {
    if (node instanceof String s) {
      visitor.accept(s);
    } else if (node instanceof Map<?, ?> m) {
      m.keySet().forEach(k -> visitor.accept(String.valueOf(k)));
      m.values().forEach(v -> walkStrings(v, visitor));
    } else if (node instanceof List<?> l) {
      l.forEach(v -> walkStrings(v, visitor));
    }
  }
}
