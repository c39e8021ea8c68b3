package dev.batchqa.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.batchqa.shared.message.QaValidator;
import dev.batchqa.shared.model.QaRecord;
import dev.batchqa.shared.model.QaStatus;
import dev.batchqa.shared.store.RequestStore;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * {@code GET /qa/{id}[?wait=N]}: the record of one question, whatever its status; with {@code wait}, held up to
 * N seconds (0 to {@value #MAX_WAIT_SECONDS}) while the record is PENDING, so that a client gets the answer in
 * one request instead of polling.
 *
 * <p>While held, the record is read again after 250 ms, then 500 ms, then every second: a DONE answer is seen
 * within a second, and 15 s of waiting costs at most 17 reads. The wait never runs past the Lambda's
 * remaining time minus {@link #LAMBDA_MARGIN}, so a held request ends with a PENDING record rather than a
 * timeout (the function's timeout is 20 s, the HTTP API's 30 s).
 *
 * <pre>{@code
 * GetQuestion get = new GetQuestion(store);
 * Duration wait = GetQuestion.waitOf(event, Duration.ofMillis(context.getRemainingTimeInMillis()));
 * RecordView view = get.get("1b0f5c1e-8d4a-4e9b-a1c3-5d6e7f809102", wait); // PENDING only if wait ran out
 * }</pre>
 */
final class GetQuestion {
    static final int MAX_WAIT_SECONDS = 15;
    /** Kept free before the Lambda's deadline: answering and logging take a few ms; a timeout loses the reply. */
    static final Duration LAMBDA_MARGIN = Duration.ofSeconds(2);
    private static final long FIRST_POLL_NANOS = Duration.ofMillis(250).toNanos();
    private static final long MAX_POLL_NANOS = Duration.ofSeconds(1).toNanos();
    // 0 to 15, as plain digits: "+5", "05", "1.5", "5s" and "5,7" (a repeated parameter) are refused, not guessed
    private static final Pattern WAIT = Pattern.compile("0|[1-9][0-9]?");

    /** Sleeps; {@code Thread::sleep} outside tests. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final RequestStore store;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    GetQuestion(RequestStore store) {
        this(store, System::nanoTime, Thread::sleep);
    }

    /** @param nanoTime the clock of the wait, {@code System::nanoTime} outside tests */
    GetQuestion(RequestStore store, LongSupplier nanoTime, Sleeper sleeper) {
        this.store = store;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** @throws ApiException 400 INVALID_ID for an id no question can have, 404 NOT_FOUND for an unknown one */
    RecordView get(String id) {
        return get(id, Duration.ZERO);
    }

    /**
     * The record, read again while it is PENDING until it is not or {@code wait} has passed.
     *
     * @throws ApiException 400 INVALID_ID for an id no question can have, 404 NOT_FOUND for an unknown one
     */
    RecordView get(String id, Duration wait) {
        // Checked before the store sees it: a malformed id cannot exist, and the message quotes at most 70
        // characters of it so that a huge path does not become a huge response.
        if (!QaValidator.isValidId(id)) {
            throw new ApiException(400, "INVALID_ID", "malformed id '" + abbreviate(id) + "'", "id");
        }
        MDC.put("qaId", id);
        long deadline = nanoTime.getAsLong() + wait.toNanos();
        QaRecord record = find(id);
        long pause = FIRST_POLL_NANOS;
        while (record.status() == QaStatus.PENDING) {
            long left = deadline - nanoTime.getAsLong();
            if (left <= 0) break;
            try {
                sleeper.sleep(Duration.ofNanos(Math.min(pause, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the runtime is shutting down: answer with what we have
                break;
            }
            pause = Math.min(pause * 2, MAX_POLL_NANOS);
            // a record deleted or expired while we waited is a 404, as it would be on the next poll
            record = find(id);
        }
        return RecordView.of(record);
    }

    /** A tombstone (a deleted DONE or FAILED question) is a 404, as an unknown id. */
    private QaRecord find(String id) {
        return store.find(id).filter(r -> r.status() != QaStatus.DELETED).orElseThrow(() -> new ApiException(404, "NOT_FOUND", "no question with id " + id, "id"));
    }

    /**
     * How long to hold the request: the {@code wait} query parameter (whole seconds, 0 to 15; absent = 0),
     * cut to {@code timeLeft} minus {@link #LAMBDA_MARGIN} when the Lambda's remaining time is known.
     *
     * @param timeLeft the Lambda's remaining time, or null when unknown (local runner, tests)
     * @throws ApiException 400 INVALID_WAIT for anything but an integer from 0 to 15
     */
    static Duration waitOf(APIGatewayV2HTTPEvent event, Duration timeLeft) {
        String raw = waitParameter(event);
        if (raw == null) return Duration.ZERO;
        if (!WAIT.matcher(raw).matches() || Integer.parseInt(raw) > MAX_WAIT_SECONDS) {
            throw new ApiException(400, "INVALID_WAIT",
                    "'wait' must be a whole number of seconds from 0 to " + MAX_WAIT_SECONDS, "wait");
        }
        Duration wait = Duration.ofSeconds(Integer.parseInt(raw));
        if (timeLeft == null) return wait;
        Duration usable = timeLeft.minus(LAMBDA_MARGIN);
        return usable.isNegative() ? Duration.ZERO : usable.compareTo(wait) < 0 ? usable : wait;
    }

    /**
     * API Gateway fills both the parameter map (repeated names joined with commas) and the raw query string;
     * the local runner only the raw string, so that is the fallback.
     */
    private static String waitParameter(APIGatewayV2HTTPEvent event) {
        Map<String, String> parameters = event.getQueryStringParameters();
        if (parameters != null) return parameters.get("wait");
        String query = event.getRawQueryString();
        if (query == null || query.isEmpty()) return null;
        String found = null;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!name.equals("wait")) continue;
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            found = found == null ? value : found + "," + value; // as API Gateway joins a repeated parameter
        }
        return found;
    }

    /** A malformed escape ("%zz") stays as it is: as a value it then fails the strict check, as a name it is not "wait". */
    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    static String abbreviate(String s) {
        return s.length() > 70 ? s.substring(0, 70) + "..." : s;
    }
}
