package dev.batchqa.local;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * dynalite (a DynamoDB emulator on Node.js) as a child process on loopback. It is found in the
 * {@code node_modules} that the build installs at the repository root (or at {@code DYNALITE_HOME}).
 */
public final class Dynalite implements AutoCloseable {
    private final Process process;
    private final URI endpoint;

    private Dynalite(Process process, int port) {
        this.process = process;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    /** @param port 0 for any free port */
    public static Dynalite start(int port) throws IOException {
        Path cli = locateCli();
        int chosen = port == 0 ? freePort() : port;
        Process process = new ProcessBuilder(List.of(
                        "node", cli.toString(), "--host", "127.0.0.1", "--port", Integer.toString(chosen),
                        "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Dynalite dynalite = new Dynalite(process, chosen);
        dynalite.awaitListening(Duration.ofSeconds(20));
        return dynalite;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** CPU time the emulator has used so far (zero where the platform does not tell): measurements report it. */
    public Duration cpu() {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dynalite exited with code " + process.exitValue() + " on start");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", endpoint.getPort()), 200);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        close();
        throw new IOException("dynalite did not listen on " + endpoint + " within " + timeout);
    }

    static Path locateCli() throws IOException {
        String home = System.getenv("DYNALITE_HOME");
        if (home != null) {
            Path cli = Path.of(home, "cli.js");
            if (Files.isRegularFile(cli)) return cli;
            throw new IOException("DYNALITE_HOME=" + home + " has no cli.js");
        }
        for (File dir = new File("").getAbsoluteFile(); dir != null; dir = dir.getParentFile()) {
            Path cli = dir.toPath().resolve("node_modules/dynalite/cli.js");
            if (Files.isRegularFile(cli)) return cli;
        }
        throw new IOException("dynalite not found: run 'npm ci' at the repository root (the Maven build does it "
                + "when node_modules is missing) or set DYNALITE_HOME to an installed dynalite package");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
