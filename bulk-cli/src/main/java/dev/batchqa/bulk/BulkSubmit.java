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
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code scripts/bulk-submit}: validates a JSONL or SQuAD file, sends it straight to SQS with SendMessageBatch and
 * optionally waits for the answers. Human output (progress, invalid items, the summary) goes to stderr; stdout
 * carries only {@code --out -}. Region, credentials and endpoints come from the AWS SDK's default chains.
 *
 * <p>Exit status (picocli {@code exitCodeList}, shown by {@code --help}): 0 when every item was sent (and, with {@code --wait}, every one reached DONE or FAILED);
 * 1 when an item was invalid or not sent, or the wait timed out; 2 on a usage or configuration error.
 */
public final class BulkSubmit {
    static final int OK = 0;
    static final int INCOMPLETE = 1;
    static final int USAGE = 2;
    private static final int MAX_LISTED = 100;


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
            String out, String progress, Long limit, boolean perParagraph) {}

    /** The first {@code limit} items of {@code source} (all when null); closing it closes the source. */
    static ItemSource limited(ItemSource source, Long limit) {
        if (limit == null) return source;
        return new ItemSource() {
            private long taken;

            @Override
            public boolean hasNext() {
                return taken < limit && source.hasNext();
            }

            @Override
            public InputItem next() {
                if (!hasNext()) throw new NoSuchElementException();
                taken++;
                return source.next();
            }

            @Override
            public void close() throws IOException {
                source.close();
            }
        };
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, Clients clients) {
        Cli cli = new Cli();
        CommandLine cl = new CommandLine(cli).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        Options o;
        try {
            cl.parseArgs(args);
            if (cl.isUsageHelpRequested()) {
                cl.usage(out);
                return OK;
            }
            o = cli.options(env);
        } catch (ParameterException | IllegalArgumentException e) {
            err.println("bulk-submit: " + e.getMessage());
            cl.usage(err);
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
        if (o.limit() != null && total >= 0) total = Math.min(total, o.limit());

        SqsClient sqs = o.dryRun() ? null : clients.sqs();
        try (ItemSource items = limited(stdin
                ? InputFiles.jsonl(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), o.topK())
                : InputFiles.open(path, format, o.topK(), o.perParagraph()), o.limit())) {
            BulkSubmitter submitter = new BulkSubmitter(sqs, o.queueUrl(), codec, BulkSubmitter.Options.defaults()
                    .withSenders(o.senders()).withMaxAttempts(o.maxAttempts()));
            BulkSubmitter.Report report;
            // the bar counts items handled (sent, invalid or failed): the summary below splits them
            try (Progress ignored = new Progress(err, mode, o.dryRun() ? "checked" : "read", "items", total, () -> {
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
                        null, Duration.ofSeconds(5))) {
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

    /** The command line; {@link #options} adds the environment's defaults and the checks across options. */
    @Command(name = "bulk-submit", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Validates a JSONL or SQuAD file, sends it straight to SQS with SendMessageBatch and "
                    + "optionally waits for the answers. Progress, invalid items and the summary go to stderr; "
                    + "stdout carries only --out -.",
                    "Region, credentials and endpoints: the AWS SDK's default chains (AWS_REGION, AWS_PROFILE, "
                    + "AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB, ...). Limits: "
                    + "QA_MAX_CONTEXT_CHARS, QA_MAX_QUESTION_CHARS as for the functions."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:every item sent (with --wait: every one DONE or FAILED)",
                    "1:an item was invalid or not sent, or the wait timed out",
                    "2:usage or configuration error"})
    static final class Cli {
        @Parameters(paramLabel = "FILE", description = "JSONL (a message a line: schema v1 {\"id\"?, \"question\", "
                + "\"context\", \"topK\"?} or v2 {\"version\": 2, \"context\", \"questions\": [{\"id\"?, \"question\"}], ...}) "
                + "or SQuAD v1.1/v2.0 (.json); either may be gzipped; '-' reads JSONL from stdin")
        String file;
        @Option(names = "--queue-url", paramLabel = "URL", description = "the queue (default: $QA_QUEUE_URL)")
        String queueUrl;
        @Option(names = "--table", paramLabel = "NAME", description = "the table, for --wait (default: $QA_TABLE_NAME, else qa-requests)")
        String table;
        @Option(names = "--format", defaultValue = "auto", description = "auto (by file name: .json[.gz] is SQuAD), jsonl or squad")
        String format;
        @Option(names = "--top-k", paramLabel = "N", description = "topK for items that give none (all SQuAD questions); default 1")
        Integer topK;
        @Option(names = "--senders", defaultValue = "4", description = "concurrent SendMessageBatch requests, 1..64 (default ${DEFAULT-VALUE})")
        int senders;
        @Option(names = "--max-attempts", defaultValue = "8", description = "attempts per message, 1..100 (default ${DEFAULT-VALUE})")
        int maxAttempts;
        @Option(names = "--dry-run", description = "validate only; send nothing")
        boolean dryRun;
        @Option(names = "--wait", description = "then poll the table until every sent id is DONE or FAILED")
        boolean waitForAnswers;
        @Option(names = "--timeout", defaultValue = "30m", description = "how long --wait waits (90s, 10m, 2h, PT1H; default ${DEFAULT-VALUE})")
        String timeout;
        @Option(names = "--poll-interval", defaultValue = "2s", description = "pause between polling rounds (default ${DEFAULT-VALUE})")
        String pollInterval;
        @Option(names = "--out", paramLabel = "FILE", description = "write the answers as JSONL in input order ('-': stdout); implies --wait")
        String out;
        @Option(names = "--progress", defaultValue = "auto", description = "auto (bar on a terminal, else lines), bar, lines, none")
        String progress;
        @Option(names = "--limit", paramLabel = "N", description = "only the first N items of the input (e.g. of a SQuAD file)")
        Integer limit;
        @Option(names = "--per-paragraph", description = "SQuAD: one schema v2 message per paragraph (its questions "
                + "share the context, sent once) instead of one message per question")
        boolean perParagraph;

        Options options(Map<String, String> env) {
            String queue = queueUrl != null ? queueUrl : env.get(Settings.QUEUE_URL);
            if (!dryRun && (queue == null || queue.isBlank())) {
                throw new IllegalArgumentException("no queue: give --queue-url or set " + Settings.QUEUE_URL);
            }
            return new Options(file, queue, table != null ? table : env.getOrDefault(Settings.TABLE_NAME, "qa-requests"),
                    format.toLowerCase(Locale.ROOT), topK == null ? null : range("top-k", topK, 1, 10),
                    range("senders", senders, 1, 64), range("max-attempts", maxAttempts, 1, 100),
                    dryRun, waitForAnswers || out != null, duration("timeout", timeout),
                    duration("poll-interval", pollInterval), out, progress,
                    limit == null ? null : (long) range("limit", limit, 1, Integer.MAX_VALUE), perParagraph);
        }

        private static int range(String name, int v, int min, int max) {
            if (v < min || v > max) throw new IllegalArgumentException("--" + name + " must be " + min + ".." + max);
            return v;
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
