package dev.batchqa.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which files of a directory end up in a Docker build context, by the rules of
 * {@code github.com/moby/patternmatcher} (ignorefile.ReadAll, Pattern.compile/match) and of the
 * walk that sends the context (moby archive.TarWithOptions, the same in docker-py's
 * {@code build.exclude_paths} used by {@code sam build}):
 * <ul>
 *   <li>{@code *} and {@code ?} never match {@code /}; {@code **} matches any number of
 *       directories, none included; a trailing {@code /} is cleaned away (a pattern means a file
 *       or a directory alike).</li>
 *   <li>A path is excluded when the last pattern that matches it, or one of its parent
 *       directories, is not a {@code !} exception.</li>
 *   <li>An excluded directory is not walked unless some exception pattern <em>starts with</em>
 *       its path: {@code *} then {@code !**}{@code /pom.xml} does not bring {@code shared/pom.xml}
 *       back, {@code !shared/src/} does bring {@code shared/src/**} back.</li>
 *   <li>The Docker CLI keeps {@code Dockerfile} and {@code .dockerignore} in the context even if
 *       excluded.</li>
 * </ul>
 *
 * <pre>{@code
 * SortedSet<String> files = DockerIgnore.read(root.resolve(".dockerignore")).context(root, Matching.MODERN);
 * }</pre>
 */
final class DockerIgnore {

  /** How a path is matched against a pattern's parents. */
  enum Matching {
    /** patternmatcher MatchesOrParentMatches: the pattern against the path and each parent. */
    MODERN,
    /** patternmatcher Matches (deprecated) and docker-py: only the parent of the pattern's depth. */
    LEGACY
  }

  private enum Type { EXACT, PREFIX, SUFFIX, REGEXP }

  private record Rule(String cleaned, boolean exclusion, String[] dirs, Type type, Pattern regexp) {

    boolean match(String path) {
      return switch (type) {
        case EXACT -> path.equals(cleaned);
        case PREFIX -> path.startsWith(cleaned.substring(0, cleaned.length() - 2));
        case SUFFIX -> {
          String suffix = cleaned.substring(2);
          yield path.endsWith(suffix) || (suffix.startsWith("/") && path.equals(suffix.substring(1)));
        }
        case REGEXP -> regexp.matcher(path).matches();
      };
    }
  }

  private final List<Rule> rules;

  private DockerIgnore(List<String> patterns) {
    rules = new ArrayList<>();
    for (String p : patterns) {
      boolean exclusion = p.startsWith("!");
      String cleaned = clean(exclusion ? p.substring(1) : p);
      rules.add(compile(cleaned, exclusion));
    }
  }

  /** The patterns of an ignore file (ignorefile.ReadAll: comments, blank lines, clean, leading /). */
  static DockerIgnore read(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DockerIgnore parse(String text) {
    return new DockerIgnore(patterns(text));
  }

  static List<String> patterns(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.replace("\uFEFF", "").split("\\R")) {
      if (line.startsWith("#")) {
        continue;
      }
      String p = line.strip();
      if (p.isEmpty()) {
        continue;
      }
      boolean invert = p.charAt(0) == '!';
      if (invert) {
        p = p.substring(1).strip();
      }
      if (!p.isEmpty()) {
        p = clean(p);
        if (p.length() > 1 && p.charAt(0) == '/') {
          p = p.substring(1);
        }
      }
      out.add(invert ? "!" + p : p);
    }
    return out;
  }

  /** The context of {@code root}: relative slash paths of the regular files sent to the builder. */
  TreeSet<String> context(Path root, Matching matching) {
    // docker CLI (TrimBuildFilesFromExcludes): these two are sent whatever the patterns say
    List<String> keep = new ArrayList<>();
    for (String f : List.of(".dockerignore", "Dockerfile")) {
      if (excluded(f, Matching.LEGACY)) {
        keep.add("!" + f);
      }
    }
    DockerIgnore effective = keep.isEmpty() ? this : withMore(keep);
    TreeSet<String> files = new TreeSet<>();
    effective.walk(root, root, matching, files);
    return files;
  }

  private DockerIgnore withMore(List<String> more) {
    List<String> all = new ArrayList<>();
    for (Rule r : rules) {
      all.add((r.exclusion ? "!" : "") + r.cleaned);
    }
    all.addAll(more);
    return new DockerIgnore(all);
  }

  private void walk(Path root, Path dir, Matching matching, TreeSet<String> files) {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path child : children) {
      String rel = root.relativize(child).toString().replace('\\', '/');
      boolean isDir = Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      if (excluded(rel, matching)) {
        if (isDir && exceptionStartsWith(rel + "/")) {
          walk(root, child, matching, files);
        }
        continue;
      }
      if (isDir) {
        walk(root, child, matching, files);
      } else {
        files.add(rel);
      }
    }
  }

  /** The walk's test for an excluded directory: does some exception pattern start with it. */
  private boolean exceptionStartsWith(String dirSlash) {
    return rules.stream().anyMatch(r -> r.exclusion && (r.cleaned + "/").startsWith(dirSlash));
  }

  /** Whether a relative slash path is excluded (MatchesOrParentMatches, or Matches for LEGACY). */
  boolean excluded(String file, Matching matching) {
    boolean matched = false;
    int slash = file.lastIndexOf('/');
    String parent = slash < 0 ? "." : file.substring(0, slash);
    String[] parentDirs = parent.split("/");
    for (Rule rule : rules) {
      // an inclusion cannot change a match, an exception cannot change a non-match
      if (rule.exclusion != matched) {
        continue;
      }
      boolean match = rule.match(file);
      if (!match && !parent.equals(".")) {
        if (matching == Matching.MODERN) {
          for (int i = 1; i <= parentDirs.length && !match; i++) {
            match = rule.match(String.join("/", List.of(parentDirs).subList(0, i)));
          }
        } else if (rule.dirs.length <= parentDirs.length) {
          match = rule.match(String.join("/", List.of(parentDirs).subList(0, rule.dirs.length)));
        }
      }
      if (match) {
        matched = !rule.exclusion;
      }
    }
    return matched;
  }

  /** patternmatcher Pattern.compile, for '/' as separator. */
  private static Rule compile(String pattern, boolean exclusion) {
    StringBuilder re = new StringBuilder("^");
    Type type = Type.EXACT;
    int[] cps = pattern.codePoints().toArray();
    for (int i = 0, n = 0; i < cps.length; i++, n++) {
      int ch = cps[i];
      if (ch == '*') {
        if (i + 1 < cps.length && cps[i + 1] == '*') {
          i++;
          if (i + 1 < cps.length && cps[i + 1] == '/') {
            i++; // treat **/ as **
          }
          if (i + 1 >= cps.length) {
            // "**" at the end accepts everything below
            if (type == Type.EXACT) {
              type = Type.PREFIX;
            } else {
              re.append(".*");
              type = Type.REGEXP;
            }
          } else {
            re.append("(.*/)?");
            type = Type.REGEXP;
          }
          if (n == 0) {
            type = Type.SUFFIX;
          }
        } else {
          re.append("[^/]*");
          type = Type.REGEXP;
        }
      } else if (ch == '?') {
        re.append("[^/]");
        type = Type.REGEXP;
      } else if (".+()|{}$".indexOf(ch) >= 0) {
        re.append('\\').appendCodePoint(ch);
      } else if (ch == '\\') {
        if (i + 1 < cps.length) {
          re.append('\\').appendCodePoint(cps[++i]);
          type = Type.REGEXP;
        } else {
          re.append("\\\\");
        }
      } else if (ch == '[' || ch == ']') {
        re.appendCodePoint(ch);
        type = Type.REGEXP;
      } else {
        re.appendCodePoint(ch);
      }
    }
    Pattern regexp = type == Type.REGEXP ? Pattern.compile(re.append('$').toString()) : null;
    return new Rule(pattern, exclusion, pattern.split("/", -1), type, regexp);
  }

  /** Go's filepath.Clean for slash paths. */
  static String clean(String p) {
    if (p.isEmpty()) {
      return ".";
    }
    boolean rooted = p.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String part : p.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add(part);
        }
        continue;
      }
      out.add(part);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }
}
