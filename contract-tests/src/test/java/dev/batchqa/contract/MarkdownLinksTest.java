package dev.batchqa.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every link inside the repository's Markdown (README, docs/, examples/, model/, ...) leads somewhere: the file
 * exists, and a {@code #anchor} is a heading of that file as GitHub names it (lower case, punctuation dropped, spaces
 * to hyphens, {@code -1}, {@code -2} for repeats). Links to the web are not followed; code blocks are skipped.
 */
class MarkdownLinksTest {
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

    @Test
    void everyIntraRepositoryLinkAndAnchorResolves() throws IOException {
        Path root = Contract.repoRoot();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> {
                        String rel = root.relativize(p).toString();
                        return !rel.contains("node_modules") && !rel.contains("target/") && !rel.startsWith(".");
                    })
                    .sorted().toList();
        }
        assertTrue(files.contains(root.resolve("README.md")) && files.contains(root.resolve("examples/README.md")),
                "README.md and examples/README.md exist: " + files);
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : files) {
            for (String target : links(Files.readString(file, StandardCharsets.UTF_8))) {
                if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) continue; // https:, mailto:, ...
                checked++;
                int hash = target.indexOf('#');
                String pathPart = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path linked = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
                String where = root.relativize(file) + ": (" + target + ")";
                if (!Files.exists(linked)) {
                    broken.add(where + " no such file");
                } else if (anchor != null && !anchor.isEmpty() && linked.toString().endsWith(".md")
                        && !anchors(Files.readString(linked, StandardCharsets.UTF_8)).contains(anchor)) {
                    broken.add(where + " no heading '" + anchor + "' in " + root.relativize(linked));
                }
            }
        }
        assertTrue(checked > 20, "links found: " + checked);
        assertEquals(List.of(), broken);
    }

    @Test
    void anchorsAreNamedAsGitHubNamesThem() {
        assertEquals(Set.of("bulk-jobs", "message-schema-sqs-version-1", "end-to-end-scriptse2e-squad",
                        "openai-batch--batch-qa", "bulk-jobs-1"),
                anchors("## Bulk jobs\n# Message schema (SQS), version 1\n### End to end: `scripts/e2e-squad`\n"
                        + "```\n# not a heading\n```\n## OpenAI Batch → batch-qa\n## Bulk jobs\n"));
    }

    /** The link targets outside code blocks and inline code. */
    static List<String> links(String markdown) {
        List<String> targets = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.trim().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) continue;
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) targets.add(m.group(1));
        }
        return targets;
    }

    /** The anchors GitHub gives the headings of a Markdown text. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.trim().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (fenced || !m.matches()) continue;
            String slug = m.group(1).toLowerCase(Locale.ROOT)
                    .replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // a link in a heading counts as its text
                    .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? slug : slug + "-" + n);
        }
        return anchors;
    }
}
