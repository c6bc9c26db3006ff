package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.Target;
import dev.weir.gateway.routing.Upstream;
import org.jspecify.annotations.Nullable;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway decided for one request, kept as an exchange attribute so the headers filter,
 * the Netty routing filter and the metrics filter read it without looking anything up again.
 */
final class ProxyExchange {

  static final String ATTRIBUTE = ProxyExchange.class.getName();

  final String route;
  final @Nullable RouteEntry routeEntry;
  final @Nullable Target target;
  final @Nullable Upstream upstream;
  // The target as the client sent it (origin form), forwarded unchanged.
  final String pathAndQuery;
  // Whether pathAndQuery holds characters java.net.URI refuses (sent as a string, not a URI).
  boolean rawTarget;
  @Nullable Endpoint endpoint;
  @Nullable Endpoint failed;
  int attempts;
  // The last attempt whose upstream response headers arrived.
  int answered;
  @Nullable String error;

  ProxyExchange(
      String route,
      @Nullable RouteEntry routeEntry,
      @Nullable Target target,
      @Nullable Upstream upstream,
      String pathAndQuery) {
    this.route = route;
    this.routeEntry = routeEntry;
    this.target = target;
    this.upstream = upstream;
    this.pathAndQuery = pathAndQuery;
  }

  /** The same decision, forwarded to {@code next}: the cluster's upstream once it was woken. */
  ProxyExchange releasedTo(Upstream next) {
    ProxyExchange released = new ProxyExchange(route, routeEntry, target, next, pathAndQuery);
    released.rawTarget = rawTarget;
    return released;
  }

  static @Nullable ProxyExchange of(ServerWebExchange exchange) {
    return exchange.getAttribute(ATTRIBUTE);
  }

  String revision() {
    return target == null ? "none" : target.cluster();
  }

  String sourceCluster() {
    Endpoint e = endpoint;
    return e == null ? "none" : e.sourceCluster();
  }
}
