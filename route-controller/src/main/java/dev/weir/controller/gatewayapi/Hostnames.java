package dev.weir.controller.gatewayapi;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Gateway API host names: their syntax and how a listener's hostname and a route's hostnames
 * intersect.
 *
 * <p>Source: {@code HTTPRouteSpec.hostnames} and {@code GRPCRouteSpec.hostnames} (apis/v1,
 * httproute_types.go and grpcroute_types.go), {@code Listener.hostname} (gateway_types.go), the
 * {@code Hostname} type (shared_types.go: RFC 1123 names, no IPs, an optional leading {@code *.}
 * label; a wildcard is a suffix match of one or more labels, never the bare suffix).
 */
public final class Hostnames {

  /** {@code Hostname} of shared_types.go (the CRD pattern), at most 253 characters. */
  private static final Pattern HOSTNAME =
      Pattern.compile(
          "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  /** {@code PreciseHostname} of shared_types.go: no wildcard. */
  private static final Pattern PRECISE_HOSTNAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  private static final Pattern IPV4 = Pattern.compile("^[0-9]+(\\.[0-9]+){3}$");

  /**
   * The name of a host with no name: any host (a route without hostnames on a listener without).
   */
  public static final String ANY = "*";

  private Hostnames() {}

  /**
   * Why {@code name} is not a valid {@code Hostname} (wildcard allowed), or null when it is.
   *
   * @return e.g. {@code "must be a lowercase RFC 1123 name, optionally prefixed with *."}
   */
  public static @Nullable String hostnameProblem(String name) {
    if (name.isEmpty() || name.length() > 253) {
      return "must be 1 to 253 characters";
    }
    if (!HOSTNAME.matcher(name).matches()) {
      return "must be a lowercase RFC 1123 name, optionally prefixed with \"*.\"";
    }
    if (IPV4.matcher(name).matches()) {
      return "must not be an IP address";
    }
    return null;
  }

  /** Why {@code name} is not a valid {@code PreciseHostname} (no wildcard), or null. */
  public static @Nullable String preciseHostnameProblem(String name) {
    if (name.isEmpty() || name.length() > 253) {
      return "must be 1 to 253 characters";
    }
    if (!PRECISE_HOSTNAME.matcher(name).matches()) {
      return "must be a lowercase RFC 1123 name without wildcard";
    }
    return null;
  }

  /** True for {@code *.suffix}. */
  public static boolean isWildcard(String name) {
    return name.startsWith("*.");
  }

  /**
   * True when the (wildcard or exact) {@code pattern} matches the exact name {@code host}: equal,
   * or {@code *.suffix} and {@code host} ends with {@code .suffix} after one or more labels.
   */
  public static boolean matches(String pattern, String host) {
    String p = pattern.toLowerCase(Locale.ROOT);
    String h = host.toLowerCase(Locale.ROOT);
    if (p.equals(ANY)) {
      return true;
    }
    if (!isWildcard(p)) {
      return p.equals(h);
    }
    String suffix = p.substring(1); // ".suffix"
    return h.length() > suffix.length() && h.endsWith(suffix) && !isWildcard(h);
  }

  /**
   * The host names a route serves through a listener: its hostnames intersected with the
   * listener's, as the specification words it ({@code HTTPRouteSpec.hostnames}):
   *
   * <ul>
   *   <li>listener without hostname: the route's hostnames, or {@code *} when it has none;
   *   <li>route without hostnames: the listener's hostname;
   *   <li>both: each route hostname that matches the listener's (an exact one matched by the
   *       listener's wildcard, a wildcard within the listener's wildcard), and the listener's
   *       hostname for each route wildcard that covers it ({@code *.example.com} on listener {@code
   *       foo.example.com} gives {@code foo.example.com}; on listener {@code *.foo.example.com}
   *       gives {@code *.foo.example.com}); route hostnames that match nothing are ignored.
   * </ul>
   *
   * @return distinct names in the route's order; empty when nothing intersects (the route is then
   *     not accepted by that listener: {@code NoMatchingListenerHostname})
   */
  public static List<String> intersect(@Nullable String listener, List<String> route) {
    if (listener == null || listener.isEmpty()) {
      return route.isEmpty() ? List.of(ANY) : List.copyOf(new LinkedHashSet<>(route));
    }
    if (route.isEmpty()) {
      return List.of(listener);
    }
    Set<String> out = new LinkedHashSet<>();
    for (String r : route) {
      String i = intersect(listener, r);
      if (i != null) {
        out.add(i);
      }
    }
    return new ArrayList<>(out);
  }

  /** The intersection of two host names (each exact or wildcard), or null when they are apart. */
  static @Nullable String intersect(String listener, String route) {
    boolean lw = isWildcard(listener);
    boolean rw = isWildcard(route);
    if (!lw && !rw) {
      return listener.equals(route) ? route : null;
    }
    if (lw && !rw) {
      return matches(listener, route) ? route : null;
    }
    if (!lw) {
      return matches(route, listener) ? listener : null;
    }
    // Both wildcards: the narrower one, when one lies within the other.
    String ls = listener.substring(1); // ".suffix"
    String rs = route.substring(1);
    if (rs.endsWith(ls)) {
      return route;
    }
    if (ls.endsWith(rs)) {
      return listener;
    }
    return null;
  }

  /**
   * True when a request for a host served under {@code specific} may also be taken by the rules of
   * {@code general}: {@code *} covers every host, a wildcard covers the exact names and narrower
   * wildcards within it.
   */
  static boolean covers(String general, String specific) {
    if (general.equals(specific)) {
      return false;
    }
    if (general.equals(ANY)) {
      return true;
    }
    if (specific.equals(ANY) || !isWildcard(general)) {
      return false;
    }
    if (isWildcard(specific)) {
      return specific.substring(1).endsWith(general.substring(1));
    }
    return matches(general, specific);
  }
}
