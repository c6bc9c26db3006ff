package dev.weir.controller.pipeline;

import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayApiObjects;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.Upstream;
import java.util.ArrayList;
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
  private @Nullable Boolean anyRouteCertificate; // computed on first use
  private Path path = Path.FULL;

  /** How the build that made a memo went (tests, diagnostics). */
  enum Path {
    /** Every stage over every Route. */
    FULL,
    /** A few Routes edited, or the gate or the data planes alone changed ({@code patch}). */
    ROUTES,
    /** A few Gateway API routes edited ({@code patchGatewayApi}). */
    GATEWAY_API_ROUTES
  }

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

  /** How many edited Routes a build patches at most; with more it walks every Route. */
  static final int EDITED_LIMIT = 256;

  /**
   * The Routes of {@code clusters} that are not the very objects the memo's build read, when they
   * are the only change: every cluster the same (name, locality, config, staleness), its Services,
   * EndpointSlices and Secrets the very lists the build read (the stores hand an unchanged kind
   * over as the same list), its Gateway API objects the very objects or none (no GatewayClass,
   * Gateway or route: the compile has nothing to do), and each config cluster's Routes the same
   * keys in the same places (the stores keep them sorted by namespace and name). Empty when no
   * input changed; Rollouts are not the build's input. Null when something else changed, a Route
   * came or went, or more than {@link #EDITED_LIMIT} Routes were edited.
   */
  @Nullable List<RouteObject> editedRoutes(List<ClusterObjects> clusters) {
    List<ClusterObjects> before = inputs;
    if (before == null || before.size() != clusters.size()) {
      return null;
    }
    List<RouteObject> edited = new ArrayList<>();
    for (int i = 0; i < clusters.size(); i++) {
      ClusterObjects was = before.get(i);
      ClusterObjects is = clusters.get(i);
      if (was == is) {
        continue;
      }
      if (!sameApartFromRoutes(was, is)
          || (was.gatewayApi() != is.gatewayApi()
              && !(was.gatewayApi().isEmpty() && is.gatewayApi().isEmpty()))) {
        return null;
      }
      List<RouteObject> a = was.routes();
      List<RouteObject> b = is.routes();
      if (a == b || !is.config()) {
        continue; // only config clusters' Routes count
      }
      if (a.size() != b.size()) {
        return null;
      }
      for (int j = 0; j < b.size(); j++) {
        RouteObject r = b.get(j);
        if (a.get(j) != r) {
          if (!a.get(j).key().equals(r.key()) || edited.size() == EDITED_LIMIT) {
            return null;
          }
          edited.add(r);
        }
      }
    }
    return edited;
  }

  /**
   * The same cluster (name, locality, config, staleness) with the very Service, EndpointSlice and
   * Secret lists: what neither patch path rebuilds. Routes and Gateway API objects are each path's
   * own to compare.
   */
  private static boolean sameApartFromRoutes(ClusterObjects was, ClusterObjects is) {
    return was.cluster().equals(is.cluster())
        && was.locality().equals(is.locality())
        && was.config() == is.config()
        && was.stale() == is.stale()
        && was.services() == is.services()
        && was.endpointSlices() == is.endpointSlices()
        && was.secrets() == is.secrets();
  }

  /**
   * True when {@code clusters} differ from the objects the memo's build read in Gateway API routes
   * alone, or not at all: every cluster the same (name, locality, config, staleness), its Routes,
   * Services, EndpointSlices and Secrets the very lists the build read, and its Gateway API objects
   * the very objects but for the HTTPRoute and GRPCRoute lists (its GatewayClasses, Gateways,
   * ReferenceGrants and Namespaces the very objects, in the same order). Rollouts are not the
   * build's input.
   */
  boolean onlyGatewayApiRoutesChanged(List<ClusterObjects> clusters) {
    List<ClusterObjects> before = inputs;
    if (before == null || before.size() != clusters.size()) {
      return false;
    }
    for (int i = 0; i < clusters.size(); i++) {
      ClusterObjects was = before.get(i);
      ClusterObjects is = clusters.get(i);
      if (was == is) {
        continue;
      }
      if (!sameApartFromRoutes(was, is) || was.routes() != is.routes()) {
        return false;
      }
      GatewayApiObjects a = was.gatewayApi();
      GatewayApiObjects b = is.gatewayApi();
      if (a != b
          && !(a.cluster().equals(b.cluster())
              && sameObjects(a.gatewayClasses(), b.gatewayClasses())
              && sameObjects(a.gateways(), b.gateways())
              && sameObjects(a.referenceGrants(), b.referenceGrants())
              && sameObjects(a.referenceGrantsV1beta1(), b.referenceGrantsV1beta1())
              && sameObjects(a.namespaces(), b.namespaces()))) {
        return false;
      }
    }
    return true;
  }

  /** The same objects (by identity) in the same order. */
  private static boolean sameObjects(List<?> a, List<?> b) {
    if (a == b) {
      return true;
    }
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
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

  /**
   * Says, for a memo whose upstreams are known to have none that may sit at zero (a patched build
   * over a memo without one, adding none), what {@link #anyActivatable} would find by looking at
   * every upstream.
   *
   * @return this memo
   */
  BuildMemo noneActivatable() {
    anyActivatable = false;
    return this;
  }

  /**
   * True when some Route has a {@code CertificateProvisioned} condition: it asks for TLS (or the
   * default Secret covers it), so the certificate stage's state is not the Gateway listeners'
   * alone.
   */
  boolean anyRouteCertificate() {
    Boolean any = anyRouteCertificate;
    if (any == null) {
      any = false;
      for (RouteMemo m : routes.values()) {
        if (m.certificate() != null) {
          any = true;
          break;
        }
      }
      anyRouteCertificate = any;
    }
    return any;
  }

  /**
   * Takes over what {@code other} knows of {@link #anyRouteCertificate}, for a memo whose Routes'
   * certificate conditions are {@code other}'s (a patched build that changed only readiness).
   *
   * @return this memo
   */
  BuildMemo routeCertificatesAs(BuildMemo other) {
    anyRouteCertificate = other.anyRouteCertificate;
    return this;
  }

  /** Says which path the build that made this memo took; returns this memo. */
  BuildMemo madeBy(Path madeBy) {
    this.path = madeBy;
    return this;
  }

  /** Which path the build that made this memo took. */
  Path path() {
    return path;
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
