package dev.batchqa.ingest.jobs;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The jobs bucket: each job's input ({@code jobs/<id>/input.jsonl}), its results ({@code jobs/<id>/results.jsonl})
 * and the uploads of large inputs ({@code uploads/<owner>/<random>.jsonl}), which a client writes through a
 * pre-signed URL.
 */
public interface JobFiles {
    /** The bucket's name, as clients write it in {@code s3://<bucket>/<key>}. */
    String bucket();

    static String inputKey(String jobId) {
        return "jobs/" + jobId + "/input.jsonl";
    }

    static String resultsKey(String jobId) {
        return "jobs/" + jobId + "/results.jsonl";
    }

    void put(String key, byte[] body, String contentType);

    /** The object's size in bytes; empty when there is none. */
    Optional<Long> size(String key);

    /** The whole object (callers check {@link #size} against their limit first). */
    byte[] read(String key);

    /** A URL that GETs the object for {@code validity}. */
    URI downloadUrl(String key, Duration validity);

    /** A URL that PUTs the object for {@code validity}. */
    URI uploadUrl(String key, Duration validity);
}
