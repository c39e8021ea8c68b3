package dev.batchqa.local;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * S3Proxy, in this JVM, speaking the S3 API on loopback over an in-memory blob store (as ElasticMQ and dynalite keep
 * their data in memory). It checks AWS signatures, so pre-signed URLs work as they do on S3.
 *
 * <pre>{@code
 * try (EmbeddedS3 s3 = EmbeddedS3.start(0, "local", "local")) { URI endpoint = s3.endpoint(); ... }
 * }</pre>
 */
public final class EmbeddedS3 implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final URI endpoint;

    private EmbeddedS3(S3Proxy proxy, BlobStoreContext context, int port) {
        this.proxy = proxy;
        this.context = context;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    /** @param port 0 for any free port */
    public static EmbeddedS3 start(int port, String accessKey, String secretKey) {
        BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials(accessKey, secretKey)
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            proxy.start();
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (!"STARTED".equals(proxy.getState())) {
                if (Instant.now().isAfter(deadline)) throw new IllegalStateException("S3Proxy did not start");
                Thread.sleep(10);
            }
        } catch (Exception e) {
            context.close();
            throw new IllegalStateException("cannot start S3Proxy: " + e.getMessage(), e);
        }
        return new EmbeddedS3(proxy, context, proxy.getPort());
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            // stopping a local server: nothing to save
        } finally {
            context.close();
        }
    }
}
