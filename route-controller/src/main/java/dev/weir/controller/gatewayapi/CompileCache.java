package dev.weir.controller.gatewayapi;

import dev.weir.model.VirtualHost;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one {@link GatewayApiCompiler#compile} hands the next so that unchanged objects are not
 * compiled again (opaque outside this package): per route, the objects it was compiled from (by
 * identity), the Services it looked up (by value) and what it made (its parents' outcomes, its
 * rules per listener, its status); per host, the rules it was assembled from (by identity) and the
 * {@link dev.weir.model.VirtualHost} made of them. Everything is reused only while the objects
 * routes attach through (GatewayClasses, Gateways, ReferenceGrants, Namespaces) are the very same
 * objects as in that compile. The sorted Service list is reused while the Services are equal, and
 * the sorted host list (with the hosts' ages and routes) while the compile makes the same host
 * names and ports: only the hosts made again are put in their places.
 */
public final class CompileCache {

  /** No memo: everything is compiled. */
  public static final CompileCache EMPTY =
      new CompileCache(
          List.of(), Map.of(), Map.of(), Set.of(), List.of(), List.of(), Map.of(), Map.of());

  final List<Object> context;
  final Map<ObjectKey, GatewayApiCompiler.RouteMemo> routes;
  final Map<Object, GatewayApiCompiler.HostMemo> hosts;
  final Set<GatewayApiResult.ServiceRef> services;
  final List<GatewayApiResult.ServiceRef> sortedServices;
  final List<VirtualHost> sortedHosts;
  final Map<String, Instant> hostAges;
  final Map<String, List<ObjectKey>> hostRoutes;

  CompileCache(
      List<Object> context,
      Map<ObjectKey, GatewayApiCompiler.RouteMemo> routes,
      Map<Object, GatewayApiCompiler.HostMemo> hosts,
      Set<GatewayApiResult.ServiceRef> services,
      List<GatewayApiResult.ServiceRef> sortedServices,
      List<VirtualHost> sortedHosts,
      Map<String, Instant> hostAges,
      Map<String, List<ObjectKey>> hostRoutes) {
    this.context = context;
    this.routes = routes;
    this.hosts = hosts;
    this.services = services;
    this.sortedServices = sortedServices;
    this.sortedHosts = sortedHosts;
    this.hostAges = hostAges;
    this.hostRoutes = hostRoutes;
  }

  /** The number of routes remembered (tests). */
  int routeCount() {
    return routes.size();
  }

  @Override
  public String toString() {
    return "CompileCache[" + routes.size() + " routes, " + hosts.size() + " hosts]";
  }
}
