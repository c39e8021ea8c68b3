package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.batchqa.ingest.jobs.Job;
import dev.batchqa.ingest.jobs.JobFiles;
import dev.batchqa.ingest.jobs.JobStore;
import dev.batchqa.shared.store.IdempotencyStore;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code /jobs} routes, each a use case of its own:
 *
 * <ul>
 *   <li>{@code POST /jobs}: {@link SubmitJob} (202 {@code {"id", "status"}}, Location);
 *   <li>{@code GET /jobs}: {@link ListJobs};
 *   <li>{@code POST /jobs/uploads}: {@link CreateJobUpload} (201, a pre-signed PUT URL);
 *   <li>{@code GET /jobs/{id}}: the {@link JobView};
 *   <li>{@code GET /jobs/{id}/results}: {@link GetJobResults} (303 to the results object);
 *   <li>{@code POST /jobs/{id}/cancel}: {@link CancelJob} (202);
 *   <li>{@code POST /jobs/{id}/retry}: {@link RetryJob} (202, the new job).
 * </ul>
 *
 * Every job route is scoped to the caller ({@link JobAccess}): another principal's job is a 404.
 *
 * <pre>{@code
 * JobRoutes routes = new JobRoutes(jobs, files, keys, worker::advance, clock);
 * if (JobRoutes.matches(path)) return routes.route(method, path, event);
 * }</pre>
 */
public final class JobRoutes {
    private static final Pattern JOB = Pattern.compile("/jobs/([^/]+)(/results|/cancel|/retry)?");

    private final SubmitJob submit;
    private final ListJobs list;
    private final CreateJobUpload upload;
    private final JobAccess access;
    private final GetJobResults results;
    private final CancelJob cancel;
    private final RetryJob retry;

    /**
     * @param advance runs a job's worker after a submit, cancel or retry: locally in the background; deployed a no-op
     *                (the input's S3 event starts a job, the scheduled sweep picks up a cancel)
     */
    public JobRoutes(JobStore jobs, JobFiles files, IdempotencyStore keys, Consumer<String> advance, Clock clock) {
        this.access = new JobAccess(jobs);
        this.submit = new SubmitJob(jobs, files, keys, advance, clock);
        this.list = new ListJobs(jobs);
        this.upload = new CreateJobUpload(files, clock);
        this.results = new GetJobResults(access, files);
        this.cancel = new CancelJob(access, jobs, advance);
        this.retry = new RetryJob(access, jobs, files, keys, advance, clock);
    }

    static boolean matches(String path) {
        return path.equals("/jobs") || path.startsWith("/jobs/");
    }

    /** The route as the access log names it: ids would make every line unique and say nothing. */
    static String template(String path) {
        Matcher m = JOB.matcher(path);
        if (path.equals("/jobs/uploads") || !m.matches()) return path;
        return "/jobs/{id}" + (m.group(2) == null ? "" : m.group(2));
    }

    APIGatewayV2HTTPResponse route(String method, String path, APIGatewayV2HTTPEvent event) {
        if (path.equals("/jobs")) {
            if (method.equals("GET")) return Responses.json(200, list.list(event));
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            SubmitJob.Accepted accepted = submit.submit(event);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Location", "/jobs/" + accepted.id());
            if (accepted.replayed()) headers.put("Idempotent-Replayed", "true");
            return Responses.json(202, accepted, headers);
        }
        if (path.equals("/jobs/uploads")) {
            if (!method.equals("POST")) throw methodNotAllowed(method, path);
            return Responses.json(201, upload.create(event));
        }
        Matcher m = JOB.matcher(path);
        if (!m.matches()) throw new ApiException(404, "NOT_FOUND", "no route for " + method + " " + path);
        String id = m.group(1);
        String action = m.group(2) == null ? "" : m.group(2);
        switch (action) {
            case "" -> {
                if (!method.equals("GET")) throw methodNotAllowed(method, path);
                return Responses.json(200, JobView.of(access.find(event, id)));
            }
            case "/results" -> {
                if (!method.equals("GET")) throw methodNotAllowed(method, path);
                String url = results.url(event, id).toString();
                return Responses.json(303, Map.of("url", url), Map.of("Location", url));
            }
            case "/cancel" -> {
                if (!method.equals("POST")) throw methodNotAllowed(method, path);
                return Responses.json(202, JobView.of(cancel.cancel(event, id)));
            }
            default -> {
                if (!method.equals("POST")) throw methodNotAllowed(method, path);
                RetryJob.Retried retried = retry.retry(event, id);
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Location", "/jobs/" + retried.job().id());
                if (retried.replayed()) headers.put("Idempotent-Replayed", "true");
                return Responses.json(202, JobView.of(retried.job()), headers);
            }
        }
    }

    private static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path);
    }
}
