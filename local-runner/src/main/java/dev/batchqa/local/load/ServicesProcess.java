package dev.batchqa.local.load;

import dev.batchqa.local.Emulators;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Emulators} in a child JVM on the services' CPUs of a {@link CpuSplit}, and this process pinned to the
 * function's: the stand-ins for SQS and DynamoDB then take none of the function's CPU, as on Lambda. Starting it
 * puts the endpoints (and the emulators' static credentials) into the environment the pipeline is configured from.
 *
 * <pre>{@code
 * Map<String, String> env = ...;                  // the pipeline's environment
 * try (ServicesProcess services = ServicesProcess.start(CpuSplit.withServicesOn("1"), env)) {
 *     LocalPipeline pipeline = LocalPipeline.start(LocalConfig.fromEnvironment(env));
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

    private ServicesProcess(CpuSplit split, Process process, Path log) {
        this.split = split;
        this.process = process;
        this.log = log;
    }

    static ServicesProcess start(CpuSplit split, Map<String, String> environment) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Files.createTempFile("e2e-emulators-", ".log");
        // the emulators stand for AWS's side: the JVM's default JIT, not the function's C1-only flags
        Process process = new ProcessBuilder(split.onServiceCpus(List.of(java, "-cp",
                System.getProperty("java.class.path"), Emulators.class.getName(),
                environment.getOrDefault("AWS_REGION", "us-east-1"))))
                .redirectError(log.toFile())
                .start();
        ServicesProcess services = new ServicesProcess(split, process, log);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> readyLine(out)).get(READY_SECONDS, TimeUnit.SECONDS);
            if (line == null) {
                throw new IOException("the emulators' process ended before it was ready; its log: " + log);
            }
            String[] parts = line.split(" "); // SQS <endpoint> DYNAMODB <endpoint>
            environment.put("AWS_ENDPOINT_URL_SQS", parts[1]);
            environment.put("AWS_ENDPOINT_URL_DYNAMODB", parts[3]);
            environment.put("AWS_ACCESS_KEY_ID", "local");
            environment.put("AWS_SECRET_ACCESS_KEY", "local");
            // whatever it prints later must not fill the pipe and stall it
            Thread.ofPlatform().daemon().name("emulators-output").start(() -> {
                try {
                    out.transferTo(Writer.nullWriter());
                } catch (IOException ended) {
                    // the process has gone
                }
            });
            split.pinThisProcess();
            return services;
        } catch (TimeoutException e) {
            services.close();
            throw new IOException("the emulators were not ready within " + READY_SECONDS + " s; their log: " + log, e);
        } catch (ExecutionException e) {
            services.close();
            throw new IOException("reading the emulators' output failed; their log: " + log, e.getCause());
        } catch (InterruptedException e) {
            services.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the emulators started", e);
        } catch (IOException | RuntimeException e) {
            services.close();
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

    /**
     * Ends the emulators (their stdin closes; after 15 s they and the node process under them are killed) and
     * removes the log; this process stays on the function's CPUs.
     */
    @Override
    public void close() {
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
