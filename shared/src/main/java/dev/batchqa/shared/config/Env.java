package dev.batchqa.shared.config;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one typed reader of environment variables (and of any name-to-text map, such as a tool's flags). A blank
 * value counts as unset; a value that does not parse, or lies outside its range, is an
 * {@link IllegalStateException} naming the variable, so a misconfigured function fails at init with a clear message.
 *
 * <pre>{@code
 * Env env = new Env(System.getenv());
 * int ttlHours = env.integer("QA_RESULT_TTL_HOURS", 24, 1, 8760);
 * Optional<String> model = env.string("QA_MODEL_DIR");
 * }</pre>
 *
 * Each deployable reads its variables once, in its configuration type (Settings, the inference function's
 * EngineLoader and function timeout, the local runner's LocalConfig); docs/configuration.md lists them all.
 */
public final class Env {
    private final Map<String, String> vars;

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    /** The process environment; only entry points call this. */
    public static Env system() {
        return new Env(System.getenv());
    }

    /** The stripped value; empty when unset or blank. */
    public Optional<String> string(String name) {
        return Optional.ofNullable(vars.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    public String string(String name, String fallback) {
        return string(name).orElse(fallback);
    }

    /** The value parsed by {@code parser}; a parser's exception becomes one naming the variable. */
    public <T> Optional<T> parse(String name, Function<String, T> parser) {
        return string(name).map(v -> {
            try {
                return parser.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalStateException("Invalid " + name + "='" + v + "': " + e.getMessage(), e);
            }
        });
    }

    public Optional<Integer> integer(String name) {
        return string(name).map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalStateException(name + " must be an integer, was '" + v + "'", e);
            }
        });
    }

    public int integer(String name, int fallback) {
        return integer(name).orElse(fallback);
    }

    /** An integer in {@code min..max}, or {@code fallback} when unset. */
    public int integer(String name, int fallback, int min, int max) {
        int value = integer(name).orElse(fallback);
        if (integer(name).isPresent() && (value < min || value > max)) {
            throw new IllegalStateException(name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    /** {@code true} or {@code false} (any case); anything else is an error. */
    public boolean flag(String name, boolean fallback) {
        return parse(name, v -> {
            if (v.equalsIgnoreCase("true")) return true;
            if (v.equalsIgnoreCase("false")) return false;
            throw new IllegalArgumentException("expected true or false");
        }).orElse(fallback);
    }

    public Optional<URI> uri(String name) {
        return parse(name, URI::create);
    }
}
