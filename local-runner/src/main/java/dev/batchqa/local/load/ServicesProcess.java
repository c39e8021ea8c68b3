package dev.batchqa.local.load;

import dev.batchqa.local.Emulators;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link Emulators} in a child JVM on the services' CPUs of a {@link CpuSplit}, and this process pinned to the
 * function's: the stand-ins for SQS and DynamoDB then take none of the function's CPU, as on Lambda. Starting it
 * puts the endpoints (and the emulators' static credentials) into the environment the pipeline is configured from.
 */
final class ServicesProcess implements AutoCloseable {
    private final CpuSplit split;
    private final Process process;

    private ServicesProcess(CpuSplit split, Process process) {
        this.split = split;
        this.process = process;
    }

    static ServicesProcess start(CpuSplit split, Map<String, String> environment) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // the emulators stand for AWS's side: the JVM's default JIT, not the function's C1-only flags
        Process process = new ProcessBuilder(split.onServiceCpus(List.of(java, "-cp",
                System.getProperty("java.class.path"), Emulators.class.getName(),
                environment.getOrDefault("AWS_REGION", "us-east-1"))))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        ServicesProcess services = new ServicesProcess(split, process);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith(Emulators.READY)) {
                // logs before the line
            }
            if (line == null) throw new IOException("the emulators' process ended before it was ready");
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
        } catch (IOException | RuntimeException e) {
            services.close();
            throw e;
        }
    }

    CpuSplit split() {
        return split;
    }

    /** Ends the emulators (their stdin closes); this process stays on the function's CPUs. */
    @Override
    public void close() {
        if (!process.isAlive()) return;
        try {
            process.getOutputStream().close();
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
