package dev.batchqa.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.batchqa.infra.DockerIgnore.Matching;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link DockerIgnore} against cases of moby/patternmatcher's own tests and the walk's rule. */
class DockerIgnoreTest {

  /** patternmatcher_test.go TestMatches/MatchesOrParentMatches (one pattern, path cleaned). */
  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource(delimiter = ' ', value = {
      "** file true", "**/ dir/file true", "dir/** dir/dir2/file true", "**/dir dir/file true",
      "**/dir2/* dir/dir2/file true", "**file dir/dir/file true", "**/file*.txt dir/dir/file.txt true",
      "**/**/*.txt2 dir/dir/file.txt false", "**/*.txt file.txt true", "a**/*.txt a/dir/file.txt true",
      "a/*.txt a/dir/file.txt false", "a/*.txt a/file.txt true", "a[b-d]e ace true", "a[b-d]e aae false",
      ".* .foo true", ".* foo false", "abc.def abcZdef false", "abc?def abcZdef true",
      "**/foo/bar dir/dir2/foo/bar true", "abc/** abc false", "abc/** abc/def/ghi true",
      "**/.foo .foo true", "**/.foo bar.foo false", "a(b)c/def a(b)c/def true", "docs/ docs/README.md true",
      "*/* shared/pom.xml true", "*.* .git true", "*.* shared false",
      "model/build/**/*.onnx model/build/m/x.onnx true", "model/build/**/.cache model/build/a/b/.cache/f true"})
  void matchesLikePatternmatcher(String pattern, String path, boolean expected) {
    DockerIgnore di = DockerIgnore.parse(pattern);
    String file = DockerIgnore.clean(path);
    assertEquals(expected, di.excluded(file, Matching.MODERN));
  }

  @Test
  void laterPatternsWinAndExceptionsReachIntoExcludedParents() {
    DockerIgnore di = DockerIgnore.parse("docs\n!docs/README.md\n*.go\n!fileutils.go\n");
    assertEquals(false, di.excluded("docs/README.md", Matching.MODERN));
    assertEquals(true, di.excluded("docs/other.md", Matching.MODERN));
    assertEquals(false, di.excluded("fileutils.go", Matching.MODERN));
    // ReadAll: comments, blanks, leading slash, cleaning
    assertEquals(List.of("a/b", "!c", "d"), DockerIgnore.patterns("# x\n\n /a//b/ \n! /c/\nd/.\n"));
  }

  /**
   * LEGACY (docker-py under sam build) only tries the parent of the pattern's depth, so it misses
   * {@code model/build/a/b/.cache/f} for {@code model/build/**}{@code /.cache} by itself; the walk still
   * leaves it out because it checks the directory {@code .cache} on the way down.
   */
  @Test
  void legacyMatchingGivesTheSameContextThroughTheWalk(@TempDir Path root) throws Exception {
    for (String f : List.of("model/build/m/model.pt", "model/build/m/a/b/.cache/f", "model/build/m/x.onnx")) {
      Files.createDirectories(root.resolve(f).getParent());
      Files.writeString(root.resolve(f), "x");
    }
    DockerIgnore di = DockerIgnore.parse("*/*\n!model/build/\nmodel/build/**/.cache/\nmodel/build/**/*.onnx\n");
    assertEquals(false, di.excluded("model/build/m/a/b/.cache/f", Matching.LEGACY));
    assertEquals(true, di.excluded("model/build/m/a/b/.cache/f", Matching.MODERN));
    assertEquals(Set.of("model/build/m/model.pt"), di.context(root, Matching.MODERN));
    assertEquals(Set.of("model/build/m/model.pt"), di.context(root, Matching.LEGACY));
  }

  /** The walk does not enter an excluded directory that no exception pattern starts with. */
  @Test
  void excludedDirectoryIsOnlyWalkedForAnExceptionThatStartsWithIt(@TempDir Path root) throws Exception {
    for (String f : List.of("pom.xml", "a/pom.xml", "a/src/X.java", "a/target/t.jar", "README.md")) {
      Files.createDirectories(root.resolve(f).getParent());
      Files.writeString(root.resolve(f), "x");
    }
    // looks as if it allowed every pom, but "a" is excluded and "**/pom.xml/" does not start with "a/"
    assertEquals(Set.of("pom.xml"), DockerIgnore.parse("*\n!**/pom.xml\n").context(root, Matching.MODERN));
    assertEquals(Set.of("pom.xml", "a/pom.xml", "a/src/X.java"),
        DockerIgnore.parse("*\n!pom.xml\n!a/pom.xml\n!a/src/\n").context(root, Matching.MODERN));
    // the repository's form: directories stay, their contents go
    DockerIgnore form = DockerIgnore.parse("*/*\n!*/pom.xml\n*.*\n!pom.xml\n!a/src/\n");
    assertEquals(Set.of("pom.xml", "a/pom.xml", "a/src/X.java"), form.context(root, Matching.MODERN));
    assertEquals(form.context(root, Matching.MODERN), form.context(root, Matching.LEGACY));
  }
}
