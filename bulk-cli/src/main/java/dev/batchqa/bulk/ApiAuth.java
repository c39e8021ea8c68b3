package dev.batchqa.bulk;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * How the job commands authenticate to the HTTP API, which template.yaml's {@code ApiAuthMode} decides: {@code IAM}
 * (the default: SigV4-signed requests, service {@code execute-api}), {@code JWT} (a bearer token) or {@code NONE}.
 *
 * <ul>
 *   <li>{@code iam}: every request signed with the AWS SDK's default credentials chain ({@code AWS_PROFILE},
 *       {@code AWS_ACCESS_KEY_ID}, SSO, instance roles, ...); the region from an
 *       {@code <api>.execute-api.<region>.amazonaws.com} host, else the SDK's default region chain;
 *   <li>{@code token}: {@code Authorization: Bearer $QA_API_TOKEN};
 *   <li>{@code none}: nothing added (the local runner, an API deployed with {@code ApiAuthMode=NONE});
 *   <li>{@code auto} (the default): {@code none} for a loopback URL (the local runner), {@code token} when
 *       {@code QA_API_TOKEN} is set, else {@code iam}.
 * </ul>
 *
 * <pre>{@code
 * ApiAuth auth = ApiAuth.choose("auto", URI.create("https://abc.execute-api.eu-west-1.amazonaws.com"), System.getenv());
 * HttpRequest signed = auth.apply(HttpRequest.newBuilder(uri), "POST", uri, "application/x-ndjson", body);
 * }</pre>
 */
final class ApiAuth {
    enum Mode { NONE, IAM, TOKEN }

    static final String TOKEN_VARIABLE = "QA_API_TOKEN";
    private static final Pattern EXECUTE_API_HOST = Pattern.compile("[^.]+\\.execute-api\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
    /** Headers java.net.http sets itself and refuses from callers; it sends the same values the signer saw. */
    private static final Set<String> SET_BY_THE_CLIENT = Set.of("host", "content-length", "connection", "expect");

    private final Mode mode;
    private final String token;
    private final AwsCredentialsProvider credentials;
    private final String region;
    private final Clock clock;

    ApiAuth(Mode mode, String token, AwsCredentialsProvider credentials, String region, Clock clock) {
        this.mode = mode;
        this.token = token;
        this.credentials = credentials;
        this.region = region;
        this.clock = clock;
    }

    Mode mode() {
        return mode;
    }

    /** @param option {@code auto}, {@code iam}, {@code token} or {@code none} (the {@code --auth} option) */
    static ApiAuth choose(String option, URI api, Map<String, String> env) {
        String token = env.get(TOKEN_VARIABLE);
        Mode mode = switch (option.toLowerCase(Locale.ROOT)) {
            case "none" -> Mode.NONE;
            case "iam" -> Mode.IAM;
            case "token" -> Mode.TOKEN;
            case "auto" -> isLoopback(api) ? Mode.NONE : token != null && !token.isBlank() ? Mode.TOKEN : Mode.IAM;
            default -> throw new IllegalArgumentException("--auth must be auto, iam, token or none");
        };
        if (mode == Mode.TOKEN && (token == null || token.isBlank())) {
            throw new IllegalArgumentException("--auth token needs the token in " + TOKEN_VARIABLE);
        }
        if (mode != Mode.IAM) return new ApiAuth(mode, token, null, null, Clock.systemUTC());
        return new ApiAuth(mode, null, DefaultCredentialsProvider.builder().build(), region(api), Clock.systemUTC());
    }

    static boolean isLoopback(URI api) {
        String host = api.getHost();
        if (host == null) return false;
        if (host.equalsIgnoreCase("localhost")) return true;
        try {
            // a literal address only: a name is not looked up
            return host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?") && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The region of an execute-api host; otherwise the SDK's default region chain (AWS_REGION, the profile, ...). */
    static String region(URI api) {
        Matcher m = EXECUTE_API_HOST.matcher(api.getHost() == null ? "" : api.getHost().toLowerCase(Locale.ROOT));
        if (m.matches()) return m.group(1);
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--auth iam needs a region: set AWS_REGION (" + e.getMessage() + ")");
        }
    }

    /**
     * The request with this mode's credentials: the builder already holds {@code uri}; {@code body} null for none.
     * The signed headers are exactly what is sent (the content type and body included in the signature).
     */
    HttpRequest apply(HttpRequest.Builder builder, String method, URI uri, String contentType, byte[] body) {
        if (contentType != null) builder.header("Content-Type", contentType);
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        switch (mode) {
            case NONE -> { }
            case TOKEN -> builder.header("Authorization", "Bearer " + token);
            case IAM -> {
                SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().uri(uri)
                        .method(SdkHttpMethod.fromValue(method));
                if (contentType != null) unsigned.putHeader("Content-Type", contentType);
                byte[] payload = body == null ? new byte[0] : body;
                SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                        .identity(credentials.resolveIdentity().join())
                        .request(unsigned.build())
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(payload))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(HttpSigner.SIGNING_CLOCK, clock));
                for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
                    String name = h.getKey().toLowerCase(Locale.ROOT);
                    if (SET_BY_THE_CLIENT.contains(name) || name.equals("content-type")) continue;
                    for (String value : h.getValue()) builder.header(h.getKey(), value);
                }
            }
        }
        return builder.build();
    }
}
