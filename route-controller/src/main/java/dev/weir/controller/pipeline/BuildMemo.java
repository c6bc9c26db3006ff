package dev.weir.controller.pipeline;

import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.Upstream;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one memo the stages share: what a build did, reused by the next one where the inputs are the
 * same. Per Route its {@link RouteMemo} (each stage's result), per upstream the {@link Upstream},
 * per cluster its {@link ClusterIndex}. Only valid for the same domain and TLS settings ({@link
 * #fits}). A cache: a build from {@link #EMPTY} gives the same result, with more work.
 */
final class BuildMemo {

  static final BuildMemo EMPTY = new BuildMemo(null, null, Map.of(), Map.of(), Map.of());

  private final @Nullable String domain;
  private final @Nullable TlsSettings tls;
  private final Map<String, ClusterIndex> indexes;
  private final Map<RouteKey, RouteMemo> routes;
  private final Map<Name, Upstream> upstreams;

  BuildMemo(
      @Nullable String domain,
      @Nullable TlsSettings tls,
      Map<String, ClusterIndex> indexes,
      Map<RouteKey, RouteMemo> routes,
      Map<Name, Upstream> upstreams) {
    this.domain = domain;
    this.tls = tls;
    this.indexes = indexes;
    this.routes = routes;
    this.upstreams = upstreams;
  }

  /** True when it was made for this domain and these TLS settings. */
  boolean fits(String otherDomain, TlsSettings otherTls) {
    return otherDomain.equals(domain) && otherTls.equals(tls);
  }

  /** Per cluster name, the index the last build used (empty when cluster names repeated). */
  Map<String, ClusterIndex> indexes() {
    return indexes;
  }

  /** Per Route, its work in the last build. */
  Map<RouteKey, RouteMemo> routes() {
    return routes;
  }

  /** Per revision (namespace, Service name), the upstream the last build made. */
  Map<Name, Upstream> upstreams() {
    return upstreams;
  }

  /** The same memo with other per-Route work (a readiness recompute's). */
  BuildMemo withRoutes(Map<RouteKey, RouteMemo> newRoutes) {
    return new BuildMemo(domain, tls, indexes, newRoutes, upstreams);
  }

  @Override
  public String toString() {
    return "BuildMemo[" + routes.size() + " routes, " + upstreams.size() + " upstreams]";
  }
}
