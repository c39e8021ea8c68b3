package dev.batchqa.local;

import dev.batchqa.ingest.jobs.DynamoDbJobStore;
import dev.batchqa.shared.store.RecordItem;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the queue, its dead-letter queue and the table as template.yaml defines them, if missing. Public for the
 * tools that set up an emulator of their own (the Lambda rehearsal, the store probes).
 */
public final class AwsResources {
    private AwsResources() {}

    public record Queue(String url, String arn, String deadLetterUrl, String deadLetterArn) {}

    /**
     * template.yaml's default QueueRetentionDays (4 days, also SQS's default, so an existing queue made without it
     * still matches): the pending expiry's default assumes it. ElasticMQ accepts the attribute but does not report it.
     */
    static final int QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;

    public static Queue ensureQueue(SqsClient sqs, String name, int visibilityTimeoutSeconds, int maxReceiveCount) {
        String dlqUrl = sqs.createQueue(r -> r.queueName(name + "-dlq")
                        .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600")))
                .queueUrl();
        String dlqArn = arn(sqs, dlqUrl);
        String redrive = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}";
        String url = sqs.createQueue(r -> r.queueName(name).attributes(Map.of(
                        QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds),
                        QueueAttributeName.MESSAGE_RETENTION_PERIOD, Integer.toString(QUEUE_RETENTION_SECONDS),
                        QueueAttributeName.REDRIVE_POLICY, redrive)))
                .queueUrl();
        return new Queue(url, arn(sqs, url), dlqUrl, dlqArn);
    }

    /** A queue made elsewhere (template.yaml); its dead-letter queue is the one its redrive policy names. */
    static Queue existingQueue(SqsClient sqs, String url) {
        var attributes = sqs.getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.QUEUE_ARN, QueueAttributeName.REDRIVE_POLICY)).attributes();
        String redrive = attributes.get(QueueAttributeName.REDRIVE_POLICY);
        String dlqArn = null;
        String dlqUrl = null;
        if (redrive != null) {
            try {
                dlqArn = dev.batchqa.shared.message.Json.MAPPER.readTree(redrive).path("deadLetterTargetArn").asText(null);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("unreadable RedrivePolicy on " + url, e);
            }
            String name = dlqArn.substring(dlqArn.lastIndexOf(':') + 1);
            dlqUrl = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
        }
        return new Queue(url, attributes.get(QueueAttributeName.QUEUE_ARN), dlqUrl, dlqArn);
    }

    /** The table with the sparse pending index (QaTable in template.yaml; see RecordItem). */
    public static void ensureTable(DynamoDbClient dynamo, String table) {
        try {
            dynamo.createTable(r -> r.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            attribute("id", ScalarAttributeType.S),
                            attribute("pendingShard", ScalarAttributeType.N),
                            attribute("pendingSince", ScalarAttributeType.N))
                    .keySchema(key("id", KeyType.HASH))
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(RecordItem.PENDING_INDEX)
                            .keySchema(key("pendingShard", KeyType.HASH), key("pendingSince", KeyType.RANGE))
                            .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                            .build()));
        } catch (ResourceInUseException alreadyThere) {
            return;
        }
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
    }

    /**
     * The jobs table (JobTable in template.yaml; see DynamoDbJobStore): keys jobId + part, and its two sparse
     * indexes, the caller's jobs by creation time and the open jobs by expiry.
     */
    static void ensureJobTable(DynamoDbClient dynamo, String table) {
        try {
            dynamo.createTable(r -> r.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            attribute("jobId", ScalarAttributeType.S),
                            attribute("part", ScalarAttributeType.S),
                            attribute("owner", ScalarAttributeType.S),
                            attribute("createdAt", ScalarAttributeType.N),
                            attribute("openShard", ScalarAttributeType.N),
                            attribute("expiresAt", ScalarAttributeType.N))
                    .keySchema(key("jobId", KeyType.HASH), key("part", KeyType.RANGE))
                    .globalSecondaryIndexes(
                            GlobalSecondaryIndex.builder()
                                    .indexName(DynamoDbJobStore.OWNER_INDEX)
                                    .keySchema(key("owner", KeyType.HASH), key("createdAt", KeyType.RANGE))
                                    .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                                    .build(),
                            GlobalSecondaryIndex.builder()
                                    .indexName(DynamoDbJobStore.OPEN_INDEX)
                                    .keySchema(key("openShard", KeyType.HASH), key("expiresAt", KeyType.RANGE))
                                    .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                                    .build()));
        } catch (ResourceInUseException alreadyThere) {
            return;
        }
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
    }

    /** The jobs bucket (JobBucket in template.yaml), if missing. */
    static void ensureBucket(S3Client s3, String bucket) {
        try {
            s3.createBucket(r -> r.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException alreadyThere) {
            // made by an earlier run against the same server
        }
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static String arn(SqsClient sqs, String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
