package dev.batchqa.infra;

import static dev.batchqa.infra.CfnTemplate.map;
import static dev.batchqa.infra.CfnTemplate.number;
import static dev.batchqa.infra.CfnTemplate.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.batchqa.shared.config.Settings;
import dev.batchqa.shared.message.Limits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The template's parameters that become environment variables parsed by the code must only allow
 * values the code accepts: {@link Settings#from} throws at init for a value outside its range, so one
 * bad parameter value fails every function of the stack. The checks call the real parser.
 */
class ParameterLimitsTest {

  /** Environment variable -> what Settings makes of it (to see that the value was really used). */
  static final Map<String, ToLongFunction<Settings>> PARSED_BY_SETTINGS = Map.of(
      Settings.RESULT_TTL_HOURS, s -> s.resultTtl().toHours(),
      Settings.MAX_CONTEXT_CHARS, Settings::maxContextChars,
      Settings.MAX_QUESTION_CHARS, Settings::maxQuestionChars,
      Settings.MAX_BACKLOG, Settings::maxBacklog);

  static CfnTemplate t;

  @BeforeAll
  static void load() {
    t = CfnTemplate.load(CfnTemplate.repoRoot().resolve("template.yaml"));
  }

  /** Env var -> parameter, for every function environment (Globals and each function) set by a Ref. */
  static Map<String, String> parameterOfEnvVar() {
    Map<String, String> out = new TreeMap<>();
    List<Object> environments = new ArrayList<>();
    environments.add(path(t.root(), "Globals", "Function", "Environment", "Variables"));
    for (String fn : t.resourcesOfType("AWS::Serverless::Function")) {
      environments.add(path(t.properties(fn), "Environment", "Variables"));
    }
    for (Object vars : environments) {
      map(vars).forEach((name, value) -> {
        if (map(value).get("Ref") instanceof String ref && t.section("Parameters").containsKey(ref)) {
          String previous = out.put(name, ref);
          assertTrue(previous == null || previous.equals(ref), name + " set from two parameters");
        }
      });
    }
    return out;
  }

  @Test
  void everyParameterParsedBySettingsIsBoundedAndTheCodeAcceptsItsMinMaxAndDefault() {
    Map<String, String> params = parameterOfEnvVar();
    Map.of(Settings.RESULT_TTL_HOURS, "ResultTtlHours",
        Settings.MAX_CONTEXT_CHARS, "MaxContextChars",
        Settings.MAX_QUESTION_CHARS, "MaxQuestionChars").forEach((env, name) ->
        assertEquals(name, params.get(env), env + " should be set from parameter " + name));
    // a numeric parameter passed to the code some other way needs its own check here
    params.forEach((env, name) -> {
      if (env.equals("QA_FUNCTION_TIMEOUT_SECONDS")) {
        // InferenceHandler.policy compares it with the window cap: any positive integer; the parameter
        // is a list of AllowedValues, each one checked here
        for (String v : t.allowedValues(name)) {
          assertTrue(v.matches("[1-9][0-9]*"), name + " value " + v + " is not a positive integer");
        }
        return;
      }
      if ("Number".equals(map(t.section("Parameters").get(name)).get("Type"))) {
        assertTrue(PARSED_BY_SETTINGS.containsKey(env),
            env + " is set from Number parameter " + name + ": check its range against the code");
      }
    });

    PARSED_BY_SETTINGS.forEach((env, parsed) -> {
      String name = params.get(env);
      Map<String, Object> p = map(t.section("Parameters").get(name));
      assertEquals("Number", p.get("Type"), name + " Type");
      for (String key : List.of("MinValue", "MaxValue", "Default")) {
        assertTrue(p.containsKey(key), name + " has no " + key + ": the code's range is bounded");
      }
      Map<String, Long> values = new LinkedHashMap<>();
      values.put("MinValue", number(p.get("MinValue")));
      values.put("MaxValue", number(p.get("MaxValue")));
      values.put("Default", number(p.get("Default")));
      values.forEach((key, value) -> {
        Settings s;
        try {
          s = Settings.from(Map.of(env, String.valueOf(value)));
        } catch (IllegalStateException e) {
          fail(name + " " + key + " " + value + " is refused by Settings.from (" + env + "): "
              + e.getMessage() + " - every function would fail to initialise");
          return;
        }
        assertEquals(value, parsed.applyAsLong(s), name + " " + key + " not taken over by Settings");
      });
    });
  }

  /** Guards against a vacuous pass: Settings.from does refuse values beyond the limits. */
  @Test
  void settingsRefusesValuesBeyondTheLimits() {
    assertThrows(IllegalStateException.class,
        () -> Settings.from(Map.of(Settings.MAX_QUESTION_CHARS, String.valueOf(Limits.MAX_QUESTION_CHARS + 1))));
    assertThrows(IllegalStateException.class,
        () -> Settings.from(Map.of(Settings.MAX_CONTEXT_CHARS, String.valueOf(Limits.MAX_CONTEXT_CHARS + 1))));
    assertThrows(IllegalStateException.class, () -> Settings.from(Map.of(Settings.RESULT_TTL_HOURS, "0")));
    assertThrows(IllegalStateException.class, () -> Settings.from(Map.of(Settings.RESULT_TTL_HOURS, "8761")));
    assertThrows(IllegalStateException.class, () -> Settings.pendingExpiry(Map.of(Settings.PENDING_EXPIRY_HOURS, "1")));
    assertThrows(IllegalStateException.class, () -> Settings.pendingExpiry(
        Map.of(Settings.PENDING_EXPIRY_HOURS, String.valueOf(Settings.MAX_PENDING_EXPIRY_HOURS + 1))));
    assertThrows(IllegalStateException.class, () -> Settings.from(Map.of(Settings.MAX_BACKLOG, "-1")));
  }

  /**
   * QA_PENDING_EXPIRY_HOURS is derived from QueueRetentionDays through a mapping (no Ref, so the check above
   * does not see it): every value the template can pass must be accepted by the sweeper's parser, and the
   * code's default must be what a default stack passes.
   */
  @Test
  void everyPendingExpiryTheTemplateCanPassIsAcceptedBySettings() {
    Object expiry = path(t.properties("SweeperFunction"), "Environment", "Variables", Settings.PENDING_EXPIRY_HOURS);
    for (String days : t.allowedValues("QueueRetentionDays")) {
      long hours = number(t.resolve(expiry, t.params("QueueRetentionDays", days)));
      try {
        assertEquals(hours, Settings.pendingExpiry(Map.of(Settings.PENDING_EXPIRY_HOURS, String.valueOf(hours))).toHours());
      } catch (IllegalStateException e) {
        fail("QueueRetentionDays " + days + " passes " + Settings.PENDING_EXPIRY_HOURS + "=" + hours
            + ", refused by Settings.pendingExpiry: " + e.getMessage());
      }
    }
    assertEquals(Settings.DEFAULT_PENDING_EXPIRY_HOURS, number(t.resolve(expiry, t.defaults())));
    assertEquals(Settings.DEFAULT_PENDING_EXPIRY_HOURS, Settings.pendingExpiry(Map.of()).toHours());
  }

  @Test
  void inputLimitParametersSpanTheCodesRangeAndDefaultToTheCodesDefault() {
    // Limits are the maxima Settings accepts and also its defaults when the variable is unset; the
    // bulk client validates with the same defaults, so a default stack must use them too.
    Map<String, Integer> limits = Map.of(
        "MaxContextChars", Limits.MAX_CONTEXT_CHARS,
        "MaxQuestionChars", Limits.MAX_QUESTION_CHARS);
    limits.forEach((name, limit) -> {
      Map<String, Object> p = map(t.section("Parameters").get(name));
      assertEquals(1L, number(p.get("MinValue")), name + " MinValue");
      assertEquals((long) limit, number(p.get("MaxValue")), name + " MaxValue (Limits)");
      assertEquals((long) limit, number(p.get("Default")), name + " Default (Limits, the code's default)");
    });
  }
}
