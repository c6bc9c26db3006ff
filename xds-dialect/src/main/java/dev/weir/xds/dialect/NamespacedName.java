package dev.weir.xds.dialect;

import static java.util.Objects.requireNonNull;

/** The {@code {namespace}/{name}} shape that cluster and secret names share. */
final class NamespacedName {

  static final char SEPARATOR = '/';

  private NamespacedName() {}

  /**
   * {@code namespace/name}, after checking both parts.
   *
   * @param kind what the name is of, for messages ({@code cluster name})
   * @param second the name of the second part, for messages ({@code revision})
   */
  static String format(String kind, String second, String namespace, String name) {
    requirePart(kind, "namespace", namespace);
    requirePart(kind, second, name);
    return namespace + SEPARATOR + name;
  }

  /**
   * The two parts of {@code text}; {@link IllegalArgumentException} unless it is exactly two
   * non-empty parts around one {@code /}.
   */
  static String[] parse(String kind, String shape, String text) {
    requireNonNull(text, kind);
    int slash = text.indexOf(SEPARATOR);
    if (slash <= 0 || slash == text.length() - 1 || text.indexOf(SEPARATOR, slash + 1) >= 0) {
      throw new IllegalArgumentException(kind + ": \"" + text + "\" (expected: " + shape + ")");
    }
    return new String[] {text.substring(0, slash), text.substring(slash + 1)};
  }

  static void requirePart(String kind, String part, String value) {
    requireNonNull(value, part);
    if (value.isEmpty() || value.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException(
          kind + " " + part + ": \"" + value + "\" (expected: not empty, no '/')");
    }
  }
}
