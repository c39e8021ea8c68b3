package dev.batchqa.tools.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Emulators} in a child JVM on the services' CPUs of a {@link CpuSplit}, and this process pinned to the
 * function's: the stand-ins for SQS and DynamoDB then take none of the function's CPU, as on Lambda.
 *
 * <pre>{@code
 * try (ServicesProcess services = ServicesProcess.start(CpuSplit.withServicesOn("1"), "us-east-1")) {
 *     URI sqs = services.sqsEndpoint(), dynamoDb = services.dynamoDbEndpoint();
 *     ...
 * }
 * }</pre>
 */
final class ServicesProcess implements AutoCloseable {
    /** ElasticMQ and dynalite start in a few seconds; a child that says nothing for this long is stuck. */
    private static final long READY_SECONDS = 60;

    private final CpuSplit split;
    private final Process process;
    private final Path log;
    private final URI sqsEndpoint;
    private final URI dynamoDbEndpoint;

    private ServicesProcess(CpuSplit split, Process process, Path log, URI sqsEndpoint, URI dynamoDbEndpoint) {
        this.split = split;
        this.process = process;
        this.log = log;
        this.sqsEndpoint = sqsEndpoint;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
    }

    static ServicesProcess start(CpuSplit split, String region) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Files.createTempFile("e2e-emulators-", ".log");
        // the emulators stand for AWS's side: the JVM's default JIT, not the function's C1-only flags
        Process process = new ProcessBuilder(split.onServiceCpus(List.of(java, "-cp",
                System.getProperty("java.class.path"), Emulators.class.getName(), region)))
                .redirectError(log.toFile())
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> readyLine(out)).get(READY_SECONDS, TimeUnit.SECONDS);
            if (line == null) {
                throw new IOException("the emulators' process ended before it was ready; its log: " + log);
            }
            String[] parts = line.split(" "); // SQS <endpoint> DYNAMODB <endpoint>
            // whatever it prints later must not fill the pipe and stall it
            Thread.ofPlatform().daemon().name("emulators-output").start(() -> {
                try {
                    out.transferTo(Writer.nullWriter());
                } catch (IOException ended) {
                    // the process has gone
                }
            });
            split.pinThisProcess();
            return new ServicesProcess(split, process, log, URI.create(parts[1]), URI.create(parts[3]));
        } catch (TimeoutException e) {
            stop(process, log);
            throw new IOException("the emulators were not ready within " + READY_SECONDS + " s; their log: " + log, e);
        } catch (ExecutionException e) {
            stop(process, log);
            throw new IOException("reading the emulators' output failed; their log: " + log, e.getCause());
        } catch (InterruptedException e) {
            stop(process, log);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the emulators started", e);
        } catch (IOException | RuntimeException e) {
            stop(process, log);
            throw e;
        }
    }

    /** The line that gives the endpoints, or null when the output ends first. */
    private static String readyLine(BufferedReader out) {
        try {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith(Emulators.READY)) {
                // logs before the line
            }
            return line;
        } catch (IOException e) {
            return null;
        }
    }

    CpuSplit split() {
        return split;
    }

    URI sqsEndpoint() {
        return sqsEndpoint;
    }

    URI dynamoDbEndpoint() {
        return dynamoDbEndpoint;
    }

    /**
     * Ends the emulators (their stdin closes; after 15 s they and the node process under them are killed) and
     * removes the log; this process stays on the function's CPUs.
     */
    @Override
    public void close() {
        stop(process, log);
    }

    private static void stop(Process process, Path log) {
        try {
            if (process.isAlive()) {
                process.getOutputStream().close();
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            }
            Files.deleteIfExists(log);
        } catch (IOException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
