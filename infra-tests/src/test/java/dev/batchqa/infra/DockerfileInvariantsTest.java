package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the inference image must contain, read from the Dockerfile and .dockerignore. */
class DockerfileInvariantsTest {

  static String dockerfile;
  static List<String> instructions;
  static final Path ROOT = CfnTemplate.repoRoot();

  @BeforeAll
  static void load() throws Exception {
    dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    // join continuation lines, drop comments
    instructions = new ArrayList<>();
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
      cur.append(l);
      if (!cur.isEmpty()) {
        instructions.add(cur.toString().strip());
      }
      cur.setLength(0);
    }
  }

  @Test
  void multiStageBuildOnTheLambdaJava21Image() {
    List<String> froms = instructions.stream().filter(i -> i.startsWith("FROM ")).toList();
    assertEquals(2, froms.size(), froms.toString());
    assertTrue(froms.get(0).matches("FROM maven:3\\.9-eclipse-temurin-21 AS build"), froms.get(0));
    assertEquals("FROM public.ecr.aws/lambda/java:21", froms.get(1));
    assertEquals("CMD [\"dev.batchqa.inference.InferenceHandler::handleRequest\"]",
        instructions.get(instructions.size() - 1));
  }

  @Test
  void libtorchIsBakedInAndFoundThroughTheDjlVariables() {
    String env = finalStage();
    assertTrue(env.contains("PYTORCH_LIBRARY_PATH=/opt/libtorch"), "PYTORCH_LIBRARY_PATH");
    assertTrue(env.contains("PYTORCH_FLAVOR=cpu"), "PYTORCH_FLAVOR");
    assertTrue(env.contains("DJL_OFFLINE=true"), "DJL_OFFLINE");
    assertTrue(env.contains("DJL_CACHE_DIR=/tmp/djl"), "DJL_CACHE_DIR");
    assertTrue(env.contains("QA_MODEL_DIR=/opt/model"), "QA_MODEL_DIR");
    assertTrue(env.contains("COPY --from=build /opt/libtorch /opt/libtorch"));
    // same libtorch version as the Maven build resolves
    Matcher m = Pattern.compile("PYTORCH_VERSION=([0-9.]+)").matcher(env);
    assertTrue(m.find(), "PYTORCH_VERSION");
    String pomVersion = System.getProperty("pytorch.native.version");
    assumeTrue(pomVersion != null, "pytorch.native.version not passed by surefire");
    assertEquals(pomVersion, m.group(1), "PYTORCH_VERSION vs root pom pytorch.native.version");
    // the ~450 MB jar stays off the classpath that the image copies
    assertTrue(assembleScript().contains("[ \"$jar\" = \"$native_jar\" ] || cp"));
  }

  @Test
  void mallocKeepsBigPassBuffersInsteadOfRefaultingThem() {
    // without these, every forward pass over ~32 MiB of attention tensors page-faults them in again (PassProbe)
    String env = finalStage();
    assertTrue(env.contains("MALLOC_MMAP_THRESHOLD_=1000000000"), "MALLOC_MMAP_THRESHOLD_");
    assertTrue(env.contains("MALLOC_TRIM_THRESHOLD_=1000000000"), "MALLOC_TRIM_THRESHOLD_");
  }

  @Test
  void modelIsBakedInFromTheExporterOutput() {
    assertTrue(instructions.contains("ARG MODEL_DIR=model/build/qa-variants"));
    assertTrue(instructions.contains("COPY ${MODEL_DIR}/ /opt/model/"));
    String ignore = readDockerignore();
    // an allow-list (DockerBuildRehearsalTest computes the context it makes)
    assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("*/*")), ".dockerignore is an allow-list");
    assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("*.*")), ".dockerignore is an allow-list");
    assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("!model/build/")), "model output in context");
    assertFalse(ignore.contains("!node_modules"), "node_modules stays out of the context");
  }

  /** The Dockerfile's RUN step relies on this layout of the pytorch-native-cpu jar. */
  @Test
  void pytorchNativeJarHasTheLayoutTheDockerfileUnpacks() throws Exception {
    String repo = System.getProperty("maven.repo.local.path");
    String version = System.getProperty("pytorch.native.version");
    assumeTrue(repo != null && version != null, "local Maven repository not passed by surefire");
    Path jar = Path.of(repo, "ai", "djl", "pytorch", "pytorch-native-cpu", version,
        "pytorch-native-cpu-" + version + "-linux-x86_64.jar");
    assumeTrue(Files.isRegularFile(jar), "not in the local repository (built by inference-function): " + jar);
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (String lib : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) {
        assertNotNull(zip.getEntry("pytorch/cpu/linux-x86_64/" + lib), lib);
      }
      Properties props = new Properties();
      try (InputStream in = zip.getInputStream(zip.getEntry("native/lib/pytorch.properties"))) {
        props.load(in);
      }
      assertTrue(props.getProperty("version").startsWith(version + "-"), props.toString());
      assertEquals("cpu", props.getProperty("flavor"));
    }
    String script = assembleScript();
    assertTrue(script.contains("mv \"$unpacked\"/pytorch/cpu/linux-x86_64/* \"$root/opt/libtorch/\""));
    assertTrue(script.contains("expected_version=" + version + "\n"), "assemble-runtime.sh expected_version");
    assertTrue(script.contains("grep -q \"^version=$expected_version\" \"$unpacked/native/lib/pytorch.properties\""));
  }

  /** The build stage's layout script (libtorch + task jars). */
  static String assembleScript() {
    assertTrue(dockerfile.contains("RUN sh docker/assemble-runtime.sh inference-function/target /"));
    try {
      return Files.readString(ROOT.resolve("docker/assemble-runtime.sh"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String finalStage() {
    int i = dockerfile.indexOf("FROM public.ecr.aws/lambda/java:21");
    assertTrue(i > 0);
    return dockerfile.substring(i);
  }

  static String readDockerignore() {
    try {
      return Files.readString(ROOT.resolve(".dockerignore"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
