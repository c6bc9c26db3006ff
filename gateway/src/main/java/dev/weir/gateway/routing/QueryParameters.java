package dev.weir.gateway.routing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Reads query parameters as Envoy's query parameter matchers do: percent-decoded, first wins. */
final class QueryParameters {

  private QueryParameters() {}

  /**
   * The first value of parameter {@code name} in {@code query} (the raw text after {@code ?}),
   * percent-decoded ({@code +} stays {@code +}, as Envoy leaves it); {@code ""} for a parameter
   * without {@code =}; null when absent.
   */
  static @Nullable String first(@Nullable String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int eq = query.indexOf('=', start);
      int keyEnd = eq < 0 || eq > end ? end : eq;
      if (keyEnd > start && decode(query, start, keyEnd).equals(name)) {
        return keyEnd == end ? "" : decode(query, keyEnd + 1, end);
      }
      start = end + 1;
    }
    return null;
  }

  /**
   * Percent-decodes {@code s[from, to)} as UTF-8; a {@code %} not followed by two hex digits stays.
   */
  static String decode(String s, int from, int to) {
    if (s.indexOf('%', from) < 0 || s.indexOf('%', from) >= to) {
      return s.substring(from, to);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 1 < to ? Character.digit(s.charAt(i + 1), 16) : -1;
        int lo = i + 2 < to ? Character.digit(s.charAt(i + 2), 16) : -1;
        if (hi >= 0 && lo >= 0) {
          out.write(hi << 4 | lo);
          i += 2;
          continue;
        }
      }
      if (c < 0x80) {
        out.write(c);
      } else {
        int codePoint = s.codePointAt(i);
        byte[] bytes = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        i += Character.charCount(codePoint) - 1;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
