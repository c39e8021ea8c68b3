package dev.batchqa.ingest.jobs;

import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.aws.RequestQueue;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.store.RequestStore;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the jobs' parts from the environment ({@value #TABLE_ENV}, {@value #BUCKET_ENV}) or from explicit targets
 * (the local runner's emulators). Path-style addressing and checksums only where required, so that an
 * S3-compatible server (S3Proxy) reads the requests as S3 does.
 *
 * <pre>{@code
 * Optional<JobsWiring.Parts> parts = JobsWiring.fromEnvironment(System.getenv(), dynamo);
 * }</pre>
 */
public final class JobsWiring {
    public static final String TABLE_ENV = "QA_JOB_TABLE_NAME";
    public static final String BUCKET_ENV = "QA_JOB_BUCKET";

    private JobsWiring() {}

    /** The store and the bucket of the jobs. */
    public record Parts(JobStore jobs, JobFiles files) {
        public JobWorker worker(RequestStore store, RequestQueue queue, QaValidator validator, JobEvents events,
                Clock clock) {
            return new JobWorker(jobs, files, store, new JobProgress(jobs), queue, validator, events, clock);
        }
    }

    /** The deployed functions' parts; empty when the stack has no jobs (the variables are unset). */
    public static Optional<Parts> fromEnvironment(Map<String, String> env, DynamoDbClient dynamo) {
        String table = env.get(TABLE_ENV);
        String bucket = env.get(BUCKET_ENV);
        if (table == null || table.isBlank() || bucket == null || bucket.isBlank()) return Optional.empty();
        return Optional.of(new Parts(new DynamoDbJobStore(dynamo, table),
                new S3JobFiles(s3(AwsClients.Target.DEFAULT), presigner(AwsClients.Target.DEFAULT), bucket)));
    }

    public static S3Client s3(AwsClients.Target target) {
        return AwsClients.configure(S3Client.builder(), target, AwsClients.Http.URL_CONNECTION)
                .forcePathStyle(target.endpoint() != null)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    public static S3Presigner presigner(AwsClients.Target target) {
        S3Presigner.Builder builder = S3Presigner.builder().serviceConfiguration(
                S3Configuration.builder().pathStyleAccessEnabled(target.endpoint() != null).build());
        if (target.region() != null) builder.region(Region.of(target.region()));
        if (target.endpoint() != null) builder.endpointOverride(target.endpoint());
        if (target.credentials() != null) builder.credentialsProvider(target.credentials());
        return builder.build();
    }
}
