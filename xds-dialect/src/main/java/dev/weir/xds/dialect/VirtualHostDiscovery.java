package dev.weir.xds.dialect;

import static java.util.Objects.requireNonNull;

/**
 * Weir's use of VHDS, Envoy's Virtual Host Discovery Service: a data plane that asks for it gets
 * every route configuration without its virtual hosts and with {@code vhds} set (config source ADS,
 * resource API V3), and each virtual host as a resource of its own, {@link #TYPE_URL}, named {@code
 * {route configuration}/{virtual host}} ({@link #resourceName}). One changed host is then one small
 * resource on the wire instead of the whole route configuration.
 *
 * <p>VHDS exists only in incremental (Delta) xDS (envoyproxy.io, "Virtual Host Discovery Service
 * (VHDS)" and "xDS REST and gRPC protocol", section "Incremental xDS"), so the control plane
 * honours {@link #NODE_FIELD} on Delta ADS streams of Envoy and Weir's gateway only;
 * state-of-the-world streams and proxyless gRPC clients get whole route configurations whatever
 * they declare.
 *
 * <p>Written by the gateway (it declares {@link #NODE_FIELD} and subscribes to {@link #TYPE_URL}
 * with no names, which subscribes to every virtual host); read by the control plane, which groups
 * nodes by the field and serves the virtual hosts.
 */
public final class VirtualHostDiscovery {

  /**
   * The node metadata field (a bool) by which a data plane asks for VHDS; absent or false: whole
   * route configurations, as before.
   */
  public static final String NODE_FIELD = "weir.dev/vhds";

  /**
   * The type URL of a virtual host resource (Envoy's {@code envoy.config.route.v3.VirtualHost}).
   */
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.route.v3.VirtualHost";

  private VirtualHostDiscovery() {}

  /**
   * The resource name of the virtual host {@code virtualHost} of the route configuration {@code
   * routeConfiguration}: {@code weir-http/hello.default.example.com}. Envoy's VHDS names a virtual
   * host {@code <route configuration name>/<host entry>}; Weir's virtual host names are their host
   * names, so the two agree for a host's own name.
   *
   * @throws IllegalArgumentException if {@code virtualHost} is empty or holds a {@code /}
   */
  public static String resourceName(String routeConfiguration, String virtualHost) {
    requireNonNull(routeConfiguration, "routeConfiguration");
    requireNonNull(virtualHost, "virtualHost");
    if (virtualHost.isEmpty() || virtualHost.indexOf('/') >= 0) {
      throw new IllegalArgumentException(
          "virtual host name: '" + virtualHost + "' (expected: not empty, no '/')");
    }
    return routeConfiguration + "/" + virtualHost;
  }

  /**
   * The route configuration a virtual host resource name belongs to: everything before its last
   * {@code /} (a host holds no slash, a route configuration name may, so names are read from the
   * right, as Envoy's VHDS documentation says).
   *
   * @throws IllegalArgumentException if {@code resourceName} has no {@code /}, or nothing before or
   *     after its last one
   */
  public static String routeConfigurationOf(String resourceName) {
    return resourceName.substring(0, slash(resourceName));
  }

  /**
   * The virtual host a resource name names: everything after its last {@code /}.
   *
   * @throws IllegalArgumentException as {@link #routeConfigurationOf}
   */
  public static String virtualHostOf(String resourceName) {
    return resourceName.substring(slash(resourceName) + 1);
  }

  private static int slash(String resourceName) {
    int slash = resourceName.lastIndexOf('/');
    if (slash <= 0 || slash == resourceName.length() - 1) {
      throw new IllegalArgumentException(
          "virtual host resource name: '"
              + resourceName
              + "' (expected: {route configuration}/{virtual host})");
    }
    return slash;
  }
}
