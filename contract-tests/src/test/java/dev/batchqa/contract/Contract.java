package dev.batchqa.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The published contract, loaded once: {@code openapi.yaml} and {@code schemas/qa-message-v1/v2.schema.json}, with
 * checks of one HTTP exchange or one message body against them. A check returns the list of violations (empty:
 * conforms) rather than asserting, so that a test can also prove that a drifted response is caught.
 *
 * <pre>{@code
 * List<String> problems = Contract.get().checkResponse("POST", "/qa", 202, headers, body);
 * }</pre>
 */
final class Contract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Headers every response may carry without the document naming them. */
    private static final Set<String> ALWAYS_ALLOWED = Set.of("content-type", "cache-control");
    private static final Contract INSTANCE = new Contract();

    private final JsonNode openApi;
    private final JsonNode messageSchemaNode;
    private final JsonNode messageSchemaV2Node;
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    private final Map<JsonNode, JsonSchema> compiled = new ConcurrentHashMap<>();

    private Contract() {
        try {
            openApi = new ObjectMapper(new YAMLFactory()).readTree(openApiPath().toFile());
            messageSchemaNode = JSON.readTree(messageSchemaPath().toFile());
            messageSchemaV2Node = JSON.readTree(repoRoot().resolve("schemas/qa-message-v2.schema.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Contract get() {
        return INSTANCE;
    }

    static Path repoRoot() {
        String prop = System.getProperty("batchqa.repo.root");
        return (prop != null ? Path.of(prop) : Path.of("").toAbsolutePath().getParent()).toAbsolutePath().normalize();
    }

    static Path openApiPath() {
        return repoRoot().resolve("openapi.yaml");
    }

    static Path messageSchemaPath() {
        return repoRoot().resolve("schemas/qa-message-v1.schema.json");
    }

    JsonNode openApi() {
        return openApi;
    }

    /** Parses JSON as the service does: a key given twice is an error, not "the last one wins". */
    static JsonNode readStrict(String text) throws IOException {
        return STRICT.readTree(text);
    }

    /** Violations of the SQS message schema v1 by one message body (duplicate keys included). */
    List<String> checkMessage(String body) {
        JsonNode tree;
        try {
            tree = readStrict(body);
        } catch (IOException e) {
            return List.of("not one JSON document without duplicate keys: " + e.getMessage());
        }
        // the version field picks the schema, as it picks the reader's path
        JsonNode version = tree.get("version");
        boolean v2 = version != null && version.isIntegralNumber() && version.asLong() == 2;
        return validate(v2 ? messageSchemaV2Node : messageSchemaNode, tree);
    }

    /** Violations of the request body schema of {@code method path} by a JSON body. */
    List<String> checkRequestBody(String method, String path, String body) {
        JsonNode operation = operation(method, path);
        if (operation == null) return List.of("no operation " + method + " " + path + " in openapi.yaml");
        JsonNode schema = operation.at("/requestBody/content/application~1json/schema");
        if (schema.isMissingNode()) return List.of(method + " " + path + " takes no JSON body");
        try {
            return validate(wrap(schema), readStrict(body));
        } catch (IOException e) {
            return List.of("request body is not JSON: " + e.getMessage());
        }
    }

    /**
     * Violations of the documented response of {@code method path} with {@code status}: the status must be
     * documented, the body must match its JSON schema, required headers must be there, every header the
     * handler sends (but Content-Type and Cache-Control) must be documented and match its schema.
     */
    List<String> checkResponse(String method, String path, int status, Map<String, String> headers, String body) {
        List<String> problems = new ArrayList<>();
        JsonNode operation = operation(method, path);
        if (operation == null) {
            // an unknown route or method answers with the error schema: any operation's 404/405 documents it
            operation = operation("POST", "/qa");
            if (status != 404 && status != 405) problems.add("no operation " + method + " " + path);
        }
        JsonNode response = resolve(operation.path("responses").path(Integer.toString(status)));
        if (response.isMissingNode()) {
            problems.add(method + " " + path + ": status " + status + " is not documented");
            return problems;
        }
        JsonNode declaredHeaders = response.path("headers");
        Map<String, String> lower = new java.util.HashMap<>();
        if (headers != null) headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        for (Iterator<Map.Entry<String, JsonNode>> it = declaredHeaders.fields(); it.hasNext(); ) {
            var entry = it.next();
            JsonNode header = resolve(entry.getValue());
            String value = lower.get(entry.getKey().toLowerCase(Locale.ROOT));
            if (value == null) {
                if (header.path("required").asBoolean(false)) problems.add("required header " + entry.getKey() + " missing");
                continue;
            }
            JsonNode schema = header.path("schema");
            JsonNode typed = schema.path("type").asText("").equals("integer") && value.matches("-?\\d+")
                    ? JSON.getNodeFactory().numberNode(Long.parseLong(value)) : JSON.getNodeFactory().textNode(value);
            validate(wrap(schema), typed).forEach(p -> problems.add("header " + entry.getKey() + ": " + p));
        }
        for (String name : lower.keySet()) {
            if (ALWAYS_ALLOWED.contains(name)) continue;
            boolean declared = false;
            for (Iterator<String> it = declaredHeaders.fieldNames(); it.hasNext(); ) {
                if (it.next().equalsIgnoreCase(name)) declared = true;
            }
            if (!declared) problems.add("header " + name + " is not documented for " + method + " " + path + " " + status);
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (body != null && !body.isEmpty()) problems.add("a body where none is documented");
            return problems;
        }
        String type = lower.getOrDefault("content-type", "");
        if (!type.split(";")[0].trim().equalsIgnoreCase("application/json")) {
            problems.add("Content-Type " + type + ", documented application/json");
        }
        try {
            problems.addAll(validate(wrap(content.path("application/json").path("schema")), readStrict(body)));
        } catch (IOException e) {
            problems.add("body is not JSON: " + e.getMessage());
        }
        return problems;
    }

    /** The operation whose path template matches {@code path}, or null. */
    JsonNode operation(String method, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> it = openApi.path("paths").fields(); it.hasNext(); ) {
            var entry = it.next();
            String regex = "\\Q" + entry.getKey().replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q") + "\\E";
            if (Pattern.matches(regex, path)) {
                JsonNode op = entry.getValue().path(method.toLowerCase(Locale.ROOT));
                return op.isMissingNode() ? null : op;
            }
        }
        return null;
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode ref = node.path("$ref");
        return ref.isTextual() && ref.textValue().startsWith("#/") ? resolve(openApi.at(ref.textValue().substring(1))) : node;
    }

    /** A schema of the document, made a standalone schema whose {@code #/components/...} refs still resolve. */
    private JsonNode wrap(JsonNode schema) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", openApi.path("components"));
        root.putArray("allOf").add(schema);
        return root;
    }

    private List<String> validate(JsonNode schemaNode, JsonNode instance) {
        JsonSchema schema = compiled.computeIfAbsent(schemaNode, n -> factory.getSchema(n, config));
        return schema.validate(instance).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
