package dev.batchqa.ingest.jobs;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * {@link JobFiles} on an S3 bucket (or an S3-compatible server: the local runner's S3Proxy).
 *
 * <pre>{@code
 * JobFiles files = new S3JobFiles(s3, presigner, "batch-qa-jobs-123456789012");
 * files.put(JobFiles.inputKey(jobId), body, "application/x-ndjson");
 * }</pre>
 */
public final class S3JobFiles implements JobFiles {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    public S3JobFiles(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] body, String contentType) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(body));
    }

    @Override
    public Optional<Long> size(String key) {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            // HEAD has no body to name the error in; without s3:ListBucket S3 answers a missing key with 403 (the
            // functions may read every key of the prefixes they ask about, so 403 can only mean missing)
            if (e.statusCode() == 404 || e.statusCode() == 403) return Optional.empty();
            throw e;
        }
    }

    @Override
    public byte[] read(String key) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
    }

    @Override
    public URI downloadUrl(String key, Duration validity) {
        return URI.create(presigner.presignGetObject(r -> r.signatureDuration(validity)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
    }

    @Override
    public URI uploadUrl(String key, Duration validity) {
        return URI.create(presigner.presignPutObject(r -> r.signatureDuration(validity)
                .putObjectRequest(p -> p.bucket(bucket).key(key))).url().toString());
    }
}
