package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One virtual host of the route configuration.
 *
 * @param domains the host names it serves, lower case, without ports; {@code "*"} for any host and
 *     {@code "*.suffix"} for a suffix
 * @param route the Weir Route it belongs to ({@code <namespace>/<name>}), used to tag metrics
 * @param redirect plain HTTP requests for it get a 301 to HTTPS
 */
public record VirtualHostSpec(
    String name, List<String> domains, String route, List<RouteSpec> routes, boolean redirect) {

  /** A virtual host served over plain HTTP too. */
  public VirtualHostSpec(String name, List<String> domains, String route, List<RouteSpec> routes) {
    this(name, domains, route, routes, false);
  }

  public VirtualHostSpec {
    requireNonNull(name, "name");
    requireNonNull(route, "route");
    domains = List.copyOf(domains);
    routes = List.copyOf(routes);
  }
}
