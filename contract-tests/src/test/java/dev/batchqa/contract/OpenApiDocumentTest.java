package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** openapi.yaml itself: a valid OpenAPI document, with examples that match their own schemas. */
class OpenApiDocumentTest {
    private final Contract contract = Contract.get();

    @Test
    void parsesWithoutMessages() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readLocation(Contract.openApiPath().toUri().toString(), null, options);
        assertEquals(List.of(), result.getMessages() == null ? List.of() : result.getMessages());
        OpenAPI api = result.getOpenAPI();
        assertNotNull(api);
        assertEquals(Set.of("/qa", "/qa/batch", "/qa/{id}", "/jobs", "/jobs/uploads", "/jobs/{id}", "/jobs/{id}/results",
                "/jobs/{id}/cancel", "/jobs/{id}/retry"), api.getPaths().keySet());
        assertNotNull(api.getPaths().get("/qa").getPost());
        assertNotNull(api.getPaths().get("/qa/batch").getPost());
        assertNotNull(api.getPaths().get("/qa/{id}").getGet());
    }

    /** Each documented example body must be valid against its own response or request schema. */
    @Test
    void examplesMatchTheirSchemas() {
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = contract.openApi().path("paths").fields(); paths.hasNext(); ) {
            var path = paths.next();
            String concrete = path.getKey().replace("{id}", "224eb8a7-1385-4f9d-a8b3-944ac00c6877");
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                var op = ops.next();
                String method = op.getKey().toUpperCase();
                for (JsonNode example : op.getValue().at("/requestBody/content/application~1json/examples")) {
                    assertEquals(List.of(), contract.checkRequestBody(method, concrete, example.get("value").toString()));
                    checked++;
                }
                for (Iterator<Map.Entry<String, JsonNode>> rs = op.getValue().path("responses").fields(); rs.hasNext(); ) {
                    var response = rs.next();
                    JsonNode resolved = response.getValue();
                    if (resolved.has("$ref")) resolved = contract.openApi().at(resolved.get("$ref").textValue().substring(1));
                    for (JsonNode example : resolved.at("/content/application~1json/examples")) {
                        Map<String, String> headers = new java.util.HashMap<>(Map.of("Content-Type", "application/json"));
                        if (response.getKey().equals("202") && example.at("/value/id").isTextual()) {
                            headers.put("Location", "/qa/" + example.at("/value/id").asText()); // one question only
                        }
                        List<String> problems = contract.checkResponse(method, concrete, Integer.parseInt(response.getKey()),
                                headers, example.get("value").toString());
                        assertEquals(List.of(), problems, method + " " + path.getKey() + " " + response.getKey());
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= 15, "examples checked: " + checked);
        System.out.println("contract: " + checked + " examples in openapi.yaml match their schemas");
    }

    /** The error code enumeration names exactly the codes the ingest sources throw: a new code must be documented. */
    @Test
    void everyErrorCodeInTheSourcesIsDocumented() throws Exception {
        Set<String> documented = new TreeSet<>();
        contract.openApi().at("/components/schemas/ErrorCode/enum").forEach(n -> documented.add(n.textValue()));
        contract.openApi().at("/components/schemas/RecordErrorCode/enum").forEach(n -> documented.add(n.textValue()));
        Set<String> inSources = new TreeSet<>();
        Pattern code = Pattern.compile("\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\"");
        List<java.nio.file.Path> sources = new ArrayList<>();
        for (String dir : List.of("ingest-function/src/main/java", "shared/src/main/java/dev/batchqa/shared/message",
                "shared/src/main/java/dev/batchqa/shared/store", "inference-function/src/main/java")) {
            try (var walk = Files.walk(Contract.repoRoot().resolve(dir))) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
            }
        }
        for (var source : sources) {
            Matcher m = code.matcher(Files.readString(source));
            while (m.find()) inSources.add(m.group(1));
        }
        inSources.removeIf(c -> c.startsWith("QA_") || c.startsWith("AWS_") || c.startsWith("PYTORCH_")); // environment variable names
        inSources.remove("NO_ANSWER"); // the inference log's outcome of a DONE record without an answer, not an error
        Set<String> missing = new TreeSet<>(inSources);
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "error codes in the sources but not in openapi.yaml ErrorCode or RecordErrorCode");
    }
}
