package dev.weir.gateway.proxy;

import org.jspecify.annotations.Nullable;

/**
 * Checks on what a client sent in the request line and the {@code Host} header, before Spring
 * builds a {@link java.net.URI} from them: pure functions over strings, so they are tested as
 * tables.
 *
 * <p>Request targets are judged as nginx judges them: characters that RFC 3986 does not allow but
 * browsers send unencoded ({@code | ^ { } ` " < > \}, and {@code [ ]} in the path) are accepted and
 * forwarded byte for byte; control characters, spaces, a {@code %} not followed by two hex digits,
 * and a fragment ({@code #}, not part of a request target, RFC 9112 §3.2) are malformed.
 */
public final class RequestTarget {

  /** {@link #scan}: the target is valid and {@link java.net.URI} accepts it as it is. */
  public static final int URI_SAFE = 0;

  /** {@link #scan}: the target is valid, but {@link java.net.URI} needs some characters encoded. */
  public static final int NEEDS_ENCODING = 1;

  // Characters java.net.URI accepts unencoded in a path (RFC 2396 pchar plus '/' and ';') and in a
  // query (every URI character, '[' and ']' included), as bit masks over ASCII.
  private static final boolean[] PATH = new boolean[128];
  private static final boolean[] QUERY = new boolean[128];

  static {
    String unreserved = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()";
    for (char c : (unreserved + ";/:@&=+$,%").toCharArray()) {
      PATH[c] = true;
      QUERY[c] = true;
    }
    for (char c : "?[]".toCharArray()) {
      QUERY[c] = true;
    }
  }

  private RequestTarget() {}

  /**
   * Scans an origin-form target ({@code /path?query}).
   *
   * @return {@link #URI_SAFE}, {@link #NEEDS_ENCODING}, or {@code -(i + 1)} where {@code i} is the
   *     index of the first malformed character (see {@link #problem})
   */
  public static int scan(String target) {
    int result = URI_SAFE;
    boolean query = false;
    int n = target.length();
    for (int i = 0; i < n; i++) {
      char c = target.charAt(i);
      if (c < 0x80) {
        if (c <= 0x20 || c == 0x7F || c == '#') {
          return -(i + 1);
        }
        if (c == '%' && (i + 2 >= n || !hex(target.charAt(i + 1)) || !hex(target.charAt(i + 2)))) {
          return -(i + 1);
        }
        if (c == '?') {
          query = true;
        }
        if (!(query ? QUERY[c] : PATH[c])) {
          result = NEEDS_ENCODING;
        }
      } else if (Character.isISOControl(c) || Character.isSpaceChar(c)) {
        // java.net.URI takes other non-ASCII characters as they are.
        return -(i + 1);
      }
    }
    return result;
  }

  /** What is wrong at {@code index} of {@code target}, for a one-line 400 answer. */
  public static String problem(String target, int index) {
    char c = target.charAt(index);
    if (c == '%') {
      return "bad request target: '%' at " + index + " not followed by two hex digits";
    }
    if (c == '#') {
      return "bad request target: fragment ('#' at " + index + ") not allowed";
    }
    return String.format(
        "bad request target: %s 0x%02X at %d",
        c == ' ' ? "space" : c > 0x7F ? "non-ASCII byte (percent-encode it)" : "control character",
        (int) c,
        index);
  }

  /**
   * The target with every character {@link java.net.URI} refuses percent-encoded (UTF-8), for the
   * URI Spring keeps; what is forwarded upstream is the target as sent.
   */
  public static String encodeForUri(String target) {
    StringBuilder out = new StringBuilder(target.length() + 16);
    boolean query = false;
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '?') {
        query = true;
      }
      if (c >= 0x80 || (query ? QUERY[c] : PATH[c])) {
        out.append(c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }

  /**
   * Whether {@code value} is a valid {@code Host} field value, {@code uri-host [ ":" port ]} (RFC
   * 9110 §7.2, RFC 3986 §3.2.2): a reg-name (unreserved, sub-delims, percent-escapes), an IPv4
   * address, or a bracketed IP literal, then optional digits after a colon. No user info, no
   * spaces; empty is refused too, since no route has an empty host.
   */
  public static boolean validHost(@Nullable String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    int n = value.length();
    int i = 0;
    if (value.charAt(0) == '[') {
      int close = value.indexOf(']');
      if (close < 2) {
        return false;
      }
      for (i = 1; i < close; i++) {
        char c = value.charAt(i);
        if (!(hex(c) || c == ':' || c == '.' || c == 'v' || c == 'V')) {
          return false;
        }
      }
      i = close + 1;
    } else {
      for (; i < n && value.charAt(i) != ':'; i++) {
        char c = value.charAt(i);
        if (c == '%') {
          if (i + 2 >= n || !hex(value.charAt(i + 1)) || !hex(value.charAt(i + 2))) {
            return false;
          }
          i += 2;
        } else if (!regName(c)) {
          return false;
        }
      }
      if (i == 0) {
        return false;
      }
    }
    if (i == n) {
      return true;
    }
    if (value.charAt(i) != ':') {
      return false;
    }
    // A port, when given, is 1..65535 (RFC 6335 §6; port 0 is reserved): an empty one after the
    // colon is allowed by RFC 3986's grammar but names no port, so it is refused too.
    if (n - i - 1 < 1 || n - i - 1 > 5) {
      return false;
    }
    int port = 0;
    for (i++; i < n; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port >= 1 && port <= 65535;
  }

  /**
   * The authority of an absolute-form target ({@code http://host:port/path}, RFC 9112 §3.2.2), or
   * null when {@code target} is not one.
   */
  public static @Nullable String absoluteFormAuthority(String target) {
    int start = authorityStart(target);
    return start < 0 ? null : target.substring(start, authorityEnd(target, start));
  }

  /**
   * The origin-form part of an absolute-form target: its path and query, {@code /} when it has
   * none; {@code target} itself when it is not absolute-form.
   */
  public static String originForm(String target) {
    int start = authorityStart(target);
    if (start < 0) {
      return target;
    }
    int end = authorityEnd(target, start);
    if (end == target.length()) {
      return "/";
    }
    return target.charAt(end) == '?' ? "/" + target.substring(end) : target.substring(end);
  }

  private static int authorityStart(String target) {
    if (target.isEmpty() || target.charAt(0) == '/') {
      return -1;
    }
    int colon = target.indexOf("://");
    if (colon <= 0) {
      return -1;
    }
    for (int i = 0; i < colon; i++) {
      char c = target.charAt(i);
      boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) {
        return -1;
      }
    }
    return colon + 3;
  }

  private static int authorityEnd(String target, int start) {
    int end = start;
    while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
      end++;
    }
    return end;
  }

  private static boolean regName(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=".indexOf(c) >= 0;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
