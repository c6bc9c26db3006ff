package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command-line options of the form {@code --key value} or {@code --flag}, checked against a known
 * set.
 */
public final class Args {

  private final String program;
  private final Map<String, String> values;

  private Args(String program, Map<String, String> values) {
    this.program = program;
    this.values = values;
  }

  /**
   * For a {@code main}: parses {@code args} and checks the {@code required} options; on a mistake
   * prints what was wrong and exits with status 2.
   */
  public static Args parseOrExit(
      String program, String[] args, Set<String> options, Set<String> flags, String... required) {
    try {
      Args parsed = parse(program, args, options, flags);
      for (String name : required) {
        parsed.required(name);
      }
      return parsed;
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      throw e; // not reached
    }
  }

  /**
   * Parses {@code args}; {@code flags} take no value, {@code options} take one. Anything else is an
   * error naming the argument and what is accepted.
   */
  public static Args parse(String program, String[] args, Set<String> options, Set<String> flags) {
    requireNonNull(program, "program");
    requireNonNull(args, "args");
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String key = arg.startsWith("--") ? arg.substring(2) : null;
      String inline = null;
      if (key != null && key.contains("=")) {
        inline = key.substring(key.indexOf('=') + 1);
        key = key.substring(0, key.indexOf('='));
      }
      if (key != null && flags.contains(key) && inline == null) {
        values.put(key, "true");
      } else if (key != null && options.contains(key)) {
        if (inline == null && i + 1 >= args.length) {
          throw new IllegalArgumentException(program + ": --" + key + " needs a value");
        }
        values.put(key, inline != null ? inline : args[++i]);
      } else {
        throw new IllegalArgumentException(
            program
                + ": unknown argument '"
                + arg
                + "' (expected: "
                + options.stream().sorted().map(o -> "--" + o + " <value>").toList()
                + (flags.isEmpty()
                    ? ""
                    : " or " + flags.stream().sorted().map(f -> "--" + f).toList())
                + ")");
      }
    }
    return new Args(program, values);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  public String required(String key) {
    return get(key)
        .orElseThrow(() -> new IllegalArgumentException(program + ": --" + key + " is required"));
  }

  public String get(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  public int intValue(String key, int fallback) {
    String raw = values.get(key);
    if (raw == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          program + ": --" + key + ": '" + raw + "' (expected: an integer)");
    }
  }

  public boolean flag(String key) {
    return values.containsKey(key);
  }
}
