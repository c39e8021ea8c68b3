package dev.batchqa.infra;

import dev.batchqa.testsupport.CfnYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CloudFormation/SAM template loaded into plain maps and lists by {@link CfnYaml} (the YAML short tags
 * in their JSON forms), plus a small evaluator for parameters, conditions, {@code Fn::If}
 * and {@code Fn::FindInMap} so that invariants can be checked for concrete parameter values.
 */
final class CfnTemplate {

  static final Object NO_VALUE = new Object() {
    @Override
    public String toString() {
      return "AWS::NoValue";
    }
  };

  private final Map<String, Object> root;

  private CfnTemplate(Map<String, Object> root) {
    this.root = root;
  }

  static Path repoRoot() {
    String prop = System.getProperty("batchqa.repo.root");
    Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath().getParent();
    return p.toAbsolutePath().normalize();
  }

  static CfnTemplate load(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static CfnTemplate parse(String yamlText) {
    return new CfnTemplate(CfnYaml.parse(yamlText));
  }

  Map<String, Object> root() {
    return root;
  }

  Map<String, Object> section(String name) {
    return map(root.get(name));
  }

  Map<String, Object> resource(String logicalId) {
    Map<String, Object> r = map(section("Resources").get(logicalId));
    if (r.isEmpty()) {
      throw new AssertionError("no resource " + logicalId);
    }
    return r;
  }

  Map<String, Object> properties(String logicalId) {
    return map(resource(logicalId).get("Properties"));
  }

  /** Logical ids of the resources of one type, in template order. */
  List<String> resourcesOfType(String type) {
    List<String> ids = new ArrayList<>();
    section("Resources").forEach((id, r) -> {
      if (type.equals(map(r).get("Type"))) {
        ids.add(id);
      }
    });
    return ids;
  }

  /** Parameter defaults as strings (CloudFormation hands every parameter value over as a string). */
  Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    section("Parameters").forEach((name, p) -> {
      Object def = map(p).get("Default");
      if (def != null) {
        d.put(name, scalar(def));
      }
    });
    return d;
  }

  /** The parameter defaults with some values overridden. */
  Map<String, String> params(String... overrides) {
    Map<String, String> d = defaults();
    for (int i = 0; i < overrides.length; i += 2) {
      if (!section("Parameters").containsKey(overrides[i])) {
        throw new IllegalArgumentException("no parameter " + overrides[i]);
      }
      d.put(overrides[i], overrides[i + 1]);
    }
    return d;
  }

  List<String> allowedValues(String parameter) {
    Object av = map(section("Parameters").get(parameter)).get("AllowedValues");
    List<String> out = new ArrayList<>();
    for (Object v : list(av)) {
      out.add(scalar(v));
    }
    return out;
  }

  boolean condition(String name, Map<String, String> params) {
    Object c = section("Conditions").get(name);
    if (c == null) {
      throw new AssertionError("no condition " + name);
    }
    return truthy(resolve(c, params));
  }

  /**
   * The AssertDescriptions of the Rules assertions that fail for these parameter values, as
   * CloudFormation checks them before it creates or updates anything: a rule whose RuleCondition is
   * false asserts nothing (a rule without one always applies). Every RuleCondition and Assert must evaluate to
   * a boolean here; anything else (a rule function this evaluator does not know) is an error.
   */
  List<String> ruleViolations(Map<String, String> params) {
    List<String> failed = new ArrayList<>();
    section("Rules").forEach((name, r) -> {
      Map<String, Object> rule = map(r);
      if (rule.containsKey("RuleCondition")
          && !bool(name + " RuleCondition", rule.get("RuleCondition"), params)) {
        return;
      }
      for (Object a : list(rule.get("Assertions"))) {
        if (!bool(name + " Assert", map(a).get("Assert"), params)) {
          failed.add(scalar(map(a).get("AssertDescription")));
        }
      }
    });
    return failed;
  }

  private boolean bool(String what, Object node, Map<String, String> params) {
    Object v = resolveInner(node, params);
    if (v instanceof Boolean b) {
      return b;
    }
    throw new AssertionError(what + " did not evaluate to a boolean: " + node + " -> " + v);
  }

  /**
   * Evaluates what can be known before deployment: Ref to parameters, Fn::If / Fn::Equals / Fn::Not /
   * Fn::And / Fn::Or / Condition, Fn::FindInMap, and the rule function Fn::Contains. Refs to
   * resources, Fn::GetAtt, Fn::Sub stay as they are. AWS::NoValue removes the key or list element.
   */
  Object resolve(Object node, Map<String, String> params) {
    Object r = resolveInner(node, params);
    return r == NO_VALUE ? null : r;
  }

  @SuppressWarnings("unchecked")
  private Object resolveInner(Object node, Map<String, String> params) {
    if (node instanceof Map<?, ?> m) {
      if (m.size() == 1) {
        Map.Entry<String, Object> e = ((Map<String, Object>) m).entrySet().iterator().next();
        String k = e.getKey();
        Object v = e.getValue();
        switch (k) {
          case "Ref" -> {
            String name = (String) v;
            if ("AWS::NoValue".equals(name)) {
              return NO_VALUE;
            }
            if (params.containsKey(name)) {
              return params.get(name);
            }
            return m; // resource or pseudo parameter
          }
          case "Fn::If" -> {
            List<Object> args = list(v);
            boolean c = condition((String) args.get(0), params);
            return resolveInner(args.get(c ? 1 : 2), params);
          }
          case "Fn::Equals" -> {
            List<Object> args = list(v);
            return scalar(resolveInner(args.get(0), params))
                .equals(scalar(resolveInner(args.get(1), params)));
          }
          case "Fn::Not" -> {
            return !truthy(resolveInner(list(v).get(0), params));
          }
          case "Fn::And" -> {
            boolean all = true;
            for (Object a : list(v)) {
              all &= truthy(resolveInner(a, params));
            }
            return all;
          }
          case "Fn::Or" -> {
            boolean any = false;
            for (Object a : list(v)) {
              any |= truthy(resolveInner(a, params));
            }
            return any;
          }
          case "Fn::Contains" -> {
            // rule function: [list of strings, string]
            List<Object> args = list(v);
            String needle = scalar(resolveInner(args.get(1), params));
            for (Object candidate : list(resolveInner(args.get(0), params))) {
              if (scalar(candidate).equals(needle)) {
                return true;
              }
            }
            return false;
          }
          case "Condition" -> {
            if (v instanceof String name) {
              return condition(name, params);
            }
          }
          case "Fn::FindInMap" -> {
            List<Object> args = list(v);
            String mapName = scalar(resolveInner(args.get(0), params));
            String top = scalar(resolveInner(args.get(1), params));
            String second = scalar(resolveInner(args.get(2), params));
            Object value = map(map(section("Mappings").get(mapName)).get(top)).get(second);
            if (value == null) {
              throw new AssertionError(
                  "Fn::FindInMap " + mapName + "/" + top + "/" + second + " has no value");
            }
            return value;
          }
          default -> {
            // fall through to the generic map walk
          }
        }
      }
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object r = resolveInner(e.getValue(), params);
        if (r != NO_VALUE) {
          out.put((String) e.getKey(), r);
        }
      }
      return out;
    }
    if (node instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        Object r = resolveInner(o, params);
        if (r != NO_VALUE) {
          out.add(r);
        }
      }
      return out;
    }
    return node;
  }

  // ------------------------------------------------------------------ small helpers

  static boolean truthy(Object o) {
    if (o instanceof Boolean b) {
      return b;
    }
    return "true".equalsIgnoreCase(scalar(o));
  }

  static String scalar(Object o) {
    if (o == null) {
      return null;
    }
    if (o instanceof Double d && d == Math.rint(d)) {
      return Long.toString(d.longValue());
    }
    return o.toString();
  }

  static long number(Object o) {
    return Long.parseLong(scalar(o));
  }

  static Map<String, Object> map(Object o) {
    return CfnYaml.map(o);
  }

  static List<Object> list(Object o) {
    return CfnYaml.list(o);
  }

  static Object path(Object node, String... keys) {
    return CfnYaml.path(node, keys);
  }
}
