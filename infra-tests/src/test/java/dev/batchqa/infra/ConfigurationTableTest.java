package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchqa.inference.BatchPolicy;
import dev.batchqa.local.LocalConfig;
import dev.batchqa.shared.config.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists exactly the {@code QA_*} variables the project reads: those named in the main Java
 * sources, in scripts/, template.yaml and the Dockerfile. A new variable without a row, a row left after its variable
 * went, a doc naming a variable that does not exist, or a default or range the code does not have, fails here.
 */
class ConfigurationTableTest {
  private static final Path ROOT = CfnTemplate.repoRoot();
  private static final Pattern NAME = Pattern.compile("\\bQA_[A-Z0-9_]*[A-Z0-9]\\b");
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(QA_[A-Z0-9_]+)` \\|(.*)$");
  private static final Pattern RANGE = Pattern.compile("^(\\d+)\\.\\.(\\d+)$");

  /**
   * What the code makes of each variable with a numeric or named default: the environment {@code vars} read as the
   * reading class reads them, the value rendered as the table states it.
   */
  private static final Map<String, Function<Map<String, String>, Object>> READERS = new LinkedHashMap<>();

  static {
    READERS.put("QA_TABLE_NAME", vars -> Settings.from(vars).tableName());
    READERS.put("QA_RESULT_TTL_HOURS", vars -> Settings.from(vars).resultTtl().toHours());
    READERS.put("QA_MAX_CONTEXT_CHARS", vars -> Settings.from(vars).maxContextChars());
    READERS.put("QA_MAX_QUESTION_CHARS", vars -> Settings.from(vars).maxQuestionChars());
    READERS.put("QA_MAX_BACKLOG", vars -> Settings.from(vars).maxBacklog());
    READERS.put("QA_PENDING_EXPIRY_HOURS", vars -> Settings.pendingExpiry(vars).toHours());
    READERS.put("QA_FUNCTION_TIMEOUT_SECONDS", vars -> BatchPolicy.functionTimeout(vars).toSeconds());
    READERS.put("QA_HTTP_PORT", vars -> LocalConfig.builder(vars).build().httpPort());
    READERS.put("QA_JOB_TABLE_NAME", vars -> LocalConfig.builder(vars).build().jobs().tableName());
    READERS.put("QA_JOB_BUCKET", vars -> LocalConfig.builder(vars).build().jobs().bucket());
  }

  @Test
  void everyVariableReadHasARowAndEveryRowIsRead() throws IOException {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      files.filter(ConfigurationTableTest::isSource).forEach(f -> read.addAll(names(f)));
    }
    read.addAll(names(ROOT.resolve("template.yaml")));
    read.addAll(names(ROOT.resolve("Dockerfile")));
    assertFalse(read.isEmpty());
    assertEquals(read, rows().keySet(), "docs/configuration.md rows vs QA_* names in the code");
  }

  @Test
  void theDocsNameOnlyVariablesThatExist() throws IOException {
    Set<String> table = rows().keySet();
    List<Path> docs = new java.util.ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("model/README.md"),
        ROOT.resolve("openapi.yaml")));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
    }
    try (Stream<Path> files = Files.list(ROOT.resolve("schemas"))) {
      files.forEach(docs::add);
    }
    Map<String, Set<String>> unknown = new TreeMap<>();
    for (Path doc : docs) {
      Set<String> names = names(doc);
      names.removeAll(table);
      if (!names.isEmpty()) unknown.put(ROOT.relativize(doc).toString(), names);
    }
    assertEquals(Map.of(), unknown, "variables named in the docs that nothing reads");
  }

  @Test
  void theTablesDefaultsAreTheCodes() {
    Map<String, List<String>> rows = rows();
    for (var reader : READERS.entrySet()) {
      String name = reader.getKey();
      String stated = rows.get(name).get(0);
      String actual = String.valueOf(reader.getValue().apply(Map.of()));
      assertTrue(stated.equals(actual) || stated.equals("`" + actual + "`") || stated.contains("(local runner: `" + actual + "`)"),
          name + ": the table says " + stated + ", the code " + actual);
    }
  }

  @Test
  void theTablesRangesAreTheCodesAndAValueOutsideStopsStartWithTheName() {
    Map<String, List<String>> rows = rows();
    int checked = 0;
    for (var reader : READERS.entrySet()) {
      String name = reader.getKey();
      Matcher range = RANGE.matcher(rows.get(name).get(1));
      if (!range.matches()) continue;
      long min = Long.parseLong(range.group(1));
      long max = Long.parseLong(range.group(2));
      for (long ok : new long[] {min, max}) {
        assertEquals(String.valueOf(ok), String.valueOf(reader.getValue().apply(Map.of(name, Long.toString(ok)))), name);
      }
      for (String bad : new String[] {Long.toString(min - 1), Long.toString(max + 1), "12x", "1.5"}) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> reader.getValue().apply(Map.of(name, bad)), name + "=" + bad);
        assertTrue(e.getMessage().contains(name), e.getMessage());
      }
      assertDoesNotThrow(() -> reader.getValue().apply(Map.of(name, " ")), name + ": blank is unset");
      checked++;
    }
    assertTrue(checked >= 7, "ranges checked: " + checked);
  }

  /** The table's rows: name to its cells after the name (default, range, read by, meaning). */
  private static Map<String, List<String>> rows() {
    Map<String, List<String>> rows = new TreeMap<>();
    Matcher m = ROW.matcher(read(ROOT.resolve("docs/configuration.md")));
    while (m.find()) {
      List<String> cells = Stream.of(m.group(2).split("\\|")).map(String::strip).toList();
      rows.put(m.group(1), cells);
    }
    return rows;
  }

  private static boolean isSource(Path f) {
    String p = ROOT.relativize(f).toString().replace('\\', '/');
    if (p.startsWith("node_modules/") || p.contains("/target/") || p.startsWith(".git/")) return false;
    return (p.contains("/src/main/java/") && p.endsWith(".java")) || (p.startsWith("scripts/") && Files.isRegularFile(f));
  }

  private static Set<String> names(Path file) {
    Set<String> found = new TreeSet<>();
    Matcher m = NAME.matcher(read(file));
    while (m.find()) found.add(m.group());
    return found;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
