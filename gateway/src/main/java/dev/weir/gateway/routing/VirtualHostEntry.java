package dev.weir.gateway.routing;

import org.jspecify.annotations.Nullable;

/** One virtual host of a routing table: the Weir Route it serves and its ordered routes. */
public final class VirtualHostEntry {

  private final String name;
  private final String route;
  private final RouteEntry[] routes;
  private final boolean redirect;

  VirtualHostEntry(String name, String route, RouteEntry[] routes, boolean redirect) {
    this.name = name;
    this.route = route;
    this.routes = routes;
    this.redirect = redirect;
  }

  /** Whether plain HTTP requests for this host are answered with a 301 to HTTPS. */
  public boolean redirect() {
    return redirect;
  }

  public String name() {
    return name;
  }

  /** The Weir Route ({@code <namespace>/<name>}) this host belongs to. */
  public String route() {
    return route;
  }

  /** The first route that matches, in configuration order; null when none does. */
  public @Nullable RouteEntry match(String path, RouteEntry.Headers headers) {
    return match(path, null, headers);
  }

  /**
   * The first route that matches, in configuration order (Envoy's rule: the first match wins); null
   * when none does.
   *
   * @param path the path as sent, without the query
   * @param query the raw query (after {@code ?}), or null
   */
  public @Nullable RouteEntry match(
      String path, @Nullable String query, RouteEntry.Headers headers) {
    for (RouteEntry entry : routes) {
      if (entry.matches(path, query, headers)) {
        return entry;
      }
    }
    return null;
  }

  int routeCount() {
    return routes.length;
  }

  RouteEntry routeAt(int i) {
    return routes[i];
  }

  @Override
  public String toString() {
    return name;
  }
}
