package dev.batchqa.bulk;

import dev.batchqa.shared.aws.AwsClients;
import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.Json;
import dev.batchqa.shared.message.MessageCodec;
import dev.batchqa.shared.message.QaValidator;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code scripts/bulk-submit}: validates a JSONL or SQuAD file, sends it straight to SQS with SendMessageBatch and
 * optionally waits for the answers. Human output (progress, invalid items, the summary) goes to stderr; stdout
 * carries only {@code --out -}. Region, credentials and endpoints come from the AWS SDK's default chains.
 *
 * <p>Exit status: 0 when every item was sent (and, with {@code --wait}, every one reached DONE or FAILED);
 * 1 when an item was invalid or not sent, or the wait timed out; 2 on a usage or configuration error.
 */
public final class BulkSubmit {
    static final int OK = 0;
    static final int INCOMPLETE = 1;
    static final int USAGE = 2;
    private static final int MAX_LISTED = 100;

    static final String USAGE_TEXT = """
            usage: bulk-submit [options] FILE

              FILE                   JSONL (one {"id"?, "question", "context", "topK"?} a line; .jsonl, .ndjson, ...)
                                     or SQuAD v1.1/v2.0 (.json); either may be gzipped; '-' reads JSONL from stdin
              --queue-url URL        the queue (default: $QA_QUEUE_URL)
              --table NAME           the table, for --wait (default: $QA_TABLE_NAME, else qa-requests)
              --format F             auto (by file name: .json[.gz] is SQuAD), jsonl or squad
              --top-k N              topK for items that give none (all SQuAD questions); default 1
              --senders N            concurrent SendMessageBatch requests (default 4)
              --max-attempts N       attempts per message before giving up (default 8)
              --dry-run              validate only; send nothing
              --wait                 then poll the table until every sent id is DONE or FAILED
              --timeout D            how long --wait waits (default 30m; 90s, 10m, 2h, PT1H)
              --poll-interval D      pause between polling rounds (default 2s)
              --out FILE             write the answers as JSONL, one line per id in input order ('-': stdout);
                                     implies --wait
              --progress P           auto (bar on a terminal, else lines), bar, lines, none
              -h, --help             this text

            Region, credentials and endpoints: the AWS SDK's default chains (AWS_REGION, AWS_PROFILE,
            AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB, ...). Limits: QA_MAX_CONTEXT_CHARS,
            QA_MAX_QUESTION_CHARS as for the functions.
            """;

    /** Where the SDK clients come from: the default chains, or a test's. */
    interface Clients {
        SqsClient sqs();

        DynamoDbClient dynamo();

        Clients DEFAULT = new Clients() {
            @Override
            public SqsClient sqs() {
                return AwsClients.sqs();
            }

            @Override
            public DynamoDbClient dynamo() {
                return AwsClients.dynamoDb();
            }
        };
    }

    private BulkSubmit() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err, Clients.DEFAULT));
    }

    record Options(String file, String queueUrl, String table, String format, Integer topK, int senders,
            int maxAttempts, boolean dryRun, boolean waitForAnswers, Duration timeout, Duration pollInterval,
            String out, String progress) {}

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, Clients clients) {
        Options o;
        try {
            o = parse(args, env);
        } catch (HelpRequested h) {
            out.print(USAGE_TEXT);
            return OK;
        } catch (IllegalArgumentException e) {
            err.println("bulk-submit: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        try {
            return execute(o, env, out, err, clients);
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("bulk-submit: " + e.getMessage());
            return USAGE;
        } catch (IOException | UncheckedIOException e) {
            err.println("bulk-submit: cannot read " + o.file() + ": " + e.getMessage());
            return USAGE;
        } catch (SdkException e) {
            err.println("bulk-submit: AWS error: " + e.getMessage());
            return INCOMPLETE;
        }
    }

    private static int execute(Options o, Map<String, String> env, PrintStream out, PrintStream err, Clients clients)
            throws IOException {
        Settings settings = Settings.from(env);
        MessageCodec codec = new MessageCodec(QaValidator.fromSettings(settings));
        Progress.Mode mode = Progress.mode(o.progress());

        boolean stdin = o.file().equals("-");
        Path path = stdin ? null : Path.of(o.file());
        if (path != null && !Files.isRegularFile(path)) throw new IllegalArgumentException("no such file: " + o.file());
        InputFiles.Format format = switch (o.format()) {
            case "auto" -> stdin ? InputFiles.Format.JSONL : InputFiles.detect(path);
            case "jsonl" -> InputFiles.Format.JSONL;
            case "squad" -> InputFiles.Format.SQUAD;
            default -> throw new IllegalArgumentException("--format must be auto, jsonl or squad");
        };
        if (stdin && format == InputFiles.Format.SQUAD) {
            throw new IllegalArgumentException("standard input is read as JSONL only");
        }
        long total = stdin || mode == Progress.Mode.NONE ? -1 : InputFiles.count(path, format);

        SqsClient sqs = o.dryRun() ? null : clients.sqs();
        try (ItemSource items = stdin
                ? InputFiles.jsonl(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), o.topK())
                : InputFiles.open(path, format, o.topK())) {
            BulkSubmitter submitter = new BulkSubmitter(sqs, o.queueUrl(), codec, BulkSubmitter.Options.defaults()
                    .withSenders(o.senders()).withMaxAttempts(o.maxAttempts()));
            BulkSubmitter.Report report;
            try (Progress ignored = new Progress(err, mode, o.dryRun() ? "checked" : "sent", "msg", total, () -> {
                BulkSubmitter.Counts c = submitter.counts();
                return c.sent() + c.invalid() + c.failed();
            }, () -> {
                BulkSubmitter.Counts c = submitter.counts();
                return c.invalid() + c.failed() == 0 ? ""
                        : String.format(Locale.ROOT, "  (%,d invalid, %,d failed)", c.invalid(), c.failed());
            }, Duration.ofSeconds(5))) {
                report = o.dryRun() ? submitter.check(items) : submitter.submitItems(items);
            }
            list(err, "invalid", report.invalid());
            list(err, "not sent", report.failed());
            if (report.abortedBecause() != null) {
                err.println("stopped early: " + report.abortedBecause() + " (the rest of the input was not read)");
            }
            err.printf(Locale.ROOT, "%s %,d / invalid %,d / failed %,d in %.1f s (%,.0f msg/s, %,d requests, %,d entries retried)%n",
                    o.dryRun() ? "valid" : "sent", report.sent(), report.invalid().size(), report.failed().size(),
                    report.elapsed().toNanos() / 1e9, report.messagesPerSecond(), report.requests(),
                    report.retriedEntries());
            int status = report.allSent() ? OK : INCOMPLETE;
            if (o.dryRun() || !o.waitForAnswers() || report.sentIds().isEmpty()) return status;

            try (DynamoDbClient dynamo = clients.dynamo()) {
                AnswerCollector collector = new AnswerCollector(dynamo, o.table());
                AtomicLong answered = new AtomicLong();
                AnswerCollector.Outcome outcome;
                try (Progress ignored = new Progress(err, mode, "answered", "answers", report.sent(), answered::get,
                        null, Duration.ofSeconds(10))) {
                    outcome = collector.await(report.sentIds(), o.timeout(), o.pollInterval(), answered::set);
                }
                Map<String, Long> byStatus = new TreeMap<>();
                outcome.results().values().forEach(r -> byStatus.merge(r.status(), 1L, Long::sum));
                err.printf(Locale.ROOT, "%s after %.1f s: %s%n",
                        outcome.complete() ? "all answered" : "timed out", outcome.waited().toNanos() / 1e9, byStatus);
                if (o.out() != null) write(o.out(), outcome.results(), out);
                if (!outcome.complete()) status = INCOMPLETE;
            }
            return status;
        } finally {
            if (sqs != null) sqs.close();
        }
    }

    private static void write(String target, Map<String, AnswerCollector.Result> results, PrintStream out)
            throws IOException {
        BufferedWriter writer = target.equals("-")
                ? new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))
                : Files.newBufferedWriter(Path.of(target), StandardCharsets.UTF_8);
        try {
            for (AnswerCollector.Result r : results.values()) {
                writer.write(Json.MAPPER.writeValueAsString(r.toJson()));
                writer.write('\n');
            }
        } finally {
            if (target.equals("-")) {
                writer.flush();
            } else {
                writer.close();
            }
        }
    }

    private static void list(PrintStream err, String what, List<BulkSubmitter.Problem> problems) {
        for (int i = 0; i < Math.min(MAX_LISTED, problems.size()); i++) {
            BulkSubmitter.Problem p = problems.get(i);
            err.println(what + ": " + p.where() + ": " + p.reason());
        }
        if (problems.size() > MAX_LISTED) {
            err.printf(Locale.ROOT, "%s: ... and %,d more%n", what, problems.size() - MAX_LISTED);
        }
    }

    private static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super(null, null, false, false);
        }
    }

    static Options parse(String[] args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        String file = null;
        boolean dryRun = false;
        boolean wait = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) throw new HelpRequested();
            if (arg.equals("--dry-run")) {
                dryRun = true;
            } else if (arg.equals("--wait")) {
                wait = true;
            } else if (arg.startsWith("--")) {
                String name = arg.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else {
                    if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
                    value = args[++i];
                }
                if (!List.of("queue-url", "table", "format", "top-k", "senders", "max-attempts", "timeout",
                        "poll-interval", "out", "progress").contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name);
                }
                values.put(name, value);
            } else if (file == null) {
                file = arg;
            } else {
                throw new IllegalArgumentException("one input file only (got '" + file + "' and '" + arg + "')");
            }
        }
        if (file == null) throw new IllegalArgumentException("no input file");
        String queueUrl = values.getOrDefault("queue-url", env.get(Settings.QUEUE_URL));
        if (!dryRun && (queueUrl == null || queueUrl.isBlank())) {
            throw new IllegalArgumentException("no queue: give --queue-url or set " + Settings.QUEUE_URL);
        }
        String table = values.getOrDefault("table", env.getOrDefault(Settings.TABLE_NAME, "qa-requests"));
        String out = values.get("out");
        Integer topK = values.containsKey("top-k") ? integer("top-k", values.get("top-k"), 1, 10) : null;
        return new Options(file, queueUrl, table, values.getOrDefault("format", "auto").toLowerCase(Locale.ROOT), topK,
                integer("senders", values.getOrDefault("senders", "4"), 1, 64),
                integer("max-attempts", values.getOrDefault("max-attempts", "8"), 1, 100),
                dryRun, wait || out != null,
                duration("timeout", values.getOrDefault("timeout", "30m")),
                duration("poll-interval", values.getOrDefault("poll-interval", "2s")),
                out, values.getOrDefault("progress", "auto"));
    }

    private static int integer(String name, String raw, int min, int max) {
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) throw new IllegalArgumentException("--" + name + " must be " + min + ".." + max);
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, was '" + raw + "'");
        }
    }

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    static Duration duration(String name, String raw) {
        String s = raw.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(s);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofSeconds(n);
                };
            }
            return Duration.parse(raw.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a duration like 90s, 10m, 2h or PT1H, was '" + raw + "'");
        }
    }
}
