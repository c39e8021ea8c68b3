package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.batchqa.infra.DockerIgnore.Matching;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.w3c.dom.NodeList;

/**
 * The inference image build, replayed without a Docker engine: the context as .dockerignore lets it
 * in, the build stage's COPY and RUN instructions (its Maven command offline, against the local
 * repository, with the JDK running this test), then the runtime stage's COPY instructions into a
 * second root, whose layout is checked. Takes ~30-60 s (the Maven build of shared +
 * inference-function); needs the local repository filled by a normal build.
 *
 * <p>Only the instructions the Dockerfile uses are understood; anything else fails the test, so
 * that a new instruction is taught here rather than silently skipped.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerBuildRehearsalTest {

  static final Path ROOT = CfnTemplate.repoRoot();
  /** The java:21 base image's ENV (AWS: "LAMBDA_TASK_ROOT ... /var/task"). */
  static final Map<String, String> LAMBDA_BASE_ENV = Map.of("LAMBDA_TASK_ROOT", "/var/task",
      "LAMBDA_RUNTIME_DIR", "/var/runtime");

  record Instruction(String keyword, String args) {}

  record Stage(String from, String name, List<Instruction> instructions) {}

  static Path work;
  static Path context;
  static Path buildRoot;
  static Path runtimeRoot;
  static TreeSet<String> contextFiles;
  static List<Stage> stages;
  static String modelStandIn;

  @BeforeAll
  static void assembleContext() throws Exception {
    work = Files.createTempDirectory("docker-build-rehearsal");
    stages = parse(Files.readString(ROOT.resolve("Dockerfile")));
    DockerIgnore ignore = DockerIgnore.read(ROOT.resolve(".dockerignore"));
    contextFiles = ignore.context(ROOT, Matching.MODERN);
    assertEquals(contextFiles, ignore.context(ROOT, Matching.LEGACY),
        "the Docker CLI and docker-py (sam build) would send different contexts");
    context = Files.createDirectories(work.resolve("context"));
    for (String f : contextFiles) {
      Path to = context.resolve(f);
      Files.createDirectories(to.getParent());
      Files.copy(ROOT.resolve(f), to);
    }
    // The exporter's output (git-ignored, ~100 MB) is usually absent here: the committed fixture
    // model stands in for it at the default MODEL_DIR, which .dockerignore must let in.
    String modelDir = args(stages.get(stages.size() - 1)).getOrDefault("MODEL_DIR", "");
    assertFalse(modelDir.isEmpty(), "runtime stage: ARG MODEL_DIR=<default>");
    Path model = context.resolve(modelDir);
    if (!Files.isDirectory(model)) {
      String probe = modelDir + "/model.pt";
      assertFalse(ignore.excluded(probe, Matching.MODERN), ".dockerignore keeps out " + probe);
      copyTree(ROOT.resolve("model/fixtures/tiny-qa"), model);
      modelStandIn = "model/fixtures/tiny-qa as " + modelDir;
    }
    buildRoot = Files.createDirectories(work.resolve("build-root"));
    runtimeRoot = Files.createDirectories(work.resolve("runtime-root"));
  }

  @AfterAll
  static void cleanUp() throws IOException {
    if (work != null && !Boolean.getBoolean("rehearsal.keep")) {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void contextHoldsExactlyTheReactorsPomsAndNoBuildOutput() throws Exception {
    TreeSet<String> poms = new TreeSet<>();
    contextFiles.stream().filter(f -> f.equals("pom.xml") || f.endsWith("/pom.xml")).forEach(poms::add);
    assertEquals(reactorPoms(""), poms, "module poms in the build context vs the reactor (pom.xml <modules>)");
    for (String f : contextFiles) {
      assertFalse(f.matches("(.*/)?(target|node_modules|\\.git)/.*"), "build output or tooling in the context: " + f);
    }
    System.out.println("build context: " + contextFiles.size() + " files"
        + (modelStandIn != null ? " (+ " + modelStandIn + ")" : ""));
  }

  @Test
  @Order(2)
  void buildStageBuildsOfflineFromWhatItCopies() throws Exception {
    Stage build = stages.get(0);
    assertEquals(2, stages.size(), "two stages: build + runtime");
    String workdir = "/";
    for (Instruction i : build.instructions()) {
      switch (i.keyword()) {
        case "WORKDIR" -> workdir = Path.of(workdir).resolve(i.args()).normalize().toString();
        case "COPY" -> copy(i.args(), workdir, Map.of(), buildRoot, null);
        case "RUN" -> run(i.args(), buildRoot.resolve(workdir.substring(1)));
        default -> fail("build stage: " + i.keyword() + " is not replayed; teach DockerBuildRehearsalTest");
      }
    }
    // what the build stage copied holds the same poms as the context: COPY . took them all
    TreeSet<String> copiedPoms = new TreeSet<>();
    Path src = buildRoot.resolve(workdir.substring(1));
    try (Stream<Path> s = Files.walk(src)) {
      s.filter(p -> p.getFileName().toString().equals("pom.xml") && !src.relativize(p).toString().contains("target/"))
          .forEach(p -> copiedPoms.add(src.relativize(p).toString()));
    }
    assertEquals(reactorPoms(""), copiedPoms, "poms the build stage copied vs the reactor");
  }

  @Test
  @Order(3)
  void runtimeStageHasLibtorchTheJarsAndTheModel() throws Exception {
    Stage runtime = stages.get(stages.size() - 1);
    assertEquals("public.ecr.aws/lambda/java:21", runtime.from());
    Map<String, String> vars = new LinkedHashMap<>(LAMBDA_BASE_ENV);
    for (Instruction i : runtime.instructions()) {
      switch (i.keyword()) {
        case "ARG" -> {
          String[] kv = i.args().split("=", 2);
          vars.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        case "ENV" -> {
          Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(i.args());
          while (m.find()) {
            vars.put(m.group(1), m.group(2));
          }
        }
        case "COPY" -> copy(i.args(), "/", vars, runtimeRoot, buildRoot);
        case "CMD" -> { }
        default -> fail("runtime stage: " + i.keyword() + " is not replayed; teach DockerBuildRehearsalTest");
      }
    }
    Path libtorch = runtimeRoot.resolve(vars.get("PYTORCH_LIBRARY_PATH").substring(1));
    for (String lib : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) {
      assertTrue(Files.isRegularFile(libtorch.resolve(lib)), lib + " in " + vars.get("PYTORCH_LIBRARY_PATH"));
    }
    Path lib = runtimeRoot.resolve("var/task/lib");
    List<String> jars = list(lib);
    System.out.println("/var/task/lib: " + jars);
    assertEquals(1, jars.stream().filter(j -> j.matches("inference-function-.*\\.jar")).count(), jars.toString());
    assertTrue(jars.stream().anyMatch(j -> j.matches("shared-.*\\.jar")), jars.toString());
    assertTrue(jars.stream().anyMatch(j -> j.matches("pytorch-engine-.*\\.jar")), jars.toString());
    assertTrue(jars.stream().anyMatch(j -> j.matches("pytorch-jni-.*\\.jar")), jars.toString());
    assertTrue(jars.stream().noneMatch(j -> j.startsWith("pytorch-native-cpu")), "the ~450 MB jar stays out: " + jars);
    assertTrue(jars.stream().noneMatch(j -> j.endsWith("-tests.jar") || j.endsWith("-sources.jar")), jars.toString());
    Path model = runtimeRoot.resolve(vars.get("QA_MODEL_DIR").substring(1));
    for (String f : List.of("model.pt", "tokenizer.json", "config.json")) {
      assertTrue(Files.isRegularFile(model.resolve(f)), f + " in " + vars.get("QA_MODEL_DIR"));
    }
  }

  /** CMD's handler and every ImageConfig.Command of the template's image functions are in the jars. */
  @Test
  @Order(4)
  void everyHandlerOfTheImageIsOnItsClasspath() throws Exception {
    List<String> handlers = new ArrayList<>();
    Stage runtime = stages.get(stages.size() - 1);
    Instruction cmd = runtime.instructions().get(runtime.instructions().size() - 1);
    assertEquals("CMD", cmd.keyword());
    Matcher m = Pattern.compile("\\[\"([^\"]+)\"]").matcher(cmd.args());
    assertTrue(m.matches(), cmd.args());
    handlers.add(m.group(1));
    CfnTemplate t = CfnTemplate.load(ROOT.resolve("template.yaml"));
    for (String fn : t.resourcesOfType("AWS::Serverless::Function")) {
      Object command = CfnTemplate.path(t.properties(fn), "ImageConfig", "Command");
      if (command != null) {
        handlers.add(String.valueOf(CfnTemplate.list(command).get(0)));
      }
    }
    // the image serves the inference function alone: the dead-letter handler went to the ingest zip
    assertEquals(List.of("dev.batchqa.inference.InferenceHandler::handleRequest"), handlers);
    Path lib = runtimeRoot.resolve("var/task/lib");
    assertFalse(list(lib).isEmpty(), "runtime layout not replayed");
    for (String handler : handlers) {
      String entry = handler.replaceFirst("::.*", "").replace('.', '/') + ".class";
      boolean found = false;
      for (String jar : list(lib)) {
        try (ZipFile zip = new ZipFile(lib.resolve(jar).toFile())) {
          found |= zip.getEntry(entry) != null;
        }
      }
      assertTrue(found, handler + ": " + entry + " in none of /var/task/lib/*.jar");
    }
  }

  // ------------------------------------------------------------------ replay

  /** COPY [--from=stage] src... dest: a directory's contents, or a file, as Docker copies them. */
  static void copy(String args, String workdir, Map<String, String> vars, Path stageRoot, Path fromRoot)
      throws IOException {
    List<String> words = new ArrayList<>(List.of(substitute(args, vars).trim().split("\\s+")));
    Path sourceBase = context;
    if (words.get(0).startsWith("--from=")) {
      assertEquals("--from=build", words.remove(0), "only --from=build is replayed");
      assertNotNull(fromRoot, "COPY --from in the first stage");
      sourceBase = fromRoot;
    }
    assertFalse(words.get(0).startsWith("--"), "COPY flag not replayed: " + args);
    assertTrue(words.size() >= 2, "COPY needs sources and a destination: " + args);
    String dest = words.remove(words.size() - 1);
    Path destPath = stageRoot.resolve(Path.of(workdir).resolve(dest).normalize().toString().substring(1));
    for (String src : words) {
      assertFalse(src.matches(".*[*?\\[].*"), "COPY wildcards are not replayed: " + src);
      String rel = src.startsWith("/") ? src.substring(1) : src;
      Path from = sourceBase.resolve(rel.isEmpty() ? "." : rel).normalize();
      assertTrue(Files.exists(from), "COPY source missing ("
          + (sourceBase == context ? "not in the build context" : "not made by the build stage") + "): " + src);
      if (Files.isDirectory(from)) {
        copyTree(from, destPath);
      } else {
        Path to = dest.endsWith("/") || words.size() > 1 ? destPath.resolve(from.getFileName()) : destPath;
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  static final Pattern ASSEMBLE = Pattern.compile("(sh )?docker/assemble-runtime\\.sh (\\S+) /");

  /** The build stage's two kinds of RUN: the Maven build (offline here) and the layout script. */
  static void run(String command, Path cwd) throws Exception {
    List<String> cmd;
    Matcher assemble = ASSEMBLE.matcher(command);
    if (command.startsWith("mvn ")) {
      String repo = System.getProperty("maven.repo.local.path");
      String offline = "mvn -o" + (repo != null ? " -Dmaven.repo.local='" + repo + "'" : "") + " ";
      cmd = List.of("sh", "-c", offline + command.substring(4));
    } else if (assemble.matches()) {
      cmd = List.of("sh", "docker/assemble-runtime.sh", assemble.group(2), buildRoot.toString());
    } else {
      throw new AssertionError("build stage: RUN " + command + " is not replayed; teach DockerBuildRehearsalTest");
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
    Path javaHome = Path.of(System.getProperty("java.home"));
    pb.environment().put("JAVA_HOME", javaHome.toString());
    pb.environment().put("PATH", javaHome.resolve("bin") + ":" + System.getenv("PATH"));
    Path log = work.resolve("run-" + System.nanoTime() + ".log");
    pb.redirectOutput(log.toFile());
    long t0 = System.nanoTime();
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(600, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("RUN " + command + " did not finish in 600 s");
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    System.out.printf("RUN %s (exit %d, %.1f s)%n", command, p.exitValue(), (System.nanoTime() - t0) / 1e9);
    if (p.exitValue() != 0) {
      System.out.println(out);
      String tail = out.length() > 4000 ? out.substring(out.length() - 4000) : out;
      fail("RUN " + command + " failed (exit " + p.exitValue() + "):\n" + tail);
    }
  }

  static String substitute(String s, Map<String, String> vars) {
    Matcher m = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)").matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      assertTrue(vars.containsKey(name), "undefined variable in " + s + ": " + name);
      m.appendReplacement(out, Matcher.quoteReplacement(vars.get(name)));
    }
    return m.appendTail(out).toString();
  }

  /** Instructions by stage; continuation lines joined, comments dropped. */
  static List<Stage> parse(String dockerfile) {
    List<Stage> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : dockerfile.split("\\R")) {
      String l = line.strip();
      if (l.startsWith("#") || (l.isEmpty() && cur.isEmpty())) {
        continue;
      }
      if (l.endsWith("\\")) {
        cur.append(l, 0, l.length() - 1).append(' ');
        continue;
      }
      String instruction = cur.append(l).toString().strip();
      cur.setLength(0);
      String[] kw = instruction.split("\\s+", 2);
      String keyword = kw[0].toUpperCase();
      String rest = kw.length > 1 ? kw[1].strip() : "";
      if (keyword.equals("FROM")) {
        String[] f = rest.split("\\s+");
        out.add(new Stage(f[0], f.length == 3 ? f[2] : null, new ArrayList<>()));
      } else {
        assertFalse(out.isEmpty(), "instruction before FROM: " + instruction);
        out.get(out.size() - 1).instructions().add(new Instruction(keyword, rest));
      }
    }
    return out;
  }

  static Map<String, String> args(Stage stage) {
    Map<String, String> out = new LinkedHashMap<>();
    stage.instructions().stream().filter(i -> i.keyword().equals("ARG")).forEach(i -> {
      String[] kv = i.args().split("=", 2);
      out.put(kv[0], kv.length > 1 ? kv[1] : "");
    });
    return out;
  }

  /** pom.xml of the aggregator at {@code dir} and of its modules, recursively (relative paths). */
  static TreeSet<String> reactorPoms(String dir) throws Exception {
    TreeSet<String> out = new TreeSet<>();
    String pom = dir.isEmpty() ? "pom.xml" : dir + "/pom.xml";
    out.add(pom);
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve(pom).toFile());
    NodeList modules = doc.getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().strip();
      out.addAll(reactorPoms(DockerIgnore.clean(dir.isEmpty() ? module : dir + "/" + module)));
    }
    return out;
  }

  static List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
