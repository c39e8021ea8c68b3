package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Validates template.yaml (short tags mapped to their JSON forms) against the AWS SAM JSON schema
 * (draft-04). The schema is not part of the repository: its path comes from SAM_SCHEMA_PATH.
 */
class SamSchemaTest {

  static final String NOT_SET = "SAM_SCHEMA_PATH not set: schema validation not run";
  static final ObjectMapper JSON = new ObjectMapper();
  static JsonSchema schema;
  static JsonNode template;

  @BeforeAll
  static void load() throws Exception {
    String schemaPath = System.getenv("SAM_SCHEMA_PATH");
    if (schemaPath == null || schemaPath.isBlank()) {
      System.out.println(NOT_SET);
      return; // each test reports itself as skipped with NOT_SET
    }
    Path p = Path.of(schemaPath);
    assertTrue(Files.isRegularFile(p), "SAM_SCHEMA_PATH does not name a file: " + p);
    JsonNode schemaNode = JSON.readTree(p.toFile());
    schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schemaNode);
    template = JSON.valueToTree(
        CfnTemplate.load(CfnTemplate.repoRoot().resolve("template.yaml")).root());
  }

  @Test
  void templateIsValidAgainstTheSamSchema() {
    assumeTrue(schema != null, NOT_SET);
    Set<ValidationMessage> errors = schema.validate(template);
    errors.forEach(e -> System.out.println("SAM schema: " + e));
    assertTrue(errors.isEmpty(), errors.size() + " schema violation(s), first: "
        + errors.stream().findFirst().map(Object::toString).orElse(""));
  }

  /** Guards against a vacuous pass: a misspelt SAM property must be reported. */
  @Test
  void schemaRejectsAnUnknownFunctionProperty() {
    assumeTrue(schema != null, NOT_SET);
    ObjectNode broken = template.deepCopy();
    ((ObjectNode) broken.at("/Resources/IngestFunction/Properties")).put("SnapStartt", "x");
    assertFalse(schema.validate(broken).isEmpty(), "schema did not reject an unknown property");
  }
}
