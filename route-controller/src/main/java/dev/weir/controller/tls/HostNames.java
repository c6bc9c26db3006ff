package dev.weir.controller.tls;

import java.util.Locale;

/** How certificate DNS names (RFC 6125) and SNI server names match hosts. */
public final class HostNames {

  private HostNames() {}

  /**
   * True when {@code pattern} is {@code host} (ignoring case) or {@code *.<rest>} and {@code host}
   * is one label followed by {@code .<rest>}: a wildcard covers exactly one leading label.
   */
  public static boolean covers(String pattern, String host) {
    String p = pattern.toLowerCase(Locale.ROOT);
    String h = host.toLowerCase(Locale.ROOT);
    if (!p.startsWith("*.")) {
      return p.equals(h);
    }
    String rest = p.substring(1); // ".<rest>"
    int dot = h.indexOf('.');
    return dot > 0 && h.substring(dot).equals(rest);
  }
}
