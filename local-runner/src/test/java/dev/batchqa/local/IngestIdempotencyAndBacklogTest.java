package dev.batchqa.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.ingest.BacklogGate;
import dev.batchqa.ingest.IngestApi;
import dev.batchqa.ingest.IngestMetrics;
import dev.batchqa.shared.aws.SqsRequestQueue;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.Limits;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.Answer;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.DynamoDbIdempotencyStore;
import dev.batchqa.shared.store.DynamoDbRequestStore;
import dev.batchqa.shared.store.IdempotencyStore.Claim;
import dev.batchqa.shared.store.RequestStore.Completion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The ingest API on the real adapters: idempotency claims and records in dynalite, the queue in ElasticMQ
 * (in-process). Concurrent attempts with one key, claim expiry, and admission control on the queue's depth.
 */
class IngestIdempotencyAndBacklogTest {
    private static final String TABLE = "ingest-races";

    @RegisterExtension
    static final DynaliteFixture DYNAMO = new DynaliteFixture();
    private static EmbeddedSqs elasticMq;
    private static DynamoDbClient dynamo;
    private static SqsClient sqs;

    private final QaValidator validator = new QaValidator(Limits.MAX_CONTEXT_CHARS, Limits.MAX_QUESTION_CHARS);

    @BeforeAll
    static void start() throws Exception {
        dynamo = DYNAMO.client();
        DYNAMO.table(TABLE);
        elasticMq = EmbeddedSqs.start(0, "us-east-1");
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        sqs = SqsClient.builder().endpointOverride(elasticMq.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    @AfterAll
    static void stop() {
        sqs.close();
        elasticMq.close();
    }

    @Test
    void fiftyConcurrentAttemptsWithOneKeyMakeOneQuestionAndAllGetIt() throws Exception {
        String queueUrl = newQueue();
        IngestApi api = api(queueUrl, BacklogGate.off());
        String key = "order-" + UUID.randomUUID();
        int clients = 50;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<APIGatewayV2HTTPResponse>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return api.handle(post("/qa", key, "{\"context\":\"The score was 83.1.\",\"question\":\"Which score?\"}"));
                }));
            }
            go.countDown();
            List<String> statuses = new ArrayList<>();
            Set<String> ids = new TreeSet<>();
            for (Future<APIGatewayV2HTTPResponse> f : futures) {
                APIGatewayV2HTTPResponse r = f.get(60, TimeUnit.SECONDS);
                statuses.add(r.getStatusCode() + (r.getStatusCode() == 202 ? "" : " " + r.getBody()));
                JsonNode id = Json.MAPPER.readTree(r.getBody()).get("id");
                if (id != null) ids.add(id.asText());
            }
            assertEquals(List.of(), statuses.stream().filter(s -> !s.equals("202")).toList(), "every attempt is a 202");
            assertEquals(1, ids.size(), "one id for all: " + ids);
            String id = ids.iterator().next();
            List<Map<String, AttributeValue>> records = records();
            assertEquals(1, records.stream().filter(item -> item.get("id").s().equals(id)).count());
            var record = new DynamoDbRequestStore(dynamo, TABLE, Duration.ofHours(24), Clock.systemUTC()).find(id).orElseThrow();
            assertEquals(QaStatus.PENDING, record.status());
            assertTrue(record.queued());
            long messages = depth(queueUrl);
            assertTrue(messages >= 1, "queued");
            System.out.printf("50 attempts, one key: 1 record, %d message(s) queued%n", messages);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void claimsAreFirstComeAndLiveAsLongAsTheRecordTheyPointTo() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        var keys = new DynamoDbIdempotencyStore(dynamo, TABLE, Duration.ofHours(24), Clock.fixed(now, ZoneOffset.UTC));
        String key = "k-" + UUID.randomUUID();
        assertEquals(Optional.empty(), keys.claim(key, "id-1", "hash-1"));
        assertEquals(Optional.of(new Claim("id-1", "hash-1", now)), keys.claim(key, "id-2", "hash-2"));

        // a PENDING record lives 15 days, and a completion at its end keeps it one more result TTL (24 h)
        var justBefore = new DynamoDbIdempotencyStore(dynamo, TABLE, Duration.ofHours(24),
                Clock.fixed(now.plus(Duration.ofDays(16)).minusSeconds(1), ZoneOffset.UTC));
        assertEquals(Optional.of(new Claim("id-1", "hash-1", now)), justBefore.claim(key, "id-3", "hash-3"),
                "15 days PENDING + 24 h DONE: the claim is still there");
        var after = new DynamoDbIdempotencyStore(dynamo, TABLE, Duration.ofHours(24),
                Clock.fixed(now.plus(Duration.ofDays(16)), ZoneOffset.UTC));
        assertEquals(Optional.empty(), after.claim(key, "id-4", "hash-4"), "an expired claim can be taken again");
        assertEquals(Optional.of(new Claim("id-4", "hash-4", now.plus(Duration.ofDays(16)))), after.claim(key, "id-5", "hash-5"));
    }

    /**
     * A replay with the key after the result TTL: the question was answered, read and has expired (TTL may not have
     * deleted the item yet, or it has). The claim still lives (15 days + TTL), but the replay must neither create
     * the record again (PENDING, as if never asked) nor queue the question to be answered a second time.
     */
    @Test
    void aReplayAfterTheResultTtlNeitherRecreatesNorRequeuesTheQuestion() throws Exception {
        String queueUrl = newQueue();
        Instant t0 = Instant.now().minus(Duration.ofDays(3));
        String body = "{\"context\":\"The score was 83.1.\",\"question\":\"Which score?\"}";
        for (boolean deletedByTtl : List.of(false, true)) {
            String key = "late-" + UUID.randomUUID();
            String id = Json.MAPPER.readTree(api(queueUrl, t0).handle(post("/qa", key, body)).getBody()).get("id").asText();
            var then = new DynamoDbRequestStore(dynamo, TABLE, Duration.ofHours(24), Clock.fixed(t0.plusSeconds(5), ZoneOffset.UTC));
            assertTrue(then.complete(new Completion(id, "Which score?", 1, null), List.of(new Answer("83.1", 14, 18, 0.9))));
            if (deletedByTtl) dynamo.deleteItem(r -> r.tableName(TABLE).key(Map.of("id", AttributeValue.fromS(id))));
            long queued = depth(queueUrl);

            APIGatewayV2HTTPResponse replay = api(queueUrl, t0.plus(Duration.ofHours(25))).handle(post("/qa", key, body));

            assertEquals(404, replay.getStatusCode(), replay.getBody());
            assertEquals("NOT_FOUND", Json.MAPPER.readTree(replay.getBody()).get("error").get("code").asText());
            assertEquals(queued, depth(queueUrl), "not queued again");
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(TABLE)
                    .key(Map.of("id", AttributeValue.fromS(id))).consistentRead(true)).item();
            if (deletedByTtl) {
                assertTrue(item == null || item.isEmpty(), "not recreated: " + item);
            } else {
                assertEquals("DONE", item.get("status").s(), "the expired outcome is not replaced by a PENDING record");
            }
        }
        // within the TTL the replay still finds (or, had the first attempt died before it, creates) the record
        String key = "soon-" + UUID.randomUUID();
        String id = Json.MAPPER.readTree(api(queueUrl, t0).handle(post("/qa", key, body)).getBody()).get("id").asText();
        APIGatewayV2HTTPResponse replay = api(queueUrl, t0.plus(Duration.ofHours(23))).handle(post("/qa", key, body));
        assertEquals(202, replay.getStatusCode(), replay.getBody());
        assertEquals(id, Json.MAPPER.readTree(replay.getBody()).get("id").asText());
    }

    @Test
    void claimKeysAreKeptOutOfTheRequestIdSpace() {
        var keys = new DynamoDbIdempotencyStore(dynamo, TABLE, Duration.ofHours(24), Clock.systemUTC());
        String key = "k-" + UUID.randomUUID();
        keys.claim(key, "id-1", "hash-1");
        assertTrue(records().stream().anyMatch(item -> item.get("id").s().equals("idempotency#" + key)));
    }

    @Test
    void aBacklogAtTheLimitRefusesNewQuestionsWithRetryAfterAndAcceptsNothing() throws Exception {
        String queueUrl = newQueue();
        for (int i = 0; i < 3; i++) sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("{}"));
        int before = records().size();

        IngestApi refusing = api(queueUrl, BacklogGate.sqs(sqs, queueUrl, 3));
        APIGatewayV2HTTPResponse single = refusing.handle(post("/qa", "k-" + UUID.randomUUID(), "{\"context\":\"c\",\"question\":\"q?\"}"));
        APIGatewayV2HTTPResponse batch = refusing.handle(post("/qa/batch", null, "{\"items\":[{\"context\":\"c\",\"question\":\"q?\"}]}"));

        for (APIGatewayV2HTTPResponse r : List.of(single, batch)) {
            assertEquals(503, r.getStatusCode(), r.getBody());
            assertEquals("QUEUE_BACKLOG", Json.MAPPER.readTree(r.getBody()).get("error").get("code").asText());
            assertEquals(String.valueOf(60), r.getHeaders().get("Retry-After"));
        }
        assertEquals(before, records().size(), "no record, no claim");
        assertEquals(3, depth(queueUrl), "nothing queued");

        IngestApi admitting = api(queueUrl, BacklogGate.sqs(sqs, queueUrl, 4));
        assertEquals(202, admitting.handle(post("/qa", null, "{\"context\":\"c\",\"question\":\"q?\"}")).getStatusCode());
        assertEquals(4, depth(queueUrl));
    }

    /** The API as it runs at {@code now}, no admission control. */
    private IngestApi api(String queueUrl, Instant now) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new IngestApi(new DynamoDbRequestStore(dynamo, TABLE, Duration.ofHours(24), clock),
                new DynamoDbIdempotencyStore(dynamo, TABLE, Duration.ofHours(24), clock),
                new SqsRequestQueue(sqs, queueUrl, new MessageCodec(validator)), BacklogGate.off(), IngestMetrics.none(),
                validator, clock);
    }

    private IngestApi api(String queueUrl, BacklogGate gate) {
        return new IngestApi(new DynamoDbRequestStore(dynamo, TABLE, Duration.ofHours(24), Clock.systemUTC()),
                new DynamoDbIdempotencyStore(dynamo, TABLE, Duration.ofHours(24), Clock.systemUTC()),
                new SqsRequestQueue(sqs, queueUrl, new MessageCodec(validator)), gate, IngestMetrics.none(), validator,
                Clock.systemUTC());
    }

    private static String newQueue() {
        return sqs.createQueue(r -> r.queueName("ingest-" + UUID.randomUUID())).queueUrl();
    }

    private static long depth(String queueUrl) {
        return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private static List<Map<String, AttributeValue>> records() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        dynamo.scanPaginator(r -> r.tableName(TABLE).consistentRead(true)).items().forEach(items::add);
        return items;
    }

    private static APIGatewayV2HTTPEvent post(String path, String idempotencyKey, String body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        if (idempotencyKey != null) headers.put("idempotency-key", idempotencyKey);
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRawPath(path)
                .withHeaders(headers)
                .withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath(path).build())
                        .build())
                .build();
    }
}
