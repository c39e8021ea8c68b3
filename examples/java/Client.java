// A plain Java client of the HTTP API: java.net.http only, no dependency, one file. Run with Java 21+:
//
//     java examples/java/Client.java http://127.0.0.1:3000 "Who wrote Hamlet?" "Hamlet is a tragedy written by William Shakespeare."
//
// For the deployed API with ApiAuthMode=IAM requests must be SigV4-signed (see examples/python/ask.py, or the AWS
// SDK's signer); with ApiAuthMode=JWT add "Authorization: Bearer <token>". The JSON handling is deliberately
// minimal (a real client would use a JSON library): it builds the request with escaping and reads the few
// fields it needs.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Client {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: java Client.java <api-url> <question> <context> [topK]");
            System.exit(2);
        }
        String api = args[0].replaceAll("/+$", "");
        String question = args[1];
        String context = args[2];
        int topK = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        String body = "{\"context\":" + quote(context) + ",\"question\":" + quote(question) + ",\"topK\":" + topK + "}";
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(api + "/qa"))
                        .header("Content-Type", "application/json")
                        // makes a retry of this POST safe: the same key returns the same id
                        .header("Idempotency-Key", UUID.randomUUID().toString())
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (posted.statusCode() != 202) fail("POST /qa -> " + posted.statusCode() + " " + posted.body());
        String id = field(posted.body(), "id");
        System.out.println("accepted " + id + " (Location: " + posted.headers().firstValue("Location").orElse("?") + ")");

        Instant deadline = Instant.now().plusSeconds(60);
        String record;
        do {
            Thread.sleep(500);
            record = http.send(HttpRequest.newBuilder(URI.create(api + "/qa/" + id)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (Instant.now().isAfter(deadline)) fail(id + " still PENDING after 60 s");
        } while ("PENDING".equals(field(record, "status")));

        String status = field(record, "status");
        if (status.equals("FAILED")) fail(id + " FAILED: " + record);
        Matcher answer = Pattern.compile("\"answer\":\\{\"text\":(\"(?:[^\"\\\\]|\\\\.)*\"),\"start\":(\\d+),\"end\":(\\d+),\"score\":([0-9.eE-]+)")
                .matcher(record);
        if (!answer.find()) {
            System.out.println(status + ": no answer in the context");
            return;
        }
        int start = Integer.parseInt(answer.group(2));
        int end = Integer.parseInt(answer.group(3));
        // offsets are UTF-16 code units: exactly Java's String indices
        String text = context.substring(start, end);
        if (!quote(text).equals(answer.group(1))) fail("text " + answer.group(1) + " is not context[" + start + ", " + end + ")");
        System.out.println(status + ": " + quote(text) + " at [" + start + ", " + end + ") score " + answer.group(4));
    }

    /** The string value of a top-level field (enough for "id" and "status", which need no unescaping). */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) fail("no '" + name + "' in " + json);
        return m.group(1);
    }

    /** A JSON string literal, escaped as the service writes it (Jackson: \" \\ and control characters). */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x20 ? String.format("\\u%04X", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(1);
    }
}
