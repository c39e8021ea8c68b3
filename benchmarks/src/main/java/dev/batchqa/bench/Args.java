package dev.batchqa.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} command-line options; unknown names are an error. */
final class Args {

    private final Map<String, String> values = new HashMap<>();

    Args(String[] args, Set<String> known, String usage) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + a + "'\n" + usage);
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Missing value for --" + name + "\n" + usage);
                }
                value = args[++i];
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("Unknown option --" + name + "\n" + usage);
            }
            values.put(name, value);
        }
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    Integer intOrNull(String name) {
        return values.containsKey(name) ? Integer.valueOf(values.get(name)) : null;
    }

    int getInt(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    Double doubleOrNull(String name) {
        return values.containsKey(name) ? Double.valueOf(values.get(name)) : null;
    }

    List<Integer> intList(String name, String fallback) {
        return Arrays.stream(get(name, fallback).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(Integer::valueOf).toList();
    }
}
