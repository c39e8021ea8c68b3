package dev.batchqa.tools.rehearsal;

import dev.batchqa.testsupport.CfnYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What template.yaml and the Dockerfile say about each function, read the way they are deployed with the
 * parameters' defaults: handler string (zip: {@code Handler}; image: {@code ImageConfig.Command}, else the
 * Dockerfile's {@code CMD}), package type and artifact, memory, timeout, environment (Globals + function, with
 * {@code !Ref}/{@code !FindInMap} resolved) and the image's {@code ENV}. The rehearsal runs what this says, so a
 * function moved from the image to a zip (or given another handler) is rehearsed as it is then deployed.
 *
 * <pre>{@code
 * DeployedFunctions t = DeployedFunctions.load(repoRoot, Map.of("QaTable", "qa", "QaQueue", queueUrl));
 * DeployedFunctions.Function f = t.function("InferenceFunction");   // f.handler(), f.image(), f.environment()
 * }</pre>
 */
final class DeployedFunctions {

  /** One function as deployed. {@code zipArtifact} is null for an image function. */
  record Function(String logicalId, String handler, boolean image, Path zipArtifact, int memoryMb,
      int timeoutSeconds, Map<String, String> environment) {

    /** JAVA_TOOL_OPTIONS from the function's environment, or the image's, or "". */
    String javaToolOptions() {
      return environment.getOrDefault("JAVA_TOOL_OPTIONS", "");
    }
  }

  private final Path root;
  private final Map<String, Object> template;
  private final Map<String, String> refs;
  private final Map<String, String> imageEnv;
  private final String imageCmd;

  private DeployedFunctions(Path root, Map<String, Object> template, Map<String, String> refs,
      Map<String, String> imageEnv, String imageCmd) {
    this.root = root;
    this.template = template;
    this.refs = refs;
    this.imageEnv = imageEnv;
    this.imageCmd = imageCmd;
  }

  /**
   * @param resources values of {@code !Ref} to resources (table name, queue URLs); parameters resolve to their
   *     defaults, pseudo parameters to the rehearsal's region and account
   */
  static DeployedFunctions load(Path root, Map<String, String> resources) throws IOException {
    Map<String, Object> t = CfnYaml.load(root.resolve("template.yaml"));
    Map<String, String> refs = new LinkedHashMap<>();
    map(t.get("Parameters")).forEach((name, p) -> {
      Object def = map(p).get("Default");
      if (def != null) {
        refs.put(name, def.toString());
      }
    });
    refs.put("AWS::Region", LambdaRehearsal.REGION);
    refs.put("AWS::AccountId", LambdaRehearsal.ACCOUNT);
    refs.put("AWS::StackName", "rehearsal");
    refs.putAll(resources);
    List<String> dockerfile = Files.readAllLines(root.resolve("Dockerfile"));
    return new DeployedFunctions(root, t, refs, imageEnv(dockerfile), imageCmd(dockerfile));
  }

  /** Messages per inference invocation: the SQS event source's batch size with the template's defaults. */
  int queueBatchSize() {
    return Integer.parseInt(refs.get("QueueBatchSize"));
  }

  /** The handler the Dockerfile's runtime stage starts (its {@code CMD}). */
  String imageCmd() {
    return imageCmd;
  }

  Function function(String logicalId) {
    Map<String, Object> resource = map(map(template.get("Resources")).get(logicalId));
    if (!"AWS::Serverless::Function".equals(resource.get("Type"))) {
      throw new IllegalArgumentException(logicalId + " is not an AWS::Serverless::Function in template.yaml");
    }
    Map<String, Object> props = map(resource.get("Properties"));
    boolean image = "Image".equals(props.get("PackageType"));
    String handler;
    Path zip = null;
    Map<String, String> env = new LinkedHashMap<>();
    if (image) {
      List<?> command = (List<?>) map(props.get("ImageConfig")).get("Command");
      handler = command == null || command.isEmpty() ? imageCmd : command.get(0).toString();
      env.putAll(imageEnv);
    } else {
      handler = (String) props.get("Handler");
      zip = root.resolve(resolve(props.get("CodeUri")));
    }
    Map<String, Object> globals = map(map(map(template.get("Globals")).get("Function")).get("Environment"));
    for (Map<String, Object> vars : List.of(map(globals.get("Variables")),
        map(map(props.get("Environment")).get("Variables")))) {
      vars.forEach((k, v) -> env.put(k, resolve(v)));
    }
    return new Function(logicalId, handler, image, zip, Integer.parseInt(resolve(props.get("MemorySize"))),
        Integer.parseInt(resolve(props.get("Timeout"))), env);
  }

  /** A scalar, {@code Ref} or {@code Fn::FindInMap}; anything else is a template the rehearsal cannot run. */
  private String resolve(Object value) {
    if (value instanceof Map<?, ?> m && m.size() == 1) {
      Map.Entry<?, ?> e = m.entrySet().iterator().next();
      if (e.getKey().equals("Ref")) {
        String v = refs.get(e.getValue().toString());
        if (v == null) {
          throw new IllegalStateException("the rehearsal has no value for !Ref " + e.getValue());
        }
        return v;
      }
      if (e.getKey().equals("Fn::FindInMap")) {
        List<?> args = (List<?>) e.getValue();
        Object v = map(map(map(template.get("Mappings")).get(resolve(args.get(0)))).get(resolve(args.get(1))))
            .get(resolve(args.get(2)));
        return resolve(v);
      }
      throw new IllegalStateException("the rehearsal cannot evaluate " + m);
    }
    if (value == null) {
      throw new IllegalStateException("missing value in template.yaml");
    }
    return value.toString();
  }

  /** ENV of the last stage (the runtime image), continuation lines joined; values without quotes. */
  static Map<String, String> imageEnv(List<String> dockerfile) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String instruction : runtimeStage(dockerfile)) {
      if (instruction.startsWith("ENV ")) {
        for (String pair : instruction.substring(4).trim().split("\\s+")) {
          int eq = pair.indexOf('=');
          env.put(pair.substring(0, eq), pair.substring(eq + 1).replace("\"", ""));
        }
      }
    }
    return env;
  }

  /** The handler of the runtime stage's exec-form {@code CMD ["handler"]}. */
  static String imageCmd(List<String> dockerfile) {
    String cmd = null;
    for (String instruction : runtimeStage(dockerfile)) {
      if (instruction.startsWith("CMD ")) {
        cmd = instruction.substring(4).trim().replaceAll("^\\[\\s*\"|\"\\s*]$", "");
      }
    }
    if (cmd == null) {
      throw new IllegalStateException("the Dockerfile's runtime stage has no CMD");
    }
    return cmd;
  }

  private static List<String> runtimeStage(List<String> lines) {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String t = line.strip();
      if (current.isEmpty() && (t.isEmpty() || t.startsWith("#"))) {
        continue;
      }
      if (t.endsWith("\\")) {
        current.append(t, 0, t.length() - 1).append(' ');
        continue;
      }
      current.append(t);
      if (current.toString().startsWith("FROM ")) {
        instructions.clear();
      }
      instructions.add(current.toString());
      current.setLength(0);
    }
    return instructions;
  }

  private static Map<String, Object> map(Object o) {
    return CfnYaml.map(o);
  }
}
