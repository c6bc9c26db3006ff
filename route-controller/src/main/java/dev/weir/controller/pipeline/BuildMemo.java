package dev.weir.controller.pipeline;

import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.Upstream;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one memo the stages share: what a build did, reused by the next one where the inputs are the
 * same. Per Route its {@link RouteMemo} (each stage's result), per upstream the {@link Upstream},
 * per cluster its {@link ClusterIndex}. Only valid for the same domain and TLS settings ({@link
 * #fits}). A cache: a build from {@link #EMPTY} gives the same result, with more work.
 */
final class BuildMemo {

  static final BuildMemo EMPTY =
      new BuildMemo(null, null, Map.of(), Map.of(), Map.of(), null, List.of());

  private final @Nullable String domain;
  private final @Nullable TlsSettings tls;
  private final Map<String, ClusterIndex> indexes;
  private final Map<RouteKey, RouteMemo> routes;
  private final Map<Name, Upstream> upstreams;
  private final @Nullable List<ClusterObjects> inputs;
  private final List<AppliedModel> dataPlanes;
  private @Nullable Boolean anyActivatable; // computed on first use

  /** A memo that knows nothing of its build's inputs (no build without one may skip a stage). */
  BuildMemo(
      @Nullable String domain,
      @Nullable TlsSettings tls,
      Map<String, ClusterIndex> indexes,
      Map<RouteKey, RouteMemo> routes,
      Map<Name, Upstream> upstreams) {
    this(domain, tls, indexes, routes, upstreams, null, List.of());
  }

  /**
   * @param inputs the clusters' objects the build read (sorted by cluster name), or null
   * @param dataPlanes the data planes the Routes' {@code IngressReady} in {@code routes} is of
   */
  BuildMemo(
      @Nullable String domain,
      @Nullable TlsSettings tls,
      Map<String, ClusterIndex> indexes,
      Map<RouteKey, RouteMemo> routes,
      Map<Name, Upstream> upstreams,
      @Nullable List<ClusterObjects> inputs,
      List<AppliedModel> dataPlanes) {
    this.domain = domain;
    this.tls = tls;
    this.indexes = indexes;
    this.routes = routes;
    this.upstreams = upstreams;
    this.inputs = inputs;
    this.dataPlanes = dataPlanes;
  }

  /**
   * True when {@code clusters} are the very objects the memo's build read (the stores hand an
   * unchanged cluster over as the same object): no input changed since.
   */
  boolean sameInputs(List<ClusterObjects> clusters) {
    List<ClusterObjects> before = inputs;
    if (before == null || before.size() != clusters.size()) {
      return false;
    }
    for (int i = 0; i < clusters.size(); i++) {
      if (before.get(i) != clusters.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** The data planes the per-Route {@code IngressReady} conditions were computed from. */
  List<AppliedModel> dataPlanes() {
    return dataPlanes;
  }

  /** True when some upstream may sit at zero (its status also depends on the scale state). */
  boolean anyActivatable() {
    Boolean any = anyActivatable;
    if (any == null) {
      any = false;
      for (Upstream u : upstreams.values()) {
        if (u.activation() != null) {
          any = true;
          break;
        }
      }
      anyActivatable = any;
    }
    return any;
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

  /** The same memo with other per-Route work (a readiness recompute's for {@code planes}). */
  BuildMemo withRoutes(Map<RouteKey, RouteMemo> newRoutes, List<AppliedModel> planes) {
    return new BuildMemo(domain, tls, indexes, newRoutes, upstreams, inputs, planes);
  }

  @Override
  public String toString() {
    return "BuildMemo[" + routes.size() + " routes, " + upstreams.size() + " upstreams]";
  }
}
