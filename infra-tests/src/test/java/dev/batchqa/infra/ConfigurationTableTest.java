package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists exactly the {@code QA_*} variables the project reads: those named in the main Java
 * sources, in scripts/ and in template.yaml. A new variable without a row, or a row left after its variable went,
 * fails here.
 */
class ConfigurationTableTest {
  private static final Path ROOT = CfnTemplate.repoRoot();
  private static final Pattern NAME = Pattern.compile("\\bQA_[A-Z0-9_]*[A-Z0-9]\\b");
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(QA_[A-Z0-9_]+)` \\|");

  @Test
  void everyVariableReadHasARowAndEveryRowIsRead() throws IOException {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      files.filter(ConfigurationTableTest::isSource).forEach(f -> read.addAll(names(f, NAME, 0)));
    }
    read.addAll(names(ROOT.resolve("template.yaml"), NAME, 0));
    Set<String> table = names(ROOT.resolve("docs/configuration.md"), ROW, 1);
    assertFalse(read.isEmpty());
    assertEquals(read, table, "docs/configuration.md rows vs QA_* names in the code");
  }

  private static boolean isSource(Path f) {
    String p = ROOT.relativize(f).toString().replace('\\', '/');
    if (p.startsWith("node_modules/") || p.contains("/target/") || p.startsWith(".git/")) return false;
    return (p.contains("/src/main/java/") && p.endsWith(".java")) || (p.startsWith("scripts/") && Files.isRegularFile(f));
  }

  private static Set<String> names(Path file, Pattern pattern, int group) {
    Set<String> found = new TreeSet<>();
    try {
      Matcher m = pattern.matcher(Files.readString(file));
      while (m.find()) found.add(m.group(group));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }
}
