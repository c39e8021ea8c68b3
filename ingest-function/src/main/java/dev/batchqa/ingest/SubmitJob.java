package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchqa.ingest.jobs.Job;
import dev.batchqa.ingest.jobs.JobFiles;
import dev.batchqa.ingest.jobs.JobInput;
import dev.batchqa.ingest.jobs.JobLines;
import dev.batchqa.ingest.jobs.JobStore;
import dev.batchqa.shared.message.QuestionReader;
import dev.batchqa.shared.store.IdempotencyStore;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * {@code POST /jobs}: a bulk job from a JSONL body ({@code application/x-ndjson}, options in the query string:
 * {@code ?completionWindow=24h&metadata={...}}) or from an uploaded object ({@code application/json},
 * {@code {"input": "s3://<bucket>/uploads/...", "metadata", "completionWindow"}}). The input is stored and the job
 * created {@code validating}; its lines are checked and queued by the {@link dev.batchqa.ingest.jobs.JobWorker},
 * started by {@code start}. Only the request itself is checked here (type, size, line count, options): a bad line
 * fails the job, with its line number, not the request.
 *
 * <p>With an Idempotency-Key (per caller, as on {@code /qa}): the key is claimed for the new job's id first, so a
 * retry finds the same job, and a retry after a crash between claim and creation creates it under that id.
 *
 * <pre>{@code
 * SubmitJob.Accepted a = new SubmitJob(jobs, files, keys, workerStart, clock).submit(event);
 * // 202 {"id": "job_...", "status": "validating"}, Location: /jobs/job_...
 * }</pre>
 */
final class SubmitJob {
    /** Largest JSONL body: API Gateway's payload limit. Larger inputs go through an upload. */
    static final int MAX_INLINE_BYTES = 10 * 1024 * 1024;
    /** Largest uploaded input: 100 MB, 50,000 SQuAD-sized lines with room to spare. */
    static final long MAX_INPUT_BYTES = 100L * 1024 * 1024;
    static final Duration DEFAULT_WINDOW = Duration.ofHours(24);
    static final Duration MIN_WINDOW = Duration.ofMinutes(1);
    /** The longest window: within the uploads' lifecycle (7 days), so a job's input outlives it. */
    static final Duration MAX_WINDOW = Duration.ofDays(7);
    static final int MAX_METADATA_KEYS = 16;
    static final int MAX_METADATA_KEY_CHARS = 64;
    static final int MAX_METADATA_VALUE_CHARS = 512;
    private static final Pattern WINDOW = Pattern.compile("([1-9][0-9]{0,6})([smhd])");
    private static final Pattern S3_URL = Pattern.compile("s3://([^/]+)/(.+)");
    private static final Set<String> REFERENCE_FIELDS = Set.of("input", "metadata", "completionWindow");

    /** The 202 body, and whether it replays an earlier request with the same key. */
    record Accepted(String id, String status, @JsonIgnore boolean replayed) {}

    private final JobStore jobs;
    private final JobFiles files;
    private final IdempotencyStore keys;
    private final Consumer<String> start;
    private final Clock clock;

    /** @param start runs the job's worker (locally at once, in the background; deployed, the input's S3 event) */
    SubmitJob(JobStore jobs, JobFiles files, IdempotencyStore keys, Consumer<String> start, Clock clock) {
        this.jobs = jobs;
        this.files = files;
        this.keys = keys;
        this.start = start;
        this.clock = clock;
    }

    Accepted submit(APIGatewayV2HTTPEvent event) {
        String type = mediaType(event);
        String owner = JobAccess.owner(event);
        Request request = switch (type) {
            case "application/x-ndjson", "application/jsonl" -> inline(event);
            case "application/json" -> reference(event, owner);
            default -> throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type must be application/x-ndjson (the lines) or application/json (an uploaded input)");
        };
        Claimed claimed = claimJobId(keys, jobs, event, request.digest());
        String id = claimed.id();
        if (claimed.existing().isPresent()) return new Accepted(id, claimed.existing().get().status().wire(), true);
        MDC.put("jobId", id);
        String inputKey = request.inline() != null ? JobFiles.inputKey(id) : request.uploadKey();
        if (request.inline() != null) files.put(inputKey, request.inline(), "application/x-ndjson");
        jobs.create(Job.validating(id, owner, request.metadata(), clock.instant(), request.window(), null, inputKey));
        start.accept(id);
        return new Accepted(id, "validating", claimed.replayed());
    }

    /**
     * A new job's id under the request's Idempotency-Key. Without a key, or when this request made the claim: a
     * fresh id and no earlier job. With a key an earlier request with the same {@code digest} claimed: that id
     * ({@code replayed}), and its job when the earlier request got as far as creating it (else the caller creates it
     * under that id, as after a crash between claim and creation). A 422 when the key was used for something else.
     * Keys of {@code POST /jobs} and {@code POST /jobs/{id}/retry} share one namespace per caller, so a key reused
     * across the two is a conflict too.
     */
    static Claimed claimJobId(IdempotencyStore keys, JobStore jobs, APIGatewayV2HTTPEvent event, String digest) {
        String id = JobLines.newJobId();
        String key = SubmitQuestion.idempotencyKey(event);
        if (key == null) return new Claimed(id, Optional.empty(), false);
        Optional<IdempotencyStore.Claim> earlier = keys.claim(
                Digests.sha256("jobs\n" + SubmitQuestion.caller(event) + "\n" + key), id, digest);
        if (earlier.isEmpty()) return new Claimed(id, Optional.empty(), false);
        if (!earlier.get().bodyHash().equals(digest)) throw ApiException.idempotencyKeyReused();
        String claimed = earlier.get().requestId();
        return new Claimed(claimed, jobs.find(claimed), true);
    }

    /** A job id from {@link #claimJobId}: {@code existing}, the job an earlier request made under it, if any. */
    record Claimed(String id, Optional<Job> existing, boolean replayed) {}

    /**
     * What was asked, checked: the lines (inline) or the uploaded object's key, the options, and a digest of it all
     * for the Idempotency-Key.
     */
    private record Request(byte[] inline, String uploadKey, Map<String, String> metadata, Duration window,
            String digest) {}

    private Request inline(APIGatewayV2HTTPEvent event) {
        byte[] bytes = JsonBody.bytes(event);
        if (bytes.length == 0) throw new ApiException(400, "EMPTY_BODY", "request body is empty; expected JSONL lines");
        if (bytes.length > MAX_INLINE_BYTES) {
            throw new ApiException(413, "BODY_TOO_LARGE", "a JSONL body holds at most " + MAX_INLINE_BYTES
                    + " bytes; upload larger inputs (POST /jobs/uploads) and submit {\"input\": \"s3://...\"}");
        }
        checkLineCount(JobInput.countLines(bytes));
        Map<String, String> query = query(event.getRawQueryString());
        for (String name : query.keySet()) {
            if (!name.equals("metadata") && !name.equals("completionWindow")) {
                throw new ApiException(400, "UNKNOWN_PARAMETER", "unknown query parameter '" + name
                        + "'; accepted are [completionWindow, metadata]", name);
            }
        }
        Map<String, String> metadata = Map.of();
        if (query.containsKey("metadata")) {
            try {
                metadata = metadata(QuestionReader.parse(query.get("metadata")));
            } catch (JsonProcessingException e) {
                throw new ApiException(400, "INVALID_METADATA", "'metadata' must be a JSON object", "metadata");
            }
        }
        Duration window = window(query.get("completionWindow"));
        return new Request(bytes, null, metadata, window,
                Digests.sha256(HexFormat.of().formatHex(sha256(bytes)) + "|" + window.toSeconds() + "|" + metadata));
    }

    private Request reference(APIGatewayV2HTTPEvent event, String owner) {
        JsonNode body = JsonBody.read(event, JsonBody.MAX_BODY_BYTES);
        if (!body.isObject()) throw new ApiException(400, "INVALID_BODY", "request body must be a JSON object");
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!REFERENCE_FIELDS.contains(name)) {
                throw new ApiException(400, "UNKNOWN_FIELD", "unknown field '" + name + "'; accepted fields are "
                        + new TreeSet<>(REFERENCE_FIELDS), name);
            }
        }
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) throw new ApiException(400, "MISSING_FIELD", "'input' is required", "input");
        if (!input.isTextual()) throw new ApiException(400, "WRONG_TYPE", "'input' must be a string", "input");
        Matcher url = S3_URL.matcher(input.textValue());
        if (!url.matches() || !url.group(1).equals(files.bucket())) {
            throw new ApiException(400, "INVALID_INPUT", "'input' must be s3://" + files.bucket()
                    + "/<key> of an upload made with POST /jobs/uploads", "input");
        }
        String key = url.group(2);
        // another caller's upload reads as missing, as another caller's job does
        if (!key.startsWith(CreateJobUpload.prefix(owner)) || key.contains("..")) throw inputNotFound();
        long size = files.size(key).orElseThrow(SubmitJob::inputNotFound);
        if (size > MAX_INPUT_BYTES) {
            throw new ApiException(413, "INPUT_TOO_LARGE", "the input holds " + size + " bytes; at most "
                    + MAX_INPUT_BYTES, "input");
        }
        Map<String, String> metadata = body.hasNonNull("metadata") ? metadata(body.get("metadata")) : Map.of();
        JsonNode windowNode = body.get("completionWindow");
        if (windowNode != null && !windowNode.isNull() && !windowNode.isTextual()) {
            throw new ApiException(400, "WRONG_TYPE", "'completionWindow' must be a string such as \"24h\"",
                    "completionWindow");
        }
        Duration window = window(windowNode == null || windowNode.isNull() ? null : windowNode.textValue());
        return new Request(null, key, metadata, window,
                Digests.sha256(key + "|" + window.toSeconds() + "|" + metadata));
    }

    private static ApiException inputNotFound() {
        return new ApiException(404, "INPUT_NOT_FOUND", "no uploaded input at this location", "input");
    }

    static void checkLineCount(int lines) {
        if (lines > JobLines.MAX_LINES) {
            throw new ApiException(413, "TOO_MANY_LINES", "the input has " + lines + " lines; a job holds at most "
                    + JobLines.MAX_LINES);
        }
    }

    /** {@code 30m}, {@code 24h}, {@code 7d}, ...: from {@link #MIN_WINDOW} to {@link #MAX_WINDOW}. */
    static Duration window(String text) {
        if (text == null) return DEFAULT_WINDOW;
        Matcher m = WINDOW.matcher(text);
        Duration window = null;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            window = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        if (window == null || window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
            throw new ApiException(400, "INVALID_COMPLETION_WINDOW", "'completionWindow' must be a duration such as "
                    + "\"24h\" or \"90m\", from 1m to 7d", "completionWindow");
        }
        return window;
    }

    static Map<String, String> metadata(JsonNode node) {
        if (!node.isObject()) throw new ApiException(400, "INVALID_METADATA", "'metadata' must be a JSON object", "metadata");
        if (node.size() > MAX_METADATA_KEYS) {
            throw new ApiException(400, "INVALID_METADATA", "'metadata' holds at most " + MAX_METADATA_KEYS + " keys",
                    "metadata");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var fields = node.fields(); fields.hasNext(); ) {
            var f = fields.next();
            if (f.getKey().isEmpty() || f.getKey().length() > MAX_METADATA_KEY_CHARS || !f.getValue().isTextual()
                    || f.getValue().textValue().length() > MAX_METADATA_VALUE_CHARS) {
                throw new ApiException(400, "INVALID_METADATA", "'metadata' maps keys of 1 to "
                        + MAX_METADATA_KEY_CHARS + " characters to strings of at most " + MAX_METADATA_VALUE_CHARS,
                        "metadata");
            }
            metadata.put(f.getKey(), f.getValue().textValue());
        }
        return metadata;
    }

    private static String mediaType(APIGatewayV2HTTPEvent event) {
        String type = JsonBody.header(event.getHeaders(), "content-type");
        if (type == null) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type must be application/x-ndjson (the lines) or application/json (an uploaded input)");
        }
        return type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    }

    /** A query string's parameters (the last of a repeated name wins). */
    static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return params;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                params.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "INVALID_QUERY", "the query string is not valid URL encoding");
            }
        }
        return params;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
