package dev.batchqa.tools.load;

import dev.batchqa.local.Dynalite;
import dev.batchqa.local.EmbeddedSqs;
import java.io.IOException;
import java.io.InputStream;

/**
 * The two stand-ins for AWS (ElasticMQ and dynalite) in a process of their own, for a measurement that must keep
 * them off the function's CPUs ({@code scripts/e2e-squad --services-cpus}). It prints one line,
 * {@code SQS <endpoint> DYNAMODB <endpoint>}, and stops them when its standard input ends, so that a parent that
 * dies takes them with it.
 *
 * <pre>
 * taskset -c 1 java -cp ... dev.batchqa.tools.load.Emulators [region]
 * </pre>
 */
public final class Emulators {
    /** What the line printed when both listen starts with. */
    public static final String READY = "SQS ";

    private Emulators() {}

    public static void main(String[] args) throws IOException {
        String region = args.length > 0 ? args[0] : "us-east-1";
        EmbeddedSqs sqs = EmbeddedSqs.start(0, region);
        Dynalite dynalite;
        try {
            dynalite = Dynalite.start(0);
        } catch (IOException | RuntimeException e) {
            sqs.close();
            throw e;
        }
        // SIGTERM as well as the end of stdin: dynalite is a node process of its own and must not outlive this one
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dynalite.close();
            sqs.close();
        }));
        System.out.println(READY + sqs.endpoint() + " DYNAMODB " + dynalite.endpoint());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() != -1) {
            // nothing is expected on stdin: its end is the signal to stop
        }
        System.exit(0);
    }
}
