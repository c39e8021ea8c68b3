package dev.batchqa.infra;

import static dev.batchqa.infra.CfnTemplate.list;
import static dev.batchqa.infra.CfnTemplate.map;
import static dev.batchqa.infra.CfnTemplate.path;
import static dev.batchqa.infra.CfnTemplate.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * template.yaml's HTTP API against the published contract, openapi.yaml, for every ApiAuthMode: the routes of
 * QaHttpApi's DefinitionBody and of IngestFunction's HttpApi events are exactly the documented operations, each
 * route's security is one of the documented alternatives, and CORS lets a browser send the documented request
 * headers and methods.
 */
class OpenApiTemplateTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
    /** What each mode puts on every route: the template's {@code security} as openapi.yaml spells it. */
    private static final Map<String, List<Map<String, Object>>> SECURITY = Map.of(
            "IAM", List.of(Map.of("AWS_IAM", List.of())),
            "JWT", List.of(Map.of("JwtAuthorizer", List.of())),
            "NONE", List.of());

    private final CfnTemplate t = CfnTemplate.load(CfnTemplate.repoRoot().resolve("template.yaml"));
    private final Map<String, Object> openApi = loadOpenApi();

    @ParameterizedTest
    @ValueSource(strings = {"IAM", "JWT", "NONE"})
    void routesAndAuthMatchTheContract(String mode) {
        Map<String, String> p = t.params("ApiAuthMode", mode, "JwtIssuer", "https://issuer.example", "JwtAudience", "aud",
                "CorsAllowedOrigin", "https://app.example.com");
        Map<String, Object> body = map(t.resolve(path(t.resource("QaHttpApi"), "Properties", "DefinitionBody"), p));

        Set<String> documented = operations(openApi);
        assertEquals(documented, operations(body), "QaHttpApi DefinitionBody routes vs openapi.yaml");

        Set<String> events = new TreeSet<>();
        for (Object event : map(t.properties("IngestFunction").get("Events")).values()) {
            if (!"HttpApi".equals(scalar(map(event).get("Type")))) continue;
            Map<String, Object> props = map(map(event).get("Properties"));
            events.add(scalar(props.get("Method")).toUpperCase(Locale.ROOT) + " " + scalar(props.get("Path")));
            assertEquals("2.0", scalar(props.get("PayloadFormatVersion")));
        }
        assertEquals(documented, events, "IngestFunction HttpApi events vs openapi.yaml");

        for (String route : documented) {
            String[] mp = route.split(" ", 2);
            Object templateSecurity = path(body, "paths", mp[1], mp[0].toLowerCase(Locale.ROOT), "security");
            assertEquals(SECURITY.get(mode), templateSecurity, mode + " " + route + " security in template.yaml");
            List<Object> alternatives = documentedSecurity(mp[1], mp[0].toLowerCase(Locale.ROOT));
            // OpenAPI's "no auth" is the empty requirement object {}; the template's is the empty list
            Object expected = SECURITY.get(mode).isEmpty() ? Map.of() : SECURITY.get(mode).getFirst();
            assertTrue(alternatives.contains(expected), route + ": openapi.yaml security " + alternatives + " lacks " + expected);
        }

        // the security schemes the template defines are the documented ones, of the same kind
        Map<String, Object> templateSchemes = map(path(body, "components", "securitySchemes"));
        Map<String, Object> documentedSchemes = map(path(openApi, "components", "securitySchemes"));
        for (var scheme : templateSchemes.entrySet()) {
            Map<String, Object> doc = map(documentedSchemes.get(scheme.getKey()));
            assertEquals(scalar(map(scheme.getValue()).get("type")), scalar(doc.get("type")), scheme.getKey());
            assertEquals(map(scheme.getValue()).get("x-amazon-apigateway-authtype"), doc.get("x-amazon-apigateway-authtype"));
        }
        assertTrue(documentedSchemes.keySet().containsAll(templateSchemes.keySet()));

        // CORS: a browser may send every documented method and request header
        Map<String, Object> cors = map(body.get("x-amazon-apigateway-cors"));
        Set<String> allowMethods = new TreeSet<>();
        list(cors.get("allowMethods")).forEach(m -> allowMethods.add(scalar(m)));
        for (String route : documented) {
            assertTrue(allowMethods.contains(route.split(" ")[0]), "CORS allowMethods lacks " + route);
        }
        Set<String> allowHeaders = new TreeSet<>();
        list(cors.get("allowHeaders")).forEach(h -> allowHeaders.add(scalar(h).toLowerCase(Locale.ROOT)));
        for (String header : documentedRequestHeaders()) {
            assertTrue(allowHeaders.contains(header), "CORS allowHeaders lacks " + header);
        }
    }

    private static Set<String> operations(Map<String, Object> definition) {
        Set<String> routes = new TreeSet<>();
        for (var p : map(definition.get("paths")).entrySet()) {
            for (String method : map(p.getValue()).keySet()) {
                if (HTTP_METHODS.contains(method)) routes.add(method.toUpperCase(Locale.ROOT) + " " + p.getKey());
            }
        }
        return routes;
    }

    private List<Object> documentedSecurity(String route, String method) {
        Object own = path(openApi, "paths", route, method, "security");
        return own != null ? list(own) : list(openApi.get("security"));
    }

    private Set<String> documentedRequestHeaders() {
        Set<String> headers = new TreeSet<>();
        for (Object parameter : map(path(openApi, "components", "parameters")).values()) {
            if ("header".equals(scalar(map(parameter).get("in")))) headers.add(scalar(map(parameter).get("name")).toLowerCase(Locale.ROOT));
        }
        assertTrue(headers.containsAll(List.of("idempotency-key", "x-correlation-id")), headers.toString());
        return headers;
    }

    private static Map<String, Object> loadOpenApi() {
        try {
            Object doc = new Yaml(new SafeConstructor(new LoaderOptions()))
                    .load(Files.readString(CfnTemplate.repoRoot().resolve("openapi.yaml")));
            return map(doc);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
