package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the Node linters of the repository (root package.json: cfn-lint 1.9.7, dockerfile-utils
 * 0.16.3) on template.yaml and Dockerfile and prints what they say.
 *
 * <p>cfn-lint 1.9.7 (the npm package, a JavaScript linter last released in 2019) predates several
 * CloudFormation/SAM features the template must use. Its false positives are handled narrowly:
 * <ol>
 *   <li>It has no resource type AWS::Serverless::HttpApi. An unknown type makes it report the type
 *       and then corrupts its own state, so that valid {@code !Ref}s elsewhere are reported as
 *       "Intrinsic function Ref is not supported here". The full template is therefore linted and
 *       printed, and only checked to have been parsed with exactly that unknown type; the strict run
 *       lints the template without the QaHttpApi resource (which SamSchemaTest and
 *       TemplateInvariantsTest check) and without the events' ApiId that would point to it.</li>
 *   <li>In the strict run every finding must be one of {@link #KNOWN_UNSUPPORTED}: one property on
 *       one type, each newer than the linter's bundled specification, or an intrinsic function in
 *       the Rules section (Fn::*, or a Ref inside a rule function it does not know such as
 *       Fn::Contains), which the linter does not support at all. Anything else fails.</li>
 * </ol>
 */
class LintTest {

  /** "Property on Type" pairs the linter's 2019 specification lacks (all valid today). */
  static final Set<String> KNOWN_UNSUPPORTED = Set.of(
      // AWS::SQS::Queue SqsManagedSseEnabled (2021)
      "SqsManagedSseEnabled on AWS::SQS::Queue",
      // AWS::S3::Bucket OwnershipControls (2020), NotificationConfiguration EventBridgeConfiguration (2021)
      "OwnershipControls on AWS::S3::Bucket",
      "EventBridgeConfiguration on AWS::S3::Bucket.NotificationConfiguration",
      // AWS::Serverless::Function Architectures (2021), LoggingConfig (2023), SnapStart (2022),
      // PackageType/ImageUri/ImageConfig container images (2020), EphemeralStorage (2022)
      "Architectures on AWS::Serverless::Function",
      "LoggingConfig on AWS::Serverless::Function",
      "SnapStart on AWS::Serverless::Function",
      "PackageType on AWS::Serverless::Function",
      "ImageConfig on AWS::Serverless::Function",
      "EphemeralStorage on AWS::Serverless::Function",
      // HttpApi event source (2019-12): the linter validates it as an Api (REST) event
      "PayloadFormatVersion on AWS::Serverless::Function.ApiEvent",
      // SQS event source: batching window (2020), partial batch response (2021), scaling (2023)
      "MaximumBatchingWindowInSeconds on AWS::Serverless::Function.SQSEvent",
      "FunctionResponseTypes on AWS::Serverless::Function.SQSEvent",
      "ScalingConfig on AWS::Serverless::Function.SQSEvent",
      // DynamoDB stream event source (validated as a Kinesis event): batching window, retries, bisect and
      // on-failure destination (2019-11), partial batch response (2021), filter criteria (2021)
      "MaximumBatchingWindowInSeconds on AWS::Serverless::Function.KinesisEvent",
      "MaximumRetryAttempts on AWS::Serverless::Function.KinesisEvent",
      "BisectBatchOnFunctionError on AWS::Serverless::Function.KinesisEvent",
      "DestinationConfig on AWS::Serverless::Function.KinesisEvent",
      "FunctionResponseTypes on AWS::Serverless::Function.KinesisEvent",
      "FilterCriteria on AWS::Serverless::Function.KinesisEvent");

  static final Pattern FINDING = Pattern.compile("Resource: (.*)\\R+Message: (.*)");
  static final Pattern NOT_A_PROPERTY = Pattern.compile("(\\w+) is not a valid property of ([\\w:.]+)");
  static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  final Path root = CfnTemplate.repoRoot();

  @Test
  void dockerfileUtilsReportsNothing() throws Exception {
    Result r = run(tool("dockerfile-utils"), "lint", root.resolve("Dockerfile").toString());
    System.out.println("dockerfile-utils lint Dockerfile (exit " + r.exit + "):\n" + r.output);
    assertEquals(0, r.exit, "dockerfile-utils exit code");
    assertEquals("", r.output.strip(), "dockerfile-utils reported warnings or errors");
  }

  @Test
  void cfnLintParsesTheFullTemplateAndOnlyLacksTheHttpApiType() throws Exception {
    Result r = run(tool("cfn-lint"), "validate", root.resolve("template.yaml").toString());
    System.out.println("cfn-lint validate template.yaml (exit " + r.exit + "), printed for the record;"
        + " see the lint view run for the strict check:\n" + r.output);
    assertTrue(r.output.contains(" crit"), "cfn-lint printed no summary: it did not parse the template");
    List<String[]> findings = findings(r.output);
    List<String> unknownTypes = new ArrayList<>();
    for (String[] f : findings) {
      if (f[1].contains("has an invalid Type")) {
        unknownTypes.add(f[1]);
      }
    }
    assertEquals(List.of("Resource QaHttpApi has an invalid Type of AWS::Serverless::HttpApi.",
            "Resource CompletionEventBus has an invalid Type of AWS::Events::EventBus."),
        unknownTypes, "the only resource types unknown to cfn-lint 1.9.7 should be the HTTP API and the event bus");
  }

  @Test
  void cfnLintFindsNothingButKnownFalsePositivesInTheLintView() throws Exception {
    Map<String, Object> view = lintView();
    Path file = Path.of("target", "cfn-lint", "template-lint-view.json").toAbsolutePath();
    Files.createDirectories(file.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), view);

    Result r = run(tool("cfn-lint"), "validate", file.toString());
    System.out.println("cfn-lint validate " + file + " (exit " + r.exit + "):\n" + r.output);
    List<String> unexplained = new ArrayList<>();
    int known = 0;
    for (String[] f : findings(r.output)) {
      Matcher m = NOT_A_PROPERTY.matcher(f[1]);
      if (m.matches() && KNOWN_UNSUPPORTED.contains(m.group(1) + " on " + m.group(2))) {
        known++;
      } else if (f[0].startsWith("Rules > ")
          && f[1].matches("Intrinsic function (Fn::\\w+|Ref) is not supported here")) {
        known++;
      } else {
        unexplained.add(f[0] + ": " + f[1]);
      }
    }
    System.out.println("cfn-lint: " + known + " known false positive(s), " + unexplained.size() + " other finding(s)");
    assertTrue(r.output.contains(" crit"), "cfn-lint printed no summary");
    assertEquals(List.of(), unexplained, "cfn-lint findings that are not known false positives");
    assertTrue(r.exit == 0 || known > 0, "cfn-lint failed without reporting a finding");
  }

  /** The template without the AWS::Serverless::HttpApi resource (unknown to cfn-lint 1.9.7). */
  Map<String, Object> lintView() {
    CfnTemplate t = CfnTemplate.load(root.resolve("template.yaml"));
    Map<String, Object> view = new LinkedHashMap<>(t.root());
    Map<String, Object> resources = new LinkedHashMap<>(t.section("Resources"));
    List<String> httpApis = t.resourcesOfType("AWS::Serverless::HttpApi");
    httpApis.forEach(resources::remove);
    // AWS::Events::EventBus is unknown to it as well (same corruption): dropped, references become strings
    List<String> buses = t.resourcesOfType("AWS::Events::EventBus");
    buses.forEach(resources::remove);
    List<String> unknown = new ArrayList<>(httpApis);
    unknown.addAll(buses);
    view.put("Resources", resources);
    // the HttpApi events' ApiId would now dangle ("Referenced value ... does not exist"): drop it
    for (String fn : t.resourcesOfType("AWS::Serverless::Function")) {
      Map<String, Object> fnCopy = deepCopy(t.resource(fn));
      CfnTemplate.map(CfnTemplate.path(fnCopy, "Properties", "Events")).values().forEach(ev -> {
        Map<String, Object> props = CfnTemplate.map(CfnTemplate.map(ev).get("Properties"));
        if ("HttpApi".equals(CfnTemplate.map(ev).get("Type"))
            && httpApis.contains(String.valueOf(CfnTemplate.map(props.get("ApiId")).get("Ref")))) {
          props.remove("ApiId");
        }
      });
      resources.put(fn, withoutRefsTo(fnCopy, buses));
    }
    // other references to the HTTP API (the API 5xx alarm's ApiId dimension) become a plain string
    for (String id : List.copyOf(resources.keySet())) {
      if (!t.resourcesOfType("AWS::Serverless::Function").contains(id)) {
        resources.put(id, withoutRefsTo(deepCopy(t.resource(id)), unknown));
      }
    }
    Map<String, Object> outputs = new LinkedHashMap<>(t.section("Outputs"));
    outputs.entrySet().removeIf(e -> unknown.stream().anyMatch(id -> e.getValue().toString().contains(id)));
    view.put("Outputs", outputs);
    return view;
  }

  /**
   * {@code node} with every {@code {"Ref": id}} and {@code {"Fn::GetAtt": [id, ...]}} of one of {@code ids}
   * replaced by the string "id-removed".
   */
  @SuppressWarnings("unchecked")
  static <T> T withoutRefsTo(T node, List<String> ids) {
    if (node instanceof Map<?, ?> m) {
      if (m.size() == 1 && m.get("Ref") instanceof String ref && ids.contains(ref)) {
        return (T) (ref + "-removed");
      }
      if (m.size() == 1 && m.get("Fn::GetAtt") instanceof List<?> att && !att.isEmpty()
          && ids.contains(String.valueOf(att.get(0)))) {
        return (T) (att.get(0) + "-removed");
      }
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), withoutRefsTo(v, ids)));
      return (T) out;
    }
    if (node instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(withoutRefsTo(v, ids)));
      return (T) out;
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> m) {
    ObjectMapper json = new ObjectMapper();
    return json.convertValue(json.valueToTree(m), LinkedHashMap.class);
  }

  // ------------------------------------------------------------------ process helpers

  record Result(int exit, String output) {}

  Path tool(String name) {
    Path bin = root.resolve("node_modules").resolve(".bin").resolve(name);
    assertTrue(Files.isExecutable(bin), bin + " missing: run `npm ci` in the repository root"
        + " (the root Maven build does it when node_modules is missing)");
    return bin;
  }

  Result run(Path tool, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(tool.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
    pb.environment().put("NO_COLOR", "1");
    pb.environment().put("FORCE_COLOR", "0");
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), tool + " did not finish");
    return new Result(p.exitValue(), ANSI.matcher(new String(out, StandardCharsets.UTF_8)).replaceAll(""));
  }

  static List<String[]> findings(String output) {
    List<String[]> out = new ArrayList<>();
    Matcher m = FINDING.matcher(output);
    while (m.find()) {
      out.add(new String[] {m.group(1).strip(), m.group(2).strip()});
    }
    return out;
  }
}
