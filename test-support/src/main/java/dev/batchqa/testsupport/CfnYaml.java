package dev.batchqa.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A CloudFormation/SAM template in YAML read into plain maps and lists, as CloudFormation reads it: the short tags
 * become their JSON forms ({@code !Ref X} is {@code {Ref: X}}, {@code !GetAtt A.B} is {@code {Fn::GetAtt: [A, B]}},
 * {@code !If [...]} is {@code {Fn::If: [...]}}) and a bare date such as {@code 2010-09-09} stays a string. Plain
 * SnakeYAML rejects the tags; the template checks and the Lambda rehearsal both need them read the same way.
 *
 * <pre>
 * Map&lt;String, Object&gt; template = CfnYaml.load(root.resolve("template.yaml"));
 * Object handler = CfnYaml.path(template, "Resources", "InferenceFunction", "Properties", "Handler");
 * </pre>
 */
public final class CfnYaml {
    /** The intrinsic functions with a short tag ({@code !Name} for {@code Fn::Name}). */
    static final List<String> FUNCTIONS = List.of(
            "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split",
            "Sub", "Transform", "If", "Equals", "Not", "And", "Or", "Contains", "EachMemberEquals",
            "ValueOf", "RefAll", "Length", "ToJsonString");

    private CfnYaml() {}

    /** The template in {@code file}; it must be a YAML mapping. */
    public static Map<String, Object> load(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** The template in {@code yamlText}; it must be a YAML mapping. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String yamlText) {
        Object doc = new Yaml(new CfnConstructor()).load(yamlText);
        if (!(doc instanceof Map)) {
            throw new IllegalArgumentException("template is not a YAML mapping");
        }
        return (Map<String, Object>) doc;
    }

    /** {@code o} as a mapping, or an empty one when it is not a mapping (absent keys read as empty). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    /** {@code o} as a list, or an empty one when it is not a list. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Object o) {
        return o instanceof List ? (List<Object>) o : List.of();
    }

    /** The node at {@code keys} below {@code node}, or null when a key is missing. */
    public static Object path(Object node, String... keys) {
        Object cur = node;
        for (String k : keys) {
            cur = map(cur).get(k);
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    /** Maps the CloudFormation short tags to their JSON forms. */
    private static final class CfnConstructor extends SafeConstructor {
        CfnConstructor() {
            super(new LoaderOptions());
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            for (String f : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + f), new Intrinsic("Fn::" + f));
            }
            // a bare date such as 2010-09-09 stays a string, as CloudFormation reads it
            yamlConstructors.put(Tag.TIMESTAMP, new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    return ((ScalarNode) node).getValue();
                }
            });
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object value;
                if (node instanceof ScalarNode s) {
                    String text = s.getValue();
                    if ("Fn::GetAtt".equals(key)) {
                        // the short form names resource and attribute with a dot; the long form is a pair
                        int dot = text.indexOf('.');
                        value = dot < 0 ? List.of(text) : List.of(text.substring(0, dot), text.substring(dot + 1));
                    } else {
                        value = text;
                    }
                } else if (node instanceof SequenceNode seq) {
                    value = constructSequence(seq);
                } else if (node instanceof MappingNode mapping) {
                    value = constructMapping(mapping);
                } else {
                    throw new IllegalArgumentException("unexpected node for " + key + ": " + node);
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(key, value);
                return m;
            }
        }
    }
}
