package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code regex_rewrite} ({@code envoy.type.matcher.v3.RegexMatchAndSubstitute}), of a
 * route's action or of a redirect: every non-overlapping match of {@code pattern} (RE2) in the path
 * (the query removed) is replaced by {@code substitution}, in which {@code \0}..{@code \9} name the
 * match and its capture groups and {@code \\} is a backslash (RE2's {@code GlobalReplace}). So
 * {@code ^/.*$} with {@code /new} replaces the whole path (Gateway API's {@code ReplaceFullPath}).
 * Immutable.
 */
public final class RegexRewrite {

  private final String regex;
  private final String substitution;
  private final Pattern pattern;
  // The substitution as literal strings (String) and group numbers (Integer), in order.
  private final Object[] parts;

  private RegexRewrite(String regex, String substitution) {
    this.regex = requireNonNull(regex, "regex");
    this.substitution = requireNonNull(substitution, "substitution");
    this.pattern = StringMatcher.compile(regex);
    this.parts = parse(substitution, pattern.groupCount());
  }

  /**
   * @throws IllegalArgumentException when {@code regex} is not RE2 syntax, or {@code substitution}
   *     names a group the pattern does not have ({@code \3} with two groups) or ends in a lone
   *     {@code \}
   */
  public static RegexRewrite of(String regex, String substitution) {
    return new RegexRewrite(regex, substitution);
  }

  public String regex() {
    return regex;
  }

  public String substitution() {
    return substitution;
  }

  /** {@code path} with every match replaced; the same string when nothing matches. */
  public String apply(String path) {
    Matcher m = pattern.matcher(path);
    if (!m.find()) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length() + 16);
    int last = 0;
    do {
      out.append(path, last, m.start());
      for (Object part : parts) {
        if (part instanceof String literal) {
          out.append(literal);
        } else {
          String group = m.group((Integer) part);
          if (group != null) {
            out.append(group);
          }
        }
      }
      last = m.end();
    } while (m.find());
    out.append(path, last, path.length());
    return out.toString();
  }

  private static Object[] parse(String substitution, int groups) {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < substitution.length(); i++) {
      char c = substitution.charAt(i);
      if (c != '\\') {
        literal.append(c);
        continue;
      }
      if (i + 1 == substitution.length()) {
        throw new IllegalArgumentException(
            "substitution \"" + substitution + "\" ends in a lone \\ (expected: \\\\ or \\0..\\9)");
      }
      char next = substitution.charAt(++i);
      if (next == '\\') {
        literal.append('\\');
      } else if (next >= '0' && next <= '9') {
        int group = next - '0';
        if (group > groups) {
          throw new IllegalArgumentException(
              "substitution \""
                  + substitution
                  + "\" names group "
                  + group
                  + " (expected: at most "
                  + groups
                  + ", the pattern's groups)");
        }
        if (literal.length() > 0) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(group);
      } else {
        throw new IllegalArgumentException(
            "substitution \""
                + substitution
                + "\" has \\"
                + next
                + " (expected: \\\\ or \\0..\\9)");
      }
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return parts.toArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RegexRewrite other
        && regex.equals(other.regex)
        && substitution.equals(other.substitution);
  }

  @Override
  public int hashCode() {
    return regex.hashCode() * 31 + substitution.hashCode();
  }

  @Override
  public String toString() {
    return regex + " -> " + substitution;
  }
}
