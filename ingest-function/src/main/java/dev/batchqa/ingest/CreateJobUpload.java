package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.batchqa.ingest.jobs.JobFiles;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * {@code POST /jobs/uploads}: where a client puts an input too large for a request body (up to
 * {@link SubmitJob#MAX_INPUT_BYTES}): a pre-signed PUT URL, valid {@link #VALIDITY}, for a new key under the
 * caller's own prefix, and the {@code s3://} location to submit with {@code POST /jobs {"input": ...}}. The bucket's
 * lifecycle rule deletes uploads after 7 days.
 *
 * <pre>{@code
 * Upload u = new CreateJobUpload(files, clock).create(event);
 * // curl -X PUT --upload-file big.jsonl "$uploadUrl"; then POST /jobs {"input": u.input()}
 * }</pre>
 */
final class CreateJobUpload {
    static final Duration VALIDITY = Duration.ofMinutes(15);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The 201 body. */
    record Upload(String input, String uploadUrl, String method, String expiresAt) {}

    private final JobFiles files;
    private final Clock clock;

    CreateJobUpload(JobFiles files, Clock clock) {
        this.files = files;
        this.clock = clock;
    }

    Upload create(APIGatewayV2HTTPEvent event) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String key = prefix(JobAccess.owner(event)) + HexFormat.of().formatHex(random) + ".jsonl";
        return new Upload("s3://" + files.bucket() + "/" + key, files.uploadUrl(key, VALIDITY).toString(), "PUT",
                clock.instant().plus(VALIDITY).toString());
    }

    /** The caller's prefix: only its own uploads can become its jobs. */
    static String prefix(String owner) {
        return "uploads/" + owner.substring(0, 32) + "/";
    }
}
