package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A string matcher with Envoy's semantics ({@code envoy.type.matcher.v3.StringMatcher}): {@code
 * exact}, {@code prefix}, {@code suffix}, {@code contains} (each optionally {@code ignore_case}),
 * or {@code safe_regex}: an RE2 expression that must match the whole value ({@code ignore_case} has
 * no effect on it, as in Envoy). Immutable; matching allocates nothing for the literal kinds.
 */
public final class StringMatcher {

  /** Which field of Envoy's {@code StringMatcher.match_pattern} this is. */
  public enum Kind {
    EXACT,
    PREFIX,
    SUFFIX,
    CONTAINS,
    SAFE_REGEX
  }

  private final Kind kind;
  private final String value;
  private final boolean ignoreCase;
  private final @Nullable Pattern regex;

  private StringMatcher(Kind kind, String value, boolean ignoreCase) {
    this.kind = requireNonNull(kind, "kind");
    this.value = requireNonNull(value, "value");
    this.ignoreCase = ignoreCase && kind != Kind.SAFE_REGEX;
    this.regex = kind == Kind.SAFE_REGEX ? compile(value) : null;
  }

  /**
   * A matcher of {@code kind} for {@code value}.
   *
   * @throws IllegalArgumentException when {@code kind} is {@link Kind#SAFE_REGEX} and {@code value}
   *     is not valid RE2 syntax; the message is RE2J's, e.g. {@code missing closing ): (a}
   */
  public static StringMatcher of(Kind kind, String value, boolean ignoreCase) {
    return new StringMatcher(kind, value, ignoreCase);
  }

  /** An exact, case-sensitive matcher. */
  public static StringMatcher exact(String value) {
    return new StringMatcher(Kind.EXACT, value, false);
  }

  /** A full-match RE2 matcher ({@code safe_regex}). */
  public static StringMatcher regex(String regex) {
    return new StringMatcher(Kind.SAFE_REGEX, regex, false);
  }

  /**
   * Compiles {@code regex} with RE2 syntax.
   *
   * @throws IllegalArgumentException when it is not valid RE2 syntax
   */
  static Pattern compile(String regex) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public Kind kind() {
    return kind;
  }

  public String value() {
    return value;
  }

  public boolean ignoreCase() {
    return ignoreCase;
  }

  /** Whether {@code input} matches; false for null. */
  public boolean matches(@Nullable String input) {
    if (input == null) {
      return false;
    }
    return switch (kind) {
      case EXACT -> ignoreCase ? input.equalsIgnoreCase(value) : input.equals(value);
      case PREFIX -> input.regionMatches(ignoreCase, 0, value, 0, value.length());
      case SUFFIX ->
          input.length() >= value.length()
              && input.regionMatches(
                  ignoreCase, input.length() - value.length(), value, 0, value.length());
      case CONTAINS -> contains(input);
      case SAFE_REGEX -> requireNonNull(regex, "regex").matches(input);
    };
  }

  private boolean contains(String input) {
    if (!ignoreCase) {
      return input.contains(value);
    }
    for (int i = 0; i + value.length() <= input.length(); i++) {
      if (input.regionMatches(true, i, value, 0, value.length())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StringMatcher other
        && kind == other.kind
        && ignoreCase == other.ignoreCase
        && value.equals(other.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, value, ignoreCase);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT)
        + (ignoreCase ? " (ignore_case) " : " ")
        + value;
  }
}
