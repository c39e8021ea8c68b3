package dev.batchqa.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.batchqa.engine.QaEngine;
import dev.batchqa.inference.BatchMetrics;
import dev.batchqa.inference.BatchProcessor;
import dev.batchqa.inference.InferenceHandler;
import dev.batchqa.inference.InferenceWiring;
import dev.batchqa.inference.Continuations;
import dev.batchqa.ingest.BacklogGate;
import dev.batchqa.ingest.DeadLetterHandler;
import dev.batchqa.ingest.IngestApi;
import dev.batchqa.ingest.IngestHandler;
import dev.batchqa.ingest.IngestMetrics;
import dev.batchqa.ingest.JobRoutes;
import dev.batchqa.ingest.jobs.DynamoDbJobStore;
import dev.batchqa.ingest.jobs.JobFiles;
import dev.batchqa.ingest.jobs.JobProgress;
import dev.batchqa.ingest.jobs.JobWorker;
import dev.batchqa.ingest.jobs.JobsWiring;
import dev.batchqa.ingest.jobs.S3JobFiles;
import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.aws.SqsRequestQueue;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.DynamoDbIdempotencyStore;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.PendingSweeper;
import dev.batchqa.shared.store.RequestStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The whole pipeline in one JVM: emulators (or the endpoints configured), the queue and table, the HTTP front
 * around the ingest handler and the SQS poller around the inference handler — the same handler classes that
 * run on Lambda, wired with explicit clients.
 */
public final class LocalPipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalPipeline.class);

    private static final Duration SWEEP_BUDGET = Duration.ofMinutes(1);
    private static final int JOB_SWEEP_LIMIT = 1_000;

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final LocalConfig config;
    private HttpFront front;
    private SqsPoller poller;
    private final List<SqsPoller> lanePollers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ContinuationLog continuationLog = new ContinuationLog();
    private String queueUrl;
    /** The bulk lane's queue; null with one lane. */
    private String bulkQueueUrl;
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private CountingRequestStore store;
    private URI sqsEndpoint;
    private URI dynamoEndpoint;
    private PendingSweeper sweeper;
    private final LocalEvents events = new LocalEvents(Clock.systemUTC());
    private URI s3Endpoint;
    private JobWorker jobWorker;
    private DynamoDbJobStore jobStore;
    private ExecutorService jobThreads;
    private JobFiles jobFiles;

    private LocalPipeline(LocalConfig config) {
        this.config = config;
    }

    public static LocalPipeline start(LocalConfig config) throws IOException {
        LocalPipeline pipeline = new LocalPipeline(config);
        try {
            pipeline.startAll();
            return pipeline;
        } catch (IOException | RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    private void startAll() throws IOException {
        sqsEndpoint = config.sqsEndpoint();
        dynamoEndpoint = config.dynamoEndpoint();
        if (config.embeddedEmulators()) {
            EmbeddedSqs embeddedSqs = EmbeddedSqs.start(0, config.region());
            resources.push(embeddedSqs);
            Dynalite dynalite = Dynalite.start(0);
            resources.push(dynalite);
            sqsEndpoint = embeddedSqs.endpoint();
            dynamoEndpoint = dynalite.endpoint();
            EmbeddedS3 embeddedS3 = EmbeddedS3.start(0, "local", "local");
            resources.push(embeddedS3);
            s3Endpoint = embeddedS3.endpoint();
        } else {
            s3Endpoint = config.jobs().s3Endpoint();
        }
        sqs = sqsClient();
        resources.push(sqs);
        dynamo = dynamoClient();
        resources.push(dynamo);

        AwsResources.Queue queue = config.queueUrl() != null
                ? AwsResources.existingQueue(sqs, config.queueUrl())
                : AwsResources.ensureQueue(sqs, config.queueName(), config.visibilityTimeoutSeconds(), config.maxReceiveCount());
        queueUrl = queue.url();
        Settings base = config.settings();
        // the bulk lane: a queue of its own beside an emulated one, or the one QA_BULK_QUEUE_URL names
        AwsResources.Queue bulk = config.queueUrl() == null
                ? AwsResources.ensureQueue(sqs, config.queueName() + "-bulk", config.visibilityTimeoutSeconds(),
                        config.maxReceiveCount())
                : base.bulkQueueUrl() == null ? null : AwsResources.existingQueue(sqs, base.bulkQueueUrl());
        bulkQueueUrl = bulk == null ? null : bulk.url();
        AwsResources.ensureTable(dynamo, config.tableName());

        Settings settings = new Settings(config.tableName(), queueUrl, base.resultTtl(), base.maxContextChars(),
                base.maxQuestionChars(), base.maxBacklog(), bulkQueueUrl);
        QaValidator validator = QaValidator.fromSettings(settings);
        MessageCodec codec = new MessageCodec(validator);
        // dynalite has no streams: completion events come from the write path, mapped as the deployed handler maps
        // them, and so do job-line counts (JobCountingRequestStore, the local twin of CompletionEventsHandler's hook)
        AwsResources.ensureJobTable(dynamo, config.jobs().tableName());
        AwsClients.Target s3Target = new AwsClients.Target(config.region(), s3Endpoint, config.credentials());
        S3Client s3 = JobsWiring.s3(s3Target);
        resources.push(s3);
        S3Presigner presigner = JobsWiring.presigner(s3Target);
        resources.push(presigner);
        // on AWS the stack owns the bucket; an emulator gets it made
        if (s3Endpoint != null) AwsResources.ensureBucket(s3, config.jobs().bucket());
        jobStore = new DynamoDbJobStore(dynamo, config.jobs().tableName());
        jobFiles = new S3JobFiles(s3, presigner, config.jobs().bucket());
        JobFiles files = jobFiles;
        jobThreads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "job-worker");
            t.setDaemon(true);
            return t;
        });
        resources.push(jobThreads::shutdownNow);
        store = new CountingRequestStore(new JobCountingRequestStore(
                new EventingRequestStore(new DynamoDbRequestStore(dynamo, settings), events, Clock.systemUTC()),
                new JobProgress(jobStore), this::advanceJob));
        // the queue job lines go to: one place to point at a bulk lane
        // job lines are bulk work: the bulk lane, so that they never stand between a user and a free function
        SqsRequestQueue jobQueue = new SqsRequestQueue(sqs, bulkQueueUrl != null ? bulkQueueUrl : queueUrl, codec);
        jobWorker = new JobWorker(jobStore, files, store, new JobProgress(jobStore), jobQueue, validator,
                events::publish, Clock.systemUTC());
        ScheduledExecutorService jobSweeps = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "job-sweeper");
            t.setDaemon(true);
            return t;
        });
        resources.push(jobSweeps::shutdownNow);
        long jobEvery = config.jobs().sweepInterval().toMillis();
        jobSweeps.scheduleWithFixedDelay(this::sweepJobsQuietly, jobEvery, jobEvery, TimeUnit.MILLISECONDS);

        if (config.role() != LocalConfig.Role.API) {
            BatchMetrics metrics = new BatchMetrics(new PrintStream(OutputStream.nullOutputStream()), "local");
            // one engine per handler generation: a timed-out invocation's handler is replaced with its engine
            // Each lane its own mapping, as on Lambda: the interactive lane never waits behind the bulk lane's work.
            // The bulk lane runs one invocation at a time on its engine, as a sandbox does: its pieces are planned
            // against the invocation's clock, and invocations taking turns on a shared engine would each see the
            // others' passes as their own cost. The interactive lane's pieces are small enough to share one.
            for (AwsResources.Queue lane : bulk == null ? List.of(queue) : List.of(queue, bulk)) {
                SqsPoller lanePoller = new SqsPoller(sqs, lane.url(), lane.arn(), config.region(), "inference-function",
                        () -> inferenceHandler(codec, metrics), config.functionTimeout(),
                        config.batchSize(), config.batchingWindow(), config.ackDelay())
                        .start(lane == bulk ? 1 : config.pollers());
                resources.push(lanePoller);
                lanePollers.add(lanePoller);
                if (poller == null) poller = lanePoller;
                if (lane.deadLetterUrl() != null) {
                    resources.push(new SqsPoller(sqs, lane.deadLetterUrl(), lane.deadLetterArn(), config.region(),
                            new DeadLetterHandler(store), 10, Duration.ZERO, Duration.ZERO).start(1));
                }
            }
        }
        if (config.role() != LocalConfig.Role.WORKER) {
            DynamoDbIdempotencyStore keys = new DynamoDbIdempotencyStore(dynamo, settings);
            IngestHandler ingest = new IngestHandler(
                    new IngestApi(store, keys,
                            IngestHandler.queue(sqs, settings, codec),
                            BacklogGate.sqs(sqs, queueUrl, bulkQueueUrl, settings.maxBacklog()),
                            IngestMetrics.none(), validator, Clock.systemUTC(),
                            new JobRoutes(jobStore, files, keys, this::advanceJob, Clock.systemUTC())));
            front = HttpFront.start(config.httpHost(), config.httpPort(), ingest, () -> localStats(queue), events);
            resources.push(front);
            // SweeperFunction's schedule, in process: PENDING records older than the queue keeps messages end FAILED
            sweeper = new PendingSweeper(store, config.pendingExpiry(), Clock.systemUTC());
            ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pending-sweeper");
                t.setDaemon(true);
                return t;
            });
            resources.push(schedule::shutdownNow);
            long every = config.sweepInterval().toSeconds();
            schedule.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.SECONDS);
        }
    }

    /**
     * The body of the local runner's {@code GET /local/stats} (the try-it page's panel): SQS's approximate counts
     * of the queue (and of the dead-letter queue) and what this runner's handlers wrote since start. Read-only,
     * no user text.
     */
    private Map<String, Object> localStats(AwsResources.Queue queue) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("queue", queueCounts(queue.url()));
        if (bulkQueueUrl != null) stats.put("bulkQueue", queueCounts(bulkQueueUrl));
        if (queue.deadLetterUrl() != null) stats.put("deadLetterQueue", queueCounts(queue.deadLetterUrl()));
        CountingRequestStore.Stats s = store.stats();
        stats.put("questions", Map.of("created", s.created(), "done", s.done(), "failed", s.failed()));
        return stats;
    }

    private Map<String, Object> queueCounts(String url) {
        try {
            var attributes = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            return Map.of(
                    "waiting", Long.parseLong(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")),
                    "inFlight", Long.parseLong(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0")));
        } catch (RuntimeException e) {
            return Map.of("error", "unavailable");
        }
    }

    /** One sweep of stale PENDING records now, as the scheduled one does; null in the worker role. */
    public PendingSweeper.Result sweepPending() {
        return sweeper == null ? null : sweeper.sweep(SWEEP_BUDGET);
    }

    private void sweepQuietly() {
        try {
            sweepPending();
        } catch (RuntimeException e) {
            log.warn("pending sweep failed; the next one retries", e);
        }
    }

    /** Advances a job on the job threads: what JobWorkerFunction does deployed, kicked through the bucket. */
    private void advanceJob(String jobId) {
        try {
            jobThreads.execute(() -> {
                try {
                    jobWorker.advance(jobId);
                } catch (RuntimeException e) {
                    log.atWarn().addKeyValue("jobId", jobId).setCause(e).log("advancing a job failed; the sweep retries");
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the runner is closing; the job is where it was, and the next run's sweep takes it on
        }
    }

    private void sweepJobsQuietly() {
        try {
            jobWorker.sweep(JOB_SWEEP_LIMIT);
        } catch (RuntimeException e) {
            log.warn("job sweep failed; the next one retries", e);
        }
    }

    /** The jobs' worker (tests drive expiry with it). */
    public JobWorker jobWorker() {
        return jobWorker;
    }

    public DynamoDbJobStore jobStore() {
        return jobStore;
    }

    public JobFiles jobFiles() {
        return jobFiles;
    }

    /** The question records through every decorator, as the handlers write them (tests play the inference side). */
    RequestStore store() {
        return store;
    }

    /** The S3 endpoint of the jobs bucket: the embedded S3Proxy's, or the configured one (null: AWS's). */
    public URI s3Endpoint() {
        return s3Endpoint;
    }

    /** The inference handler as the function builds it, owning its engine (closed with the handler). */
    private LocalInference inferenceHandler(MessageCodec codec, BatchMetrics metrics) {
        try {
            QaEngine engine = config.engine().load();
            BatchProcessor processor = InferenceWiring.processor(engine, store, codec, metrics,
                    continuationLog.recording(Continuations.sqs(() -> sqs), codec), config.policy(),
                    config.functionTimeout());
            return new LocalInference(new InferenceHandler(processor), processor, engine);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The handler with what it owns, so that the poller can close a replaced one. */
    private record LocalInference(InferenceHandler handler, BatchProcessor processor, QaEngine engine)
            implements RequestHandler<SQSEvent, SQSBatchResponse>, AutoCloseable {
        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
            return handler.handleRequest(event, context);
        }

        @Override
        public void close() {
            processor.close();
            engine.close();
        }
    }

    /** The HTTP API's base URL; null in the worker role. */
    public URI apiUrl() {
        if (front == null) return null;
        return URI.create("http://" + config.httpHost() + ":" + front.port());
    }

    public String queueUrl() {
        return queueUrl;
    }

    /** Inference invocations so far, over both lanes, and how many of them ran past the function's timeout. */
    public long[] invocationsAndTimeouts() {
        long invocations = 0;
        long timeouts = 0;
        for (SqsPoller p : lanePollers) {
            invocations += p.invocations();
            timeouts += p.timeouts();
        }
        return new long[] {invocations, timeouts};
    }

    /** How often each question was handed on in a continuation (question id to the highest count sent). */
    public ContinuationLog continuations() {
        return continuationLog;
    }

    /** The bulk lane's queue (heavy requests, bulk producers); null with one lane. */
    public String bulkQueueUrl() {
        return bulkQueueUrl;
    }

    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    public URI dynamoEndpoint() {
        return dynamoEndpoint;
    }

    public SqsClient sqs() {
        return sqs;
    }

    public DynamoDbClient dynamo() {
        return dynamo;
    }

    /** The completion events of this pipeline's writes (also served at {@code GET /local/events}). */
    public LocalEvents events() {
        return events;
    }

    /** What the handlers of this pipeline wrote since start. */
    public CountingRequestStore.Stats storeStats() {
        return store.stats();
    }

    public LocalConfig config() {
        return config;
    }

    /** Stops the inference side only, as a crashed or scaled-in worker would. */
    public void stopPoller() {
        for (SqsPoller lane : lanePollers) lane.close();
    }

    private SqsClient sqsClient() {
        return AwsClients.sqs(new AwsClients.Target(config.region(), sqsEndpoint, config.credentials()));
    }

    private DynamoDbClient dynamoClient() {
        // pooled, as the inference function's (one client serves the ingest and inference sides here)
        return AwsClients.dynamoDb(new AwsClients.Target(config.region(), dynamoEndpoint, config.credentials()),
                AwsClients.Http.POOLED);
    }

    @Override
    public void close() {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                log.warn("closing a local resource failed", e);
            }
        }
    }
}
