package dev.weir.controller.gatewayapi;

import dev.weir.model.VirtualHost;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link GatewayApiCompiler#compile} hands the next so that unchanged objects are not
 * compiled again (opaque outside this package): per route, the objects it was compiled from (by
 * identity), the Services it looked up (by value) and what it made (its parents' outcomes, its
 * rules per listener, its status); per host, the rules it was assembled from (by identity), the
 * routes whose rules it carries and the {@link dev.weir.model.VirtualHost} made of them. Everything
 * is reused only while the objects routes attach through (GatewayClasses, Gateways,
 * ReferenceGrants, Namespaces) are the very same objects as in that compile. The sorted Service
 * list is reused while the Services are equal, and the sorted host list (with the hosts' ages and
 * routes) while the compile makes the same host names and ports: only the hosts made again are put
 * in their places.
 *
 * <p>With the input it was made from, per listener the routes attached to it, which hosts had rules
 * of both route kinds or of a wildcard host, and the certificates with the serving HTTPS listeners'
 * certificates they were picked from, it lets a compile in which only a few routes changed (the
 * rest the very same objects, no Service changed) work on those routes and their hosts alone: the
 * compile's delta path.
 */
public final class CompileCache {

  /** No memo: everything is compiled. */
  public static final CompileCache EMPTY =
      new CompileCache(
          List.of(), Map.of(), Map.of(), Set.of(), List.of(), List.of(), Map.of(), Map.of(), null,
          Map.of(), true, Set.of(), Set.of(), false, null, List.of(), Map.of());

  final List<Object> context;
  final Map<ObjectKey, GatewayApiCompiler.RouteMemo> routes;
  final Map<Object, GatewayApiCompiler.HostMemo> hosts;
  final Set<GatewayApiResult.ServiceRef> services;
  final List<GatewayApiResult.ServiceRef> sortedServices;
  final List<VirtualHost> sortedHosts;
  final Map<String, Instant> hostAges;
  final Map<String, List<ObjectKey>> hostRoutes;

  /** The clusters' objects compiled, or null when unknown (no delta path from this memo). */
  final @Nullable List<GatewayApiObjects> inputs;

  /** Per Weir Gateway, per listener (by index) the routes attached to it. */
  final Map<ObjectKey, int[]> attached;

  /** True when some host was a wildcard or {@code *} (its rules reach other hosts). */
  final boolean anyWide;

  /** The hosts ({@code HostPort}) that had rules of both route kinds (one kind keeps a host). */
  final Set<Object> mixed;

  /** The routes whose Weir parents it cleared (a status without them: the next may drop it). */
  final Set<ObjectKey> cleared;

  /** True when the delta path made it (tests). */
  final boolean delta;

  /**
   * What the certificates depend on besides the hosts: the serving HTTPS listeners' certificates
   * (by Gateway and listener), or null when the delta path may not patch them.
   */
  final @Nullable List<Object> certificateContext;

  /** The compile's certificates (before any host was lost to a Weir Route). */
  final List<dev.weir.model.Certificate> certificates;

  /** The compile's routes with unresolved parents (the result's, for the delta path). */
  final Map<ObjectKey, GatewayApiResult.UnresolvedParents> unresolved;

  CompileCache(
      List<Object> context,
      Map<ObjectKey, GatewayApiCompiler.RouteMemo> routes,
      Map<Object, GatewayApiCompiler.HostMemo> hosts,
      Set<GatewayApiResult.ServiceRef> services,
      List<GatewayApiResult.ServiceRef> sortedServices,
      List<VirtualHost> sortedHosts,
      Map<String, Instant> hostAges,
      Map<String, List<ObjectKey>> hostRoutes,
      @Nullable List<GatewayApiObjects> inputs,
      Map<ObjectKey, int[]> attached,
      boolean anyWide,
      Set<Object> mixed,
      Set<ObjectKey> cleared,
      boolean delta,
      @Nullable List<Object> certificateContext,
      List<dev.weir.model.Certificate> certificates,
      Map<ObjectKey, GatewayApiResult.UnresolvedParents> unresolved) {
    this.context = context;
    this.routes = routes;
    this.hosts = hosts;
    this.services = services;
    this.sortedServices = sortedServices;
    this.sortedHosts = sortedHosts;
    this.hostAges = hostAges;
    this.hostRoutes = hostRoutes;
    this.inputs = inputs;
    this.attached = attached;
    this.anyWide = anyWide;
    this.mixed = mixed;
    this.cleared = cleared;
    this.delta = delta;
    this.certificateContext = certificateContext;
    this.certificates = certificates;
    this.unresolved = unresolved;
  }

  /**
   * The same memo for a state whose statuses are not all the compile's own (a host lost to a Weir
   * Route marks its routes' parents): the next compile reuses per-route and per-host work but walks
   * every route, as only that recomputes every status.
   */
  CompileCache withoutDelta() {
    return inputs == null
        ? this
        : new CompileCache(
            context,
            routes,
            hosts,
            services,
            sortedServices,
            sortedHosts,
            hostAges,
            hostRoutes,
            null,
            attached,
            anyWide,
            mixed,
            cleared,
            delta,
            certificateContext,
            certificates,
            unresolved);
  }

  /** The number of routes remembered (tests). */
  int routeCount() {
    return routes.size();
  }

  /** True when the compile that made it took the delta path (tests). */
  boolean madeByDelta() {
    return delta;
  }

  @Override
  public String toString() {
    return "CompileCache[" + routes.size() + " routes, " + hosts.size() + " hosts]";
  }
}
