package dev.batchqa.ingest.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.batchqa.shared.message.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@link JobStore} on a DynamoDB table keyed by {@code jobId} (S) and {@code part} (S). A job is one item
 * {@code part = "job"} (status, owner, times, metadata) and one item per {@value #LINES_PER_SHARD} lines,
 * {@code part = "lines#00000"}, holding the line numbers ended in each outcome as number sets ({@code done},
 * {@code failed}, {@code cancelled}, {@code expired}) and the shard's {@code size}.
 *
 * <p>Why sets and not counters: a completion can be seen twice (a redelivered message, a retried stream batch, a
 * worker that died after writing); {@code ADD done {17}} twice leaves line 17 in the set once, where {@code ADD
 * done 1} twice counts it twice. A shard holds at most {@value #LINES_PER_SHARD} numbers (a few KB), so a
 * count costs one small write, and a job's counts are one Query. The emulator (dynalite) has no transactions,
 * and this needs none.
 *
 * <p>Two sparse indexes: {@value #OWNER_INDEX} (owner, createdAt) lists a caller's jobs, and {@value #OPEN_INDEX}
 * ({@code openShard}, expiresAt) the jobs not ended yet, for the sweep; only job items carry their keys, and the
 * end of a job removes {@code openShard}. Items carry {@code ttl} (epoch seconds) for the table's TTL:
 * {@link #RETENTION} after the job ends (or would have expired).
 */
public final class DynamoDbJobStore implements JobStore {
    public static final String OWNER_INDEX = "jobs-by-owner";
    public static final String OPEN_INDEX = "open-jobs";
    static final int LINES_PER_SHARD = 1_000;
    /** How long a job and its results are kept after it ends (the bucket's lifecycle rule says the same). */
    public static final Duration RETENTION = Duration.ofDays(30);

    private static final String JOB_ID = "jobId";
    private static final String PART = "part";
    private static final String META = "job";
    private static final String STATUS = "status";
    private static final String END_AS = "endAs";
    private static final String OWNER = "owner";
    private static final String TOTAL = "total";
    private static final String SIZE = "size";
    private static final String CREATED_AT = "createdAt";
    private static final String EXPIRES_AT = "expiresAt";
    private static final String COMPLETED_AT = "completedAt";
    private static final String WINDOW = "windowSeconds";
    private static final String METADATA = "metadata";
    private static final String PARENT_ID = "parentId";
    private static final String INPUT_KEY = "inputKey";
    private static final String ERRORS = "errors";
    private static final String ERROR_COUNT = "errorCount";
    private static final String OPEN_SHARD = "openShard";
    private static final String TTL = "ttl";
    private static final Pattern CURSOR = Pattern.compile("([0-9]{1,19}):(job_[0-9a-f]{32})");

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbJobStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public boolean create(Job job) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(JOB_ID, s(job.id()));
        item.put(PART, s(META));
        item.put(OWNER, s(job.owner()));
        item.put(STATUS, s(job.status().wire()));
        item.put(CREATED_AT, n(job.createdAt().toEpochMilli()));
        item.put(EXPIRES_AT, n(job.expiresAt().getEpochSecond()));
        item.put(WINDOW, n(job.completionWindow().toSeconds()));
        item.put(INPUT_KEY, s(job.inputKey()));
        item.put(OPEN_SHARD, n(0));
        item.put(TTL, n(job.expiresAt().plus(RETENTION).getEpochSecond()));
        if (!job.metadata().isEmpty()) item.put(METADATA, s(json(job.metadata())));
        if (job.parentId() != null) item.put(PARENT_ID, s(job.parentId()));
        try {
            dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", JOB_ID)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Optional<Job> find(String jobId) {
        Map<String, AttributeValue> meta = null;
        int[] sums = new int[LineOutcome.values().length];
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(r -> r.tableName(table).consistentRead(true)
                    .keyConditionExpression("#id = :id").expressionAttributeNames(Map.of("#id", JOB_ID))
                    .expressionAttributeValues(Map.of(":id", s(jobId))).exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                if (META.equals(item.get(PART).s())) {
                    meta = item;
                } else {
                    for (LineOutcome o : LineOutcome.values()) sums[o.ordinal()] += setSize(item, o.attribute());
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        if (meta == null) return Optional.empty();
        Job.Counts counts = new Job.Counts(integer(meta, TOTAL), sums[LineOutcome.DONE.ordinal()],
                sums[LineOutcome.FAILED.ordinal()], sums[LineOutcome.CANCELLED.ordinal()],
                sums[LineOutcome.EXPIRED.ordinal()]);
        return Optional.of(toJob(meta, counts));
    }

    @Override
    public boolean setTotal(String jobId, int total, Instant expiresAt) {
        int shards = (total + LINES_PER_SHARD - 1) / LINES_PER_SHARD;
        for (int shard = 0; shard < shards; shard++) {
            int size = Math.min(LINES_PER_SHARD, total - shard * LINES_PER_SHARD);
            Map<String, AttributeValue> item = Map.of(JOB_ID, s(jobId), PART, s(shardPart(shard)), SIZE, n(size),
                    TTL, n(expiresAt.plus(RETENTION).getEpochSecond()));
            try {
                // never over an existing shard: a repeated start must not drop lines already counted
                dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(#id)")
                        .expressionAttributeNames(Map.of("#id", JOB_ID)));
            } catch (ConditionalCheckFailedException exists) {
                // made by an earlier start
            }
        }
        return update(jobId, "SET #total = :total", "#status IN (:validating, :cancelling)",
                Map.of("#total", TOTAL, "#status", STATUS),
                Map.of(":total", n(total), ":validating", s(JobStatus.VALIDATING.wire()),
                        ":cancelling", s(JobStatus.CANCELLING.wire())));
    }

    @Override
    public boolean transition(String jobId, List<JobStatus> from, JobStatus to) {
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> placeholders = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
            values.put(":from" + i, s(from.get(i).wire()));
            placeholders.add(":from" + i);
        }
        values.put(":to", s(to.wire()));
        return update(jobId, "SET #status = :to", "#status IN (" + String.join(", ", placeholders) + ")",
                Map.of("#status", STATUS), values);
    }

    @Override
    public boolean failValidation(String jobId, int total, List<Job.LineError> errors, int errorCount, Instant now) {
        return update(jobId,
                "SET #status = :failed, #total = :total, #errors = :errors, #errorCount = :count, "
                        + "#completedAt = :now, #ttl = :ttl REMOVE #open",
                "#status = :validating",
                Map.of("#status", STATUS, "#total", TOTAL, "#errors", ERRORS, "#errorCount", ERROR_COUNT,
                        "#completedAt", COMPLETED_AT, "#ttl", TTL, "#open", OPEN_SHARD),
                Map.of(":failed", s(JobStatus.FAILED.wire()), ":total", n(total), ":errors", s(json(errors)),
                        ":count", n(errorCount), ":now", s(now.toString()),
                        ":ttl", n(now.plus(RETENTION).getEpochSecond()),
                        ":validating", s(JobStatus.VALIDATING.wire())));
    }

    @Override
    public boolean requestCancel(String jobId) {
        return update(jobId, "SET #status = :cancelling, #endAs = :cancelled", "#status IN (:validating, :inProgress)",
                Map.of("#status", STATUS, "#endAs", END_AS),
                Map.of(":cancelling", s(JobStatus.CANCELLING.wire()), ":cancelled", s(JobStatus.CANCELLED.wire()),
                        ":validating", s(JobStatus.VALIDATING.wire()),
                        ":inProgress", s(JobStatus.IN_PROGRESS.wire())));
    }

    @Override
    public boolean markExpiring(String jobId) {
        return update(jobId, "SET #endAs = :expired", "#status = :inProgress AND attribute_not_exists(#endAs)",
                Map.of("#status", STATUS, "#endAs", END_AS),
                Map.of(":expired", s(JobStatus.EXPIRED.wire()), ":inProgress", s(JobStatus.IN_PROGRESS.wire())));
    }

    @Override
    public boolean finish(String jobId, JobStatus end, Instant now) {
        return update(jobId, "SET #status = :end, #completedAt = :now, #ttl = :ttl REMOVE #open",
                "#status = :finalizing",
                Map.of("#status", STATUS, "#completedAt", COMPLETED_AT, "#ttl", TTL, "#open", OPEN_SHARD),
                Map.of(":end", s(end.wire()), ":now", s(now.toString()),
                        ":ttl", n(now.plus(RETENTION).getEpochSecond()),
                        ":finalizing", s(JobStatus.FINALIZING.wire())));
    }

    @Override
    public boolean countLine(String jobId, int line, LineOutcome outcome) {
        int shard = (line - 1) / LINES_PER_SHARD;
        Map<String, AttributeValue> item;
        try {
            item = dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(Map.of(JOB_ID, s(jobId), PART, s(shardPart(shard))))
                    .updateExpression("ADD #outcome :line")
                    // a shard exists from the job's start on; without this a stray id would make one
                    .conditionExpression("attribute_exists(#id)")
                    .expressionAttributeNames(Map.of("#outcome", outcome.attribute(), "#id", JOB_ID))
                    .expressionAttributeValues(Map.of(":line", AttributeValue.fromNs(List.of(Integer.toString(line)))))
                    .returnValues(ReturnValue.ALL_NEW)
                    .build()).attributes();
        } catch (ConditionalCheckFailedException noSuchShard) {
            return false;
        }
        int ended = 0;
        for (LineOutcome o : LineOutcome.values()) ended += setSize(item, o.attribute());
        return ended >= integer(item, SIZE);
    }

    @Override
    public Page list(String owner, int limit, String cursor) {
        Map<String, AttributeValue> start = null;
        if (cursor != null) {
            String text;
            try {
                text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidCursor();
            }
            Matcher m = CURSOR.matcher(text);
            if (!m.matches()) throw new InvalidCursor();
            start = Map.of(OWNER, s(owner), CREATED_AT, n(Long.parseLong(m.group(1))), JOB_ID, s(m.group(2)),
                    PART, s(META));
        }
        Map<String, AttributeValue> from = start;
        QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).indexName(OWNER_INDEX)
                .keyConditionExpression("#owner = :owner").expressionAttributeNames(Map.of("#owner", OWNER))
                .expressionAttributeValues(Map.of(":owner", s(owner))).scanIndexForward(false).limit(limit)
                .exclusiveStartKey(from).build());
        List<Job> jobs = new ArrayList<>();
        for (Map<String, AttributeValue> key : page.items()) find(key.get(JOB_ID).s()).ifPresent(jobs::add);
        String next = null;
        if (page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()) {
            Map<String, AttributeValue> last = page.lastEvaluatedKey();
            next = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (last.get(CREATED_AT).n() + ":" + last.get(JOB_ID).s()).getBytes(StandardCharsets.UTF_8));
        }
        return new Page(jobs, next);
    }

    @Override
    public List<String> openJobs(int limit) {
        List<String> ids = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(r -> r.tableName(table).indexName(OPEN_INDEX)
                    .keyConditionExpression("#open = :zero").expressionAttributeNames(Map.of("#open", OPEN_SHARD))
                    .expressionAttributeValues(Map.of(":zero", n(0))).limit(Math.min(limit, 500))
                    .exclusiveStartKey(from));
            for (var item : page.items()) {
                if (ids.size() < limit) ids.add(item.get(JOB_ID).s());
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && ids.size() < limit);
        return ids;
    }

    private boolean update(String jobId, String update, String condition, Map<String, String> names,
            Map<String, AttributeValue> values) {
        try {
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(Map.of(JOB_ID, s(jobId), PART, s(META)))
                    .updateExpression(update).conditionExpression(condition)
                    .expressionAttributeNames(names).expressionAttributeValues(values).build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static Job toJob(Map<String, AttributeValue> item, Job.Counts counts) {
        Map<String, String> metadata = item.containsKey(METADATA)
                ? read(item.get(METADATA).s(), new TypeReference<LinkedHashMap<String, String>>() {}) : Map.of();
        List<Job.LineError> errors = item.containsKey(ERRORS)
                ? read(item.get(ERRORS).s(), new TypeReference<List<Job.LineError>>() {}) : List.of();
        return new Job(item.get(JOB_ID).s(), item.get(OWNER).s(), JobStatus.ofWire(item.get(STATUS).s()),
                item.containsKey(END_AS) ? JobStatus.ofWire(item.get(END_AS).s()) : null, counts, metadata,
                Instant.ofEpochMilli(Long.parseLong(item.get(CREATED_AT).n())),
                Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())),
                item.containsKey(COMPLETED_AT) ? Instant.parse(item.get(COMPLETED_AT).s()) : null,
                Duration.ofSeconds(Long.parseLong(item.get(WINDOW).n())),
                item.containsKey(PARENT_ID) ? item.get(PARENT_ID).s() : null, item.get(INPUT_KEY).s(), errors,
                integer(item, ERROR_COUNT));
    }

    private static String shardPart(int shard) {
        return String.format("lines#%05d", shard);
    }

    private static int setSize(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || !v.hasNs() ? 0 : v.ns().size();
    }

    private static int integer(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? 0 : Integer.parseInt(v.n());
    }

    private static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write job attribute", e);
        }
    }

    private static <T> T read(String text, TypeReference<T> type) {
        try {
            return Json.MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable job attribute", e);
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(Number value) {
        return AttributeValue.fromN(value.toString());
    }
}
