package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.batchqa.ingest.jobs.JobStore;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /jobs[?limit=N&cursor=C]}: the caller's jobs, newest first, {@code limit} (1 to {@value #MAX_LIMIT},
 * default {@value #DEFAULT_LIMIT}) a page; {@code nextCursor} fetches the next page and is absent on the last.
 *
 * <pre>{@code
 * Page page = new ListJobs(jobs).list(event); // {"jobs": [...], "nextCursor": "..."}
 * }</pre>
 */
final class ListJobs {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Page(List<JobView> jobs, String nextCursor) {}

    private final JobStore jobs;

    ListJobs(JobStore jobs) {
        this.jobs = jobs;
    }

    Page list(APIGatewayV2HTTPEvent event) {
        Map<String, String> query = SubmitJob.query(event.getRawQueryString());
        int limit = DEFAULT_LIMIT;
        if (query.containsKey("limit")) {
            try {
                limit = Integer.parseInt(query.get("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new ApiException(400, "INVALID_LIMIT", "'limit' must be an integer from 1 to " + MAX_LIMIT, "limit");
            }
        }
        try {
            JobStore.Page page = jobs.list(JobAccess.owner(event), limit, query.get("cursor"));
            return new Page(page.jobs().stream().map(JobView::of).toList(), page.nextCursor());
        } catch (JobStore.InvalidCursor e) {
            throw new ApiException(400, "INVALID_CURSOR", "'cursor' is not one this API returned", "cursor");
        }
    }
}
