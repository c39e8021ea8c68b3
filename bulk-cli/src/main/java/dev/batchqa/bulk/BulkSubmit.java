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
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    /**
     * @param queueUrl  where messages go: {@code --queue-url}, else the bulk lane ({@code QA_BULK_QUEUE_URL}), else
     *                  the single queue ({@code QA_QUEUE_URL})
     * @param bulkLane  whether {@code queueUrl} is the bulk lane's queue (for the report)
     * @param tableGiven whether {@code --table} named the table (else an ids file's own table wins on --resume)
     * @param ids       the ids file ({@link RunFile}); null on a dry run
     * @param resume    an earlier run's ids file to collect (nothing is sent); null otherwise
     */
    record Options(String file, String queueUrl, boolean bulkLane, String table, boolean tableGiven, String format,
            Integer topK, int senders, int maxAttempts, boolean dryRun, boolean waitForAnswers, Duration timeout,
            Duration pollInterval, String out, String progress, Long limit, boolean perParagraph, Path ids,
            Path resume) {}

    /**
     * The first {@code limit} questions of {@code source} (all when null): an item of several questions (a SQuAD
     * paragraph with {@code --per-paragraph}, a schema v2 line) counts as its questions, and the last item is cut to
     * fit; an unreadable item counts as one. Closing it closes the source.
     */
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
                InputItem item = source.next();
                if (item.message() == null) {
                    taken++;
                    return item;
                }
                int n = item.message().questions().size();
                long room = limit - taken;
                if (n > room) {
                    item = InputItem.of(item.where(), item.message().withQuestions(
                            item.message().questions().subList(0, (int) room)));
                    n = (int) room;
                }
                taken += Math.max(1, n);
                return item;
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
            err.println("bulk-submit: cannot read " + (o.resume() != null ? o.resume() : o.file()) + ": " + e.getMessage());
            return USAGE;
        } catch (SdkException e) {
            err.println("bulk-submit: AWS error: " + e.getMessage());
            return INCOMPLETE;
        }
    }

    private static int execute(Options o, Map<String, String> env, PrintStream out, PrintStream err, Clients clients)
            throws IOException {
        Progress.Mode mode = Progress.mode(o.progress());
        if (o.resume() != null) {
            RunFile.Run run = RunFile.read(o.resume());
            err.printf(Locale.ROOT, "collecting %,d questions of the run started %s (ids file %s)%n",
                    run.lines().size(), run.startedAt(), o.resume());
            try (DynamoDbClient dynamo = clients.dynamo()) {
                String table = run.table() != null && !o.tableGiven() ? run.table() : o.table();
                return collect(run, table, o, mode, dynamo, out, err);
            }
        }
        Settings settings = Settings.from(env);
        MessageCodec codec = new MessageCodec(QaValidator.fromSettings(settings));

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

        if (!o.dryRun()) {
            err.println("queue: " + o.queueUrl() + (o.bulkLane() ? " (the bulk lane)" : ""));
            err.println("ids: " + o.ids() + " (written before sending; collect later with --resume " + o.ids() + ")");
        }
        SqsClient sqs = o.dryRun() ? null : clients.sqs();
        RunFile ids = o.dryRun() ? null : RunFile.create(o.ids(), Instant.now(), o.table());
        try (ItemSource items = limited(stdin
                ? InputFiles.jsonl(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), o.topK())
                : InputFiles.open(path, format, o.topK(), o.perParagraph()), o.limit())) {
            BulkSubmitter submitter = new BulkSubmitter(sqs, o.queueUrl(), codec, BulkSubmitter.Options.defaults()
                    .withSenders(o.senders()).withMaxAttempts(o.maxAttempts()));
            BulkSubmitter.Report report;
            // the bar counts questions handled (sent, invalid or failed): the summary below splits them
            try (Progress ignored = new Progress(err, mode, o.dryRun() ? "checked" : "sent", "questions", total,
                    () -> submitter.counts().questions(), () -> {
                BulkSubmitter.Counts c = submitter.counts();
                return c.invalid() + c.failed() == 0 ? ""
                        : String.format(Locale.ROOT, "  (%,d invalid, %,d failed)", c.invalid(), c.failed());
            }, Duration.ofSeconds(5))) {
                // SQuAD ids become custom ids and every question a fresh id: a re-run (another --top-k, say) must
                // not find an earlier run's records under the same ids
                report = o.dryRun() ? submitter.check(items)
                        : submitter.submitItems(items, format == InputFiles.Format.SQUAD, ids);
            }
            list(err, "invalid", report.invalid());
            list(err, "not sent", report.failed());
            if (report.abortedBecause() != null) {
                err.println("stopped early: " + report.abortedBecause() + " (the rest of the input was not read)");
            }
            // sentIds are questions: a schema v2 message (a SQuAD paragraph) carries several
            err.printf(Locale.ROOT, "%s %,d questions in %,d messages / invalid %,d / failed %,d in %.1f s "
                            + "(%,.0f questions/s, %,d requests, %,d entries retried)%n",
                    o.dryRun() ? "valid" : "sent", report.sent(), submitter.counts().sent(), report.invalid().size(),
                    report.failed().size(), report.elapsed().toNanos() / 1e9, report.messagesPerSecond(),
                    report.requests(), report.retriedEntries());
            int status = report.allSent() ? OK : INCOMPLETE;
            if (o.dryRun() || !o.waitForAnswers()) return status;
            ids.close();
            try (DynamoDbClient dynamo = clients.dynamo()) {
                int collected = collect(ids.run(), o.table(), o, mode, dynamo, out, err);
                return Math.max(status, collected);
            }
        } finally {
            if (sqs != null) sqs.close();
            if (ids != null) ids.close();
        }
    }

    /**
     * Waits for the run's sent questions, appending each line to {@code --out} as it completes (so a stopped run
     * keeps what arrived), then writes the whole file again in input order, one line per input question.
     */
    private static int collect(RunFile.Run run, String table, Options o, Progress.Mode mode, DynamoDbClient dynamo,
            PrintStream out, PrintStream err) throws IOException {
        Map<String, RunFile.Line> byId = new LinkedHashMap<>();
        for (RunFile.Line line : run.lines()) if (line.sent()) byId.put(line.id(), line);
        Path target = o.out() == null || o.out().equals("-") ? null : Path.of(o.out());
        BufferedWriter arriving = target == null ? null : Files.newBufferedWriter(target, StandardCharsets.UTF_8);
        Map<String, Long> byStatus = new TreeMap<>();
        AnswerCollector.Outcome outcome;
        try {
            if (arriving != null) {
                for (RunFile.Line line : run.lines()) if (!line.sent()) writeLine(arriving, LineResults.unsent(line));
                arriving.flush();
            }
            AnswerCollector collector = new AnswerCollector(dynamo, table);
            AtomicLong answered = new AtomicLong();
            AtomicLong conflicts = new AtomicLong();
            try (Progress ignored = new Progress(err, mode, "answered", "answers", byId.size(), answered::get,
                    () -> conflicts.get() == 0 ? "" : String.format(Locale.ROOT, "  (%,d id conflicts)", conflicts.get()),
                    Duration.ofSeconds(5))) {
                outcome = collector.await(byId.keySet(), o.timeout(), o.pollInterval(), answered::set, r -> {
                    Map<String, Object> json = LineResults.json(byId.get(r.id()), r, run.startedAt());
                    if (LineResults.CONFLICT.equals(json.get("status"))) conflicts.incrementAndGet();
                    if (arriving == null) return;
                    try {
                        writeLine(arriving, json);
                        arriving.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        } finally {
            if (arriving != null) arriving.close();
        }
        List<Map<String, Object>> lines = new ArrayList<>();
        for (RunFile.Line line : run.lines()) {
            Map<String, Object> json = line.sent()
                    ? LineResults.json(line, outcome.results().get(line.id()), run.startedAt())
                    : LineResults.unsent(line);
            byStatus.merge(String.valueOf(json.get("status")), 1L, Long::sum);
            lines.add(json);
        }
        err.printf(Locale.ROOT, "%s after %.1f s: %s%n",
                outcome.complete() ? "all answered" : "timed out", outcome.waited().toNanos() / 1e9, byStatus);
        if (o.out() != null) write(o.out(), lines, out);
        if (o.out() != null && !o.out().equals("-")) {
            err.printf(Locale.ROOT, "%,d lines (one per input question) in %s%n", lines.size(), o.out());
        }
        // INVALID, NOT_SENT, CONFLICT or still waiting: not every question has its answer
        boolean clean = outcome.complete() && byStatus.keySet().stream()
                .allMatch(st -> st.equals("DONE") || st.equals("FAILED"));
        return clean ? OK : INCOMPLETE;
    }

    private static void writeLine(BufferedWriter writer, Map<String, Object> json) throws IOException {
        writer.write(Json.MAPPER.writeValueAsString(json));
        writer.write('\n');
    }

    /** The lines in input order: to a temporary file renamed over the target, so that it is whole or not there. */
    private static void write(String target, List<Map<String, Object>> lines, PrintStream out) throws IOException {
        if (target.equals("-")) {
            BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            for (Map<String, Object> json : lines) writeLine(writer, json);
            writer.flush();
            return;
        }
        Path path = Path.of(target).toAbsolutePath();
        Path temp = Files.createTempFile(path.getParent(), path.getFileName().toString(), ".tmp");
        try (BufferedWriter writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            for (Map<String, Object> json : lines) writeLine(writer, json);
        }
        Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
        @Parameters(paramLabel = "FILE", arity = "0..1", description = "JSONL (a message a line: schema v1 {\"id\"?, \"question\", "
                + "\"context\", \"topK\"?} or v2 {\"version\": 2, \"context\", \"questions\": [{\"id\"?, \"question\"}], ...}) "
                + "or SQuAD v1.1/v2.0 (.json); either may be gzipped; '-' reads JSONL from stdin")
        String file;
        @Option(names = "--queue-url", paramLabel = "URL", description = "the queue (default: the bulk lane, "
                + "$QA_BULK_QUEUE_URL; without one, $QA_QUEUE_URL)")
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
        @Option(names = "--out", paramLabel = "FILE", description = "write the answers as JSONL, one line per input "
                + "question in input order, appended as they arrive and rewritten in order at the end ('-': stdout, at "
                + "the end); implies --wait")
        String out;
        @Option(names = "--ids", paramLabel = "FILE", description = "the ids file, written before anything is sent "
                + "(default: <out>.ids.jsonl, else bulk-submit-<time>.ids.jsonl)")
        String ids;
        @Option(names = "--resume", paramLabel = "IDS_FILE", description = "send nothing: collect the answers of an "
                + "earlier run from its ids file (a run stopped during --wait, say) into --out")
        String resume;
        @Option(names = "--progress", defaultValue = "auto", description = "auto (bar on a terminal, else lines), bar, lines, none")
        String progress;
        @Option(names = "--limit", paramLabel = "N", description = "only the first N questions of the input (also "
                + "with --per-paragraph: the last paragraph is cut)")
        Integer limit;
        @Option(names = "--per-paragraph", description = "SQuAD: one schema v2 message per paragraph (its questions "
                + "share the context, sent once) instead of one message per question")
        boolean perParagraph;

        Options options(Map<String, String> env) {
            String bulk = env.get(Settings.BULK_QUEUE_URL);
            boolean bulkLane = queueUrl == null && bulk != null && !bulk.isBlank();
            String queue = queueUrl != null ? queueUrl : bulkLane ? bulk : env.get(Settings.QUEUE_URL);
            if (resume != null && file != null) throw new IllegalArgumentException("--resume reads no FILE");
            if (resume == null && file == null) throw new IllegalArgumentException("give a FILE (or --resume IDS_FILE)");
            if (resume != null && out == null) throw new IllegalArgumentException("--resume needs --out");
            if (!dryRun && resume == null && (queue == null || queue.isBlank())) {
                throw new IllegalArgumentException("no queue: give --queue-url or set " + Settings.BULK_QUEUE_URL
                        + " (the bulk lane) or " + Settings.QUEUE_URL);
            }
            Path idsFile = ids != null ? Path.of(ids)
                    : out != null && !out.equals("-") ? Path.of(out + ".ids.jsonl")
                    : Path.of("bulk-submit-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                            .withZone(java.time.ZoneOffset.UTC).format(Instant.now()) + ".ids.jsonl");
            return new Options(file, queue, bulkLane,
                    table != null ? table : env.getOrDefault(Settings.TABLE_NAME, "qa-requests"), table != null,
                    format.toLowerCase(Locale.ROOT), topK == null ? null : range("top-k", topK, 1, 10),
                    range("senders", senders, 1, 64), range("max-attempts", maxAttempts, 1, 100),
                    dryRun, waitForAnswers || out != null, duration("timeout", timeout),
                    duration("poll-interval", pollInterval), out, progress,
                    limit == null ? null : (long) range("limit", limit, 1, Integer.MAX_VALUE), perParagraph,
                    dryRun ? null : idsFile, resume == null ? null : Path.of(resume));
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
