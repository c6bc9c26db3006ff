package dev.weir.xds.translate;

import static dev.weir.xds.translate.XdsProtos.clusterRoute;
import static dev.weir.xds.translate.XdsProtos.exactHeader;
import static dev.weir.xds.translate.XdsProtos.prefixMatch;
import static java.util.Objects.requireNonNull;

import dev.weir.model.Activation;
import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpOption;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirHeaders;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link TrafficModel} into the Envoy resources one kind of data plane in one locality
 * needs. The result depends only on the arguments. What does not depend on the group is translated
 * once per model; protos of upstreams and virtual hosts equal to the previous model's are reused
 * instead of rebuilt, and so are whole lists whose every element was reused, so that callers can
 * see by identity which kinds of resource did not change.
 *
 * <p>A model {@link TrafficModel#patchFrom patched from} the model translated last is translated in
 * time proportional to the hosts the patch took out and put in: each group's virtual hosts are the
 * last ones with the hosts of those names redone, and a route configuration's version comes from
 * its hosts' versions in chunks that end after each host whose name hashes to one in 64, so only
 * the chunks holding a patched host are hashed again. The resources are the same, versions
 * included, as a translator without a previous model gives.
 *
 * <p>Certificates become SDS secrets and the {@code weir-https} listener only for Envoy and the
 * Weir gateway, and only when the caller says the group may receive private keys; otherwise the
 * group is served as if there were no certificates. Proxyless gRPC clients never get either.
 *
 * <p>An upstream with an {@link Activation} is marked activatable in its Cluster's {@code weir}
 * metadata. Envoy cannot hold requests, so while such an upstream has no ready endpoint, Envoy's
 * load assignment for it lists the <em>activators</em> instead (the gateways, which hold the
 * requests until the revision is awake and then forward them), as Knative's activator does; the
 * gateway and proxyless gRPC clients always get the upstream's own endpoints.
 *
 * <p>A Gateway API host (rule based, {@link VirtualHost#ruleBased()}) gets one route per rule, in
 * order ({@code RuleRoutes}); proxyless gRPC clients get its rules in a form grpc-java reads (no
 * redirects or direct responses, {@code path_separated_prefix} as {@code path} plus {@code
 * prefix}), since grpc-java rejects a whole route configuration for one route it cannot read; for
 * the same reason a Route without a ready revision, a rule without a valid backend and an invalid
 * backend's share route them to {@code ResourceNames.NO_READY_REVISION_CLUSTER}, a cluster without
 * endpoints (Envoy and the gateway get a {@code direct_response} 503 or 500, or the share's {@code
 * cluster_not_found_response_code}), so their call fails {@code UNAVAILABLE} for that host only.
 * Their {@code api_listener}s leave wildcard hosts out.
 *
 * <p>Thread-safe; call {@link #endRound()} after translating one model for every node group so that
 * what the next model no longer uses is forgotten.
 */
public final class Translator {

  /** The default port of the {@code weir-https} listener. */
  public static final int DEFAULT_HTTPS_LISTENER_PORT = 8443;

  private final int httpListenerPort;
  private final int httpsListenerPort;
  private final List<Endpoint> activators;
  private final Memo<ActivatorKey, Versioned<ClusterLoadAssignment>> activatorMemo = new Memo<>();
  private final Memo<String, Versioned<Listener>> apiListenerMemo = new Memo<>();
  private final Memo<Certificate, Versioned<Secret>> secretMemo = new Memo<>();
  private final Memo<List<ChainKey>, Versioned<Listener>> httpsListenerMemo = new Memo<>();
  private static final Versioned<Cluster> NO_READY_REVISION_CLUSTER =
      Versioned.of(ResourceNames.NO_READY_REVISION_CLUSTER, XdsProtos.noReadyRevisionCluster());
  private static final Versioned<ClusterLoadAssignment> NO_READY_REVISION_ENDPOINTS =
      Versioned.of(
          ResourceNames.NO_READY_REVISION_CLUSTER, XdsProtos.noReadyRevisionLoadAssignment());
  private final Versioned<Listener> httpListener;
  private final List<Versioned<Listener>> envoyListeners;
  private final Object partsLock = new Object();
  // guarded by partsLock: the parts of the newest model asked for
  private Parts latest;

  /** A translator whose Envoy listeners bind {@code httpListenerPort} and port 8443 for HTTPS. */
  public Translator(int httpListenerPort) {
    this(httpListenerPort, DEFAULT_HTTPS_LISTENER_PORT);
  }

  /**
   * A translator whose Envoy listeners bind {@code httpListenerPort} and {@code httpsListenerPort}.
   */
  public Translator(int httpListenerPort, int httpsListenerPort) {
    this(httpListenerPort, httpsListenerPort, List.of());
  }

  /**
   * A translator whose Envoy listeners bind {@code httpListenerPort} and {@code httpsListenerPort},
   * and whose Envoy load assignments of activatable upstreams without a ready endpoint list {@code
   * activators} (the gateways' addresses, with the Weir cluster and locality each runs in; none:
   * such an upstream has no endpoint for Envoy).
   */
  public Translator(int httpListenerPort, int httpsListenerPort, List<Endpoint> activators) {
    requirePort("httpListenerPort", httpListenerPort);
    requirePort("httpsListenerPort", httpsListenerPort);
    this.httpListenerPort = httpListenerPort;
    this.httpsListenerPort = httpsListenerPort;
    this.activators = List.copyOf(activators).stream().sorted().toList();
    this.httpListener =
        Versioned.of(ResourceNames.HTTP_LISTENER, XdsProtos.httpListener(httpListenerPort));
    this.envoyListeners = List.of(httpListener);
  }

  private static void requirePort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + ": " + port + " (expected: 1..65535)");
    }
  }

  /** The port of Envoy's {@code weir-https} listener. */
  public int httpsListenerPort() {
    return httpsListenerPort;
  }

  /** The port of Envoy's {@code weir-http} listener. */
  public int httpListenerPort() {
    return httpListenerPort;
  }

  /** The activator endpoints Envoy gets for a cold activatable upstream, sorted. */
  public List<Endpoint> activators() {
    return activators;
  }

  /**
   * The resources for data planes of {@code kind} running in {@code viewer}, on a connection that
   * may carry private keys.
   */
  public XdsResources translate(TrafficModel model, DataPlaneKind kind, Locality viewer) {
    return translate(model, kind, viewer, true);
  }

  /**
   * The resources for data planes of {@code kind} running in {@code viewer}; {@code secretsAllowed}
   * says whether their connection may carry private keys (without, HTTPS is left out entirely so
   * that nothing refers to a secret they do not get).
   */
  public XdsResources translate(
      TrafficModel model, DataPlaneKind kind, Locality viewer, boolean secretsAllowed) {
    return translate(model, kind, viewer, secretsAllowed, Set.of());
  }

  /**
   * The resources for data planes of {@code kind} in {@code viewer} that serve the Gateways {@code
   * gateways} ({@code namespace/name}; empty: every Gateway): the virtual hosts {@link
   * VirtualHost#servedBy(Set) served by} them, hosts on {@link VirtualHost#SHARED_PORT} in {@code
   * weir-http} (and {@code weir-https}), and for Envoy and the gateway one listener and route
   * configuration {@code weir-http-{port}} per other port those hosts name (Envoy binds the port
   * itself). A host several Gateways serve keeps only the rules of the Gateways these data planes
   * serve ({@link VirtualHost#servedTo}). Proxyless gRPC clients get every served host name once,
   * in {@code weir-http} (the one on the lowest port).
   */
  public XdsResources translate(
      TrafficModel model,
      DataPlaneKind kind,
      Locality viewer,
      boolean secretsAllowed,
      Set<String> gateways) {
    requireNonNull(model, "model");
    requireNonNull(kind, "kind");
    requireNonNull(viewer, "viewer");
    boolean https =
        secretsAllowed && kind != DataPlaneKind.PROXYLESS_GRPC && !model.certificates().isEmpty();
    synchronized (partsLock) {
      Parts parts = parts(model);
      Set<String> served = parts.anyGateways() ? Set.copyOf(gateways) : Set.of();
      HostParts hosts =
          kind == DataPlaneKind.PROXYLESS_GRPC
              ? parts.proxylessHosts(served)
              : parts.hosts(https, served);
      List<Versioned<Listener>> listeners =
          switch (kind) {
            case ENVOY -> https ? parts.envoyHttpsListeners() : envoyListeners;
            case GATEWAY -> https ? parts.httpsListeners() : List.of();
            case PROXYLESS_GRPC -> parts.apiListeners(hosts);
          };
      List<Versioned<RouteConfiguration>> routes = hosts.routes();
      if (kind != DataPlaneKind.PROXYLESS_GRPC && !parts.ports(served).isEmpty()) {
        PortParts ports = parts.portParts(kind, https, served, listeners, routes);
        listeners = ports.listeners();
        routes = ports.routes();
      }
      List<Versioned<Cluster>> clusters = parts.clusters();
      List<Versioned<ClusterLoadAssignment>> endpoints =
          kind == DataPlaneKind.ENVOY ? parts.envoyEndpoints(viewer) : parts.endpoints(viewer);
      if (kind == DataPlaneKind.PROXYLESS_GRPC && parts.anyNotReady()) {
        clusters = parts.proxylessClusters();
        endpoints = parts.proxylessEndpoints(viewer);
      }
      return new XdsResources(
          listeners, routes, clusters, endpoints, https ? parts.secrets() : List.of());
    }
  }

  // Every node group of one model shares what does not depend on the group, and a part whose
  // resources are the very objects of the previous model's is that part itself: the server then
  // sees at a glance (by identity) what did not change.
  private Parts parts(TrafficModel model) {
    if (latest == null || latest.model != model) {
      if (latest != null) {
        latest.previous = null;
      }
      latest = new Parts(model, latest);
    }
    return latest;
  }

  /** What one model translates to, computed once per model and part as groups ask for it. */
  private final class Parts {
    final TrafficModel model;
    Parts previous;
    private List<String> upstreamNames;
    private Derived<Upstream, Versioned<Cluster>> clusters;
    private final Map<Locality, Derived<Upstream, Versioned<ClusterLoadAssignment>>> endpoints =
        new HashMap<>();
    private final Map<Locality, List<Versioned<ClusterLoadAssignment>>> envoyEndpoints =
        new HashMap<>();
    private Boolean anyCold;
    // Plain, HTTPS, and (only for a model with Gateway API hosts or Routes without a ready
    // revision) proxyless gRPC clients', per served Gateways and port.
    private final Map<HostsKey, HostParts> hosts = new HashMap<>();
    private final Map<Set<String>, SortedSet<Integer>> ports = new HashMap<>();
    private final Map<PortsKey, PortParts> portParts = new HashMap<>();
    private Boolean anyGateways;
    // By identity: hashing a record would walk its content.
    private final Map<HostParts, List<Versioned<Listener>>> apiListenersBy =
        new IdentityHashMap<>();
    private Boolean ownProxylessForm;
    private List<Versioned<Listener>> apiListeners;
    private @Nullable List<String> apiListenersNames;
    private List<Versioned<Listener>> httpsListeners;
    private List<Versioned<Listener>> envoyHttpsListeners;
    private List<Versioned<Secret>> secrets;

    // The hosts the model was patched with from the previous model's, when it was: what depends on
    // the hosts is then the previous model's with those hosts redone (certificates and the HTTP
    // option are the previous model's).
    final TrafficModel.@Nullable Patch patch;

    Parts(TrafficModel model, @Nullable Parts previous) {
      this.model = model;
      this.previous = previous;
      this.patch = previous == null ? null : model.patchFrom(previous.model);
    }

    // Whether some host of the model has {@code has}, from the previous model's answer and the
    // patch: true stays true unless a host taken out had it, false turns true only by a host put
    // in; null when that does not tell (then every host is looked at).
    private @Nullable Boolean carried(@Nullable Boolean before, Predicate<VirtualHost> has) {
      if (patch == null || before == null) {
        return null;
      }
      if (patch.addedHosts().stream().anyMatch(has)) {
        return true;
      }
      if (!before) {
        return false;
      }
      return patch.removedHosts().stream().anyMatch(has) ? null : true;
    }

    private boolean any(@Nullable Boolean before, Predicate<VirtualHost> has) {
      Boolean carried = carried(before, has);
      return carried != null ? carried : model.virtualHosts().stream().anyMatch(has);
    }

    // Upstreams are sorted by name, so their names are too.
    List<String> upstreamNames() {
      if (upstreamNames == null) {
        List<String> names = new ArrayList<>(model.upstreams().size());
        for (Upstream upstream : model.upstreams()) {
          names.add(upstream.name());
        }
        upstreamNames = names;
      }
      return upstreamNames;
    }

    // A binary search that does not build every name it passes (the model is sorted by name).
    Upstream upstream(String name) {
      List<Upstream> upstreams = model.upstreams();
      int low = 0;
      int high = upstreams.size() - 1;
      while (low <= high) {
        int middle = (low + high) >>> 1;
        int order = compareName(upstreams.get(middle), name);
        if (order == 0) {
          return upstreams.get(middle);
        } else if (order < 0) {
          low = middle + 1;
        } else {
          high = middle - 1;
        }
      }
      throw new IllegalStateException("upstream " + name + " is not in the model");
    }

    // An endpoint change is the common one; a model whose upstreams are all equal to the previous
    // model's takes its clusters and load assignments as they are, after one pass of comparing.
    private Boolean upstreamsUnchanged;

    boolean upstreamsUnchanged() {
      if (upstreamsUnchanged == null) {
        upstreamsUnchanged =
            previous != null && model.upstreams().equals(previous.model.upstreams());
      }
      return upstreamsUnchanged;
    }

    List<Versioned<Cluster>> clusters() {
      if (clusters == null && upstreamsUnchanged() && previous.clusters != null) {
        clusters = previous.clusters;
      }
      if (clusters == null) {
        clusters =
            derive(
                model.upstreams(),
                upstreamNames(),
                previous == null ? null : previous.clusters,
                (a, b) ->
                    a.namespace().equals(b.namespace())
                        && a.revision().equals(b.revision())
                        && a.protocol() == b.protocol()
                        && Objects.equals(a.activation(), b.activation()),
                Translator::cluster);
      }
      return clusters.results();
    }

    List<Versioned<ClusterLoadAssignment>> endpoints(Locality viewer) {
      Derived<Upstream, Versioned<ClusterLoadAssignment>> derived = endpoints.get(viewer);
      if (derived == null && upstreamsUnchanged()) {
        derived = previous.endpoints.get(viewer);
        if (derived != null) {
          endpoints.put(viewer, derived);
        }
      }
      if (derived == null) {
        derived =
            derive(
                model.upstreams(),
                upstreamNames(),
                previous == null ? null : previous.endpoints.get(viewer),
                Upstream::equals,
                upstream -> loadAssignment(upstream, viewer));
        endpoints.put(viewer, derived);
      }
      return derived.results();
    }

    // Envoy's: the same, but a cold activatable upstream's assignment lists the activators.
    List<Versioned<ClusterLoadAssignment>> envoyEndpoints(Locality viewer) {
      List<Versioned<ClusterLoadAssignment>> regular = endpoints(viewer);
      if (activators.isEmpty() || !anyCold()) {
        return regular;
      }
      List<Versioned<ClusterLoadAssignment>> list = envoyEndpoints.get(viewer);
      if (list == null) {
        List<Upstream> upstreams = model.upstreams();
        List<Versioned<ClusterLoadAssignment>> fresh = new ArrayList<>(regular);
        for (int i = 0; i < upstreams.size(); i++) {
          Upstream upstream = upstreams.get(i);
          if (cold(upstream)) {
            fresh.set(
                i,
                activatorMemo.get(
                    new ActivatorKey(upstream.namespace(), upstream.revision(), viewer),
                    key ->
                        loadAssignment(key.namespace(), key.revision(), activators, key.viewer())));
          }
        }
        List<Versioned<ClusterLoadAssignment>> old =
            previous == null ? null : previous.envoyEndpoints.get(viewer);
        list = reuse(fresh, old);
        envoyEndpoints.put(viewer, list);
      }
      return list;
    }

    private Boolean anyNotReady;
    private List<Versioned<Cluster>> proxylessClusters;
    private final Map<Locality, List<Versioned<ClusterLoadAssignment>>> proxylessEndpoints =
        new HashMap<>();

    // A Route's host without a ready revision, or a rule without a valid backend or with an
    // invalid backend's share: proxyless clients route those to an empty cluster.
    boolean anyNotReady() {
      if (anyNotReady == null) {
        anyNotReady =
            any(previous == null ? null : previous.anyNotReady, Translator::needsEmptyCluster);
      }
      return anyNotReady;
    }

    List<Versioned<Cluster>> proxylessClusters() {
      if (proxylessClusters == null) {
        List<Versioned<Cluster>> list = new ArrayList<>(clusters());
        list.add(NO_READY_REVISION_CLUSTER);
        proxylessClusters = reuse(list, previous == null ? null : previous.proxylessClusters);
      }
      return proxylessClusters;
    }

    List<Versioned<ClusterLoadAssignment>> proxylessEndpoints(Locality viewer) {
      List<Versioned<ClusterLoadAssignment>> list = proxylessEndpoints.get(viewer);
      if (list == null) {
        List<Versioned<ClusterLoadAssignment>> fresh = new ArrayList<>(endpoints(viewer));
        fresh.add(NO_READY_REVISION_ENDPOINTS);
        list = reuse(fresh, previous == null ? null : previous.proxylessEndpoints.get(viewer));
        proxylessEndpoints.put(viewer, list);
      }
      return list;
    }

    boolean anyCold() {
      if (anyCold == null && upstreamsUnchanged()) {
        anyCold = previous.anyCold;
      }
      if (anyCold == null) {
        anyCold = model.upstreams().stream().anyMatch(Translator::cold);
      }
      return anyCold;
    }

    // Only a model whose hosts name Gateways tells groups apart by the Gateways they serve.
    boolean anyGateways() {
      if (anyGateways == null) {
        anyGateways =
            any(previous == null ? null : previous.anyGateways, vh -> !vh.gateways().isEmpty());
      }
      return anyGateways;
    }

    // The ports other than the shared one that the hosts served to these Gateways name; for a
    // patch that takes out no host on a port its hosts put in do not name, the previous model's
    // ports and those of the hosts put in.
    SortedSet<Integer> ports(Set<String> served) {
      SortedSet<Integer> known = ports.get(served);
      if (known != null) {
        return known;
      }
      SortedSet<Integer> before = patch == null ? null : previous.ports.get(served);
      SortedSet<Integer> out = new TreeSet<>();
      if (before != null) {
        for (VirtualHost vh : patch.addedHosts()) {
          if (!vh.sharedPort() && vh.servedBy(served)) {
            out.add(vh.port());
          }
        }
        for (VirtualHost vh : patch.removedHosts()) {
          if (!vh.sharedPort() && vh.servedBy(served) && !out.contains(vh.port())) {
            before = null; // a port that may be gone: look at every host
            break;
          }
        }
      }
      if (before != null) {
        out.addAll(before);
        if (out.equals(before)) {
          out = before;
        }
      } else {
        out.clear();
        for (VirtualHost vh : model.virtualHosts()) {
          if (!vh.sharedPort() && vh.servedBy(served)) {
            out.add(vh.port());
          }
        }
      }
      ports.put(served, out);
      return out;
    }

    // The shared listeners and route configuration plus one of each per other port, sorted by
    // name as the shared ones are.
    PortParts portParts(
        DataPlaneKind kind,
        boolean https,
        Set<String> served,
        List<Versioned<Listener>> sharedListeners,
        List<Versioned<RouteConfiguration>> sharedRoutes) {
      PortsKey key = new PortsKey(kind, https, served);
      PortParts parts = portParts.get(key);
      if (parts == null) {
        List<Versioned<Listener>> listeners = new ArrayList<>(sharedListeners);
        List<Versioned<RouteConfiguration>> routes = new ArrayList<>(sharedRoutes);
        for (int port : ports(served)) {
          listeners.add(
              Versioned.of(ResourceNames.portListener(port), XdsProtos.portListener(port, port)));
          routes.addAll(hosts(https ? 1 : 0, https, false, served, port).routes());
        }
        listeners.sort(Comparator.comparing(Versioned::name));
        routes.sort(Comparator.comparing(Versioned::name));
        PortParts old = previous == null ? null : previous.portParts.get(key);
        parts =
            new PortParts(
                reuse(listeners, old == null ? null : old.listeners()),
                reuse(routes, old == null ? null : old.routes()));
        portParts.put(key, parts);
      }
      return parts;
    }

    HostParts hosts(boolean https, Set<String> served) {
      return hosts(https ? 1 : 0, https, false, served, VirtualHost.SHARED_PORT);
    }

    // grpc-java NACKs a whole route configuration for one route it cannot read (a redirect, a
    // direct response, path_separated_prefix), so its clients get the rules, and Routes without a
    // ready revision, in a form of their own; a model without Gateway API hosts or such Routes
    // gives them the plain configuration, as it always did.
    // Proxyless clients dial a name, not a port: every served name once (on its lowest port).
    HostParts proxylessHosts(Set<String> served) {
      if (ownProxylessForm == null) {
        ownProxylessForm =
            any(
                previous == null ? null : previous.ownProxylessForm,
                vh -> vh.ruleBased() || vh.split().isEmpty() || !vh.sharedPort());
      }
      return ownProxylessForm
          ? hosts(2, false, true, served, 0)
          : hosts(0, false, false, served, VirtualHost.SHARED_PORT);
    }

    // port 0: every port, each host name once (proxyless clients).
    private HostParts hosts(
        int index, boolean https, boolean proxyless, Set<String> gateways, int port) {
      HostsKey hostsKey = new HostsKey(index, gateways, port);
      HostParts existing = hosts.get(hostsKey);
      if (existing == null) {
        HostFilter filter =
            new HostFilter(
                https ? new ServerNames(model.certificates()) : ServerNames.NONE,
                model.httpOption() == HttpOption.REDIRECTED,
                proxyless,
                gateways,
                port);
        HostParts old = previous == null ? null : previous.hosts.get(hostsKey);
        String name =
            port == 0 || port == VirtualHost.SHARED_PORT
                ? ResourceNames.ROUTE_CONFIGURATION
                : ResourceNames.portRouteConfiguration(port);
        existing =
            patch != null && old != null ? spliced(old, filter, name) : derived(old, filter, name);
        hosts.put(hostsKey, existing);
      }
      return existing;
    }

    // Every host of the model looked at, each reused from old where it is the same.
    private HostParts derived(@Nullable HostParts old, HostFilter filter, String name) {
      List<HostKey> keys = new ArrayList<>(model.virtualHosts().size());
      List<String> names = new ArrayList<>(model.virtualHosts().size());
      for (VirtualHost vh : model.virtualHosts()) {
        // Proxyless clients: each name once, its first (lowest) port served.
        if (filter.port() == 0
            && !names.isEmpty()
            && names.get(names.size() - 1).equals(vh.host())) {
          continue;
        }
        HostKey key = filter.key(vh);
        if (key != null) {
          keys.add(key);
          names.add(vh.host());
        }
      }
      Derived<HostKey, Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> derived =
          derive(
              keys,
              names,
              old == null ? null : old.hosts(),
              Translator::sameHost,
              this::hostResource);
      if (old != null && derived.results() == old.hosts().results()) {
        return old;
      }
      Chunks chunks = Chunks.of(derived.names(), derived.results());
      return new HostParts(derived, routeConfiguration(name, derived.results(), chunks), chunks);
    }

    // The previous model's hosts with those of the names the patch touched redone: one copy of
    // the lists, and the route configuration's version from the chunks of hosts that changed.
    private HostParts spliced(HostParts old, HostFilter filter, String name) {
      TrafficModel.Patch p = requireNonNull(patch);
      TreeSet<String> touched = new TreeSet<>();
      p.removedHosts().forEach(vh -> touched.add(vh.host()));
      p.addedHosts().forEach(vh -> touched.add(vh.host()));
      Derived<HostKey, Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> before =
          old.hosts();
      List<String> oldNames = before.names();
      int size = oldNames.size() + touched.size();
      List<HostKey> keys = new ArrayList<>(size);
      List<String> names = new ArrayList<>(size);
      List<Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> results =
          new ArrayList<>(size);
      // The configuration's hosts spliced from the last configuration's own list, so that the
      // unchanged hosts' protos are copied as references, not fetched from each Versioned.
      List<io.envoyproxy.envoy.config.route.v3.VirtualHost> oldProtos =
          old.routes().get(0).resource().getVirtualHostsList();
      List<io.envoyproxy.envoy.config.route.v3.VirtualHost> protos = new ArrayList<>(size);
      Set<String> present = new HashSet<>();
      boolean changed = false;
      boolean sameNames = true;
      int from = 0;
      for (String host : touched) {
        int at = Collections.binarySearch(oldNames, host);
        int end = at >= 0 ? at : -at - 1;
        keys.addAll(before.inputs().subList(from, end));
        names.addAll(oldNames.subList(from, end));
        results.addAll(before.results().subList(from, end));
        protos.addAll(oldProtos.subList(from, end));
        from = at >= 0 ? at + 1 : end;
        HostKey key = null;
        for (VirtualHost vh : hostsNamed(host)) {
          key = filter.key(vh);
          if (key != null) {
            break;
          }
        }
        if (key == null) {
          changed |= at >= 0;
          sameNames &= at < 0;
          continue;
        }
        Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost> result;
        if (at >= 0 && sameHost(before.inputs().get(at), key)) {
          result = before.results().get(at);
        } else {
          result = hostResource(key);
          changed = true;
          sameNames &= at >= 0;
        }
        keys.add(key);
        names.add(host);
        results.add(result);
        protos.add(result.resource());
        present.add(host);
      }
      if (!changed) {
        return old;
      }
      keys.addAll(before.inputs().subList(from, oldNames.size()));
      names.addAll(oldNames.subList(from, oldNames.size()));
      results.addAll(before.results().subList(from, oldNames.size()));
      protos.addAll(oldProtos.subList(from, oldNames.size()));
      List<Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> list = List.copyOf(results);
      Derived<HostKey, Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> derived =
          new Derived<>(
              Collections.unmodifiableList(keys),
              sameNames ? oldNames : Collections.unmodifiableList(names),
              list);
      Chunks chunks = old.chunks().spliced(touched, present, derived.names(), list);
      return new HostParts(derived, configuration(name, protos, chunks), chunks);
    }

    // The model's hosts of one host name, by port (the model is sorted by host, then port).
    private List<VirtualHost> hostsNamed(String host) {
      List<VirtualHost> all = model.virtualHosts();
      int low = 0;
      int high = all.size();
      while (low < high) {
        int middle = (low + high) >>> 1;
        if (all.get(middle).host().compareTo(host) < 0) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      int end = low;
      while (end < all.size() && all.get(end).host().equals(host)) {
        end++;
      }
      return all.subList(low, end);
    }

    private Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost> hostResource(HostKey key) {
      return Versioned.of(key.host().host(), virtualHost(key, this::upstream));
    }

    // One per host of the proxyless route configuration (every group of a model gets the same
    // unless Gateways tell them apart).
    // They depend on the host names only, so hosts with the previous model's very list of names
    // (a patch that changed hosts but took out and put in none) take the previous listeners.
    List<Versioned<Listener>> apiListeners(HostParts served) {
      if (anyGateways()) {
        return apiListenersBy.computeIfAbsent(
            served,
            h -> {
              List<Versioned<Listener>> same =
                  previous == null ? null : previous.apiListenersOf(h.hosts().names());
              return same != null
                  ? same
                  : apiListeners(h.hosts().inputs().stream().map(HostKey::host).toList(), null);
            });
      }
      if (apiListeners == null) {
        List<Versioned<Listener>> same =
            previous == null ? null : previous.apiListenersOf(served.hosts().names());
        apiListeners =
            same != null
                ? same
                : apiListeners(
                    served.hosts().inputs().stream().map(HostKey::host).toList(),
                    previous == null ? null : previous.apiListeners);
        apiListenersNames = served.hosts().names();
      }
      return apiListeners;
    }

    // The listeners made for the very list of host names {@code names}, or null.
    private @Nullable List<Versioned<Listener>> apiListenersOf(List<String> names) {
      if (apiListeners != null && apiListenersNames == names) {
        return apiListeners;
      }
      for (Map.Entry<HostParts, List<Versioned<Listener>>> e : apiListenersBy.entrySet()) {
        if (e.getKey().hosts().names() == names) {
          return e.getValue();
        }
      }
      return null;
    }

    private List<Versioned<Listener>> apiListeners(
        List<VirtualHost> virtualHosts, List<Versioned<Listener>> old) {
      {
        List<Versioned<Listener>> list = new ArrayList<>(virtualHosts.size());
        for (VirtualHost vh : virtualHosts) {
          // A client dials one name (xds:///{host}): a wildcard is no name to dial.
          if (vh.host().startsWith("*")) {
            continue;
          }
          list.add(
              apiListenerMemo.get(
                  vh.host(), host -> Versioned.of(host, XdsProtos.apiListener(host))));
        }
        return reuse(list, old);
      }
    }

    List<Versioned<Listener>> httpsListeners() {
      if (httpsListeners == null) {
        httpsListeners =
            reuse(
                List.of(
                    httpsListenerMemo.get(
                        chainKeys(model.certificates()), Translator.this::httpsListener)),
                previous == null ? null : previous.httpsListeners);
      }
      return httpsListeners;
    }

    // weir-http < weir-https, so appending keeps the listeners sorted by name.
    List<Versioned<Listener>> envoyHttpsListeners() {
      if (envoyHttpsListeners == null) {
        envoyHttpsListeners =
            reuse(
                List.of(httpListener, httpsListeners().get(0)),
                previous == null ? null : previous.envoyHttpsListeners);
      }
      return envoyHttpsListeners;
    }

    List<Versioned<Secret>> secrets() {
      if (secrets == null) {
        List<Versioned<Secret>> list = new ArrayList<>(model.certificates().size());
        for (Certificate certificate : model.certificates()) {
          list.add(secretMemo.get(certificate, Translator::secretOf));
        }
        secrets = reuse(list, previous == null ? null : previous.secrets);
      }
      return secrets;
    }
  }

  /**
   * The virtual hosts of one model as one kind of group sees them, their configuration, and the
   * chunks its version is made of.
   */
  private record HostParts(
      Derived<HostKey, Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> hosts,
      List<Versioned<RouteConfiguration>> routes,
      Chunks chunks) {}

  /** Which hosts one kind of group gets, and how. */
  private record HostFilter(
      ServerNames tlsNames, boolean redirected, boolean proxyless, Set<String> gateways, int port) {

    // The host as this group gets it, or null when it does not (port 0: on any port).
    @Nullable HostKey key(VirtualHost vh) {
      if (!vh.servedBy(gateways) || (port != 0 && vh.port() != port)) {
        return null;
      }
      // A host several Gateways serve: only the rules of the Gateways this group serves.
      VirtualHost shown = vh.servedTo(gateways);
      if (shown == null) {
        return null;
      }
      // Only the shared listeners have TLS.
      boolean tls = vh.sharedPort() && tlsNames.covers(vh.host());
      return new HostKey(shown, tls, tls && redirected, proxyless);
    }
  }

  private static boolean sameHost(HostKey a, HostKey b) {
    return a.tls() == b.tls()
        && a.redirect() == b.redirect()
        && (a.host() == b.host() || a.host().equals(b.host()));
  }

  /**
   * A route configuration's hosts in chunks, for its version: a chunk ends after each host whose
   * name {@link #ends}, so where chunks end depends only on the names, and a changed, added or
   * removed host changes its own chunk (and, for a name that ends one, the next) and no other. The
   * version is the hash of the chunks' digests, each the SHA-256 of its hosts' versions.
   *
   * @param ends the names that end a chunk, sorted
   * @param digests one more than {@code ends}: the last chunk holds the hosts after the last end
   */
  private record Chunks(List<String> ends, List<byte[]> digests) {

    // About one name in 64: chunks of ~64 hosts, ~160 of them at 10,000 hosts.
    static boolean ends(String name) {
      int h = name.hashCode() * 0x9E3779B9;
      return (h >>> 26) == 0;
    }

    static Chunks of(List<String> names, List<? extends Versioned<?>> results) {
      List<String> ends = new ArrayList<>();
      List<byte[]> digests = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < names.size(); i++) {
        if (ends(names.get(i))) {
          ends.add(names.get(i));
          digests.add(digest(results, start, i + 1));
          start = i + 1;
        }
      }
      digests.add(digest(results, start, names.size()));
      return new Chunks(List.copyOf(ends), List.copyOf(digests));
    }

    /**
     * These chunks for the hosts {@code names} and {@code results}, which are the ones these chunks
     * were made for with only the hosts named in {@code touched} changed, added or taken out
     * ({@code present}: those of them in {@code names}); only chunks holding such names are hashed
     * again.
     */
    Chunks spliced(
        SortedSet<String> touched,
        Set<String> present,
        List<String> names,
        List<? extends Versioned<?>> results) {
      List<String> next = new ArrayList<>(ends.size() + touched.size());
      Iterator<String> changes = touched.iterator();
      String change = changes.hasNext() ? changes.next() : null;
      for (String end : ends) {
        while (change != null && change.compareTo(end) < 0) {
          if (present.contains(change) && ends(change)) {
            next.add(change);
          }
          change = changes.hasNext() ? changes.next() : null;
        }
        if (change != null && change.equals(end)) {
          if (present.contains(change)) {
            next.add(end);
          }
          change = changes.hasNext() ? changes.next() : null;
        } else {
          next.add(end);
        }
      }
      while (change != null) {
        if (present.contains(change) && ends(change)) {
          next.add(change);
        }
        change = changes.hasNext() ? changes.next() : null;
      }
      List<byte[]> nextDigests = new ArrayList<>(next.size() + 1);
      for (int i = 0; i <= next.size(); i++) {
        String low = i == 0 ? null : next.get(i - 1);
        String high = i == next.size() ? null : next.get(i);
        byte[] kept = null;
        // The same chunk as before when it ended and began where it did and holds no change.
        int old = high == null ? ends.size() : Collections.binarySearch(ends, high);
        if (old >= 0
            && Objects.equals(low, old == 0 ? null : ends.get(old - 1))
            && !holdsChange(touched, low, high)) {
          kept = digests.get(old);
        }
        if (kept == null) {
          int from = low == null ? 0 : Collections.binarySearch(names, low) + 1;
          int to = high == null ? names.size() : Collections.binarySearch(names, high) + 1;
          kept = digest(results, from, to);
        }
        nextDigests.add(kept);
      }
      return new Chunks(List.copyOf(next), List.copyOf(nextDigests));
    }

    // Whether a changed name lies in (low, high], an end of null being open.
    private static boolean holdsChange(SortedSet<String> touched, String low, String high) {
      SortedSet<String> after = low == null ? touched : touched.tailSet(low);
      for (String name : after) {
        if (low != null && name.equals(low)) {
          continue;
        }
        return high == null || name.compareTo(high) <= 0;
      }
      return false;
    }

    private static byte[] digest(List<? extends Versioned<?>> results, int from, int to) {
      MessageDigest sha = sha256();
      for (int i = from; i < to; i++) {
        sha.update(results.get(i).version().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) ',');
      }
      return sha.digest();
    }

    // The hash of the chunks' digests and, for a configuration other than weir-http, its name.
    String version(String name) {
      MessageDigest sha = sha256();
      for (byte[] digest : digests) {
        sha.update(digest);
      }
      if (!name.equals(ResourceNames.ROUTE_CONFIGURATION)) {
        sha.update(name.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JDK", e);
      }
    }
  }

  /** Resources, and the inputs they were built from with their names, sorted by name. */
  private record Derived<I, R>(List<I> inputs, List<String> names, List<R> results) {}

  // Builds one resource per input, but takes the previous model's resource where an input of the
  // same name is the same: the lists are sorted by name, so one merging pass finds them all without
  // hashing any record (which would walk all of its content).
  private static <I, R> Derived<I, R> derive(
      List<I> inputs,
      List<String> names,
      Derived<I, R> old,
      BiPredicate<? super I, ? super I> same,
      Function<? super I, R> build) {
    List<R> results = new ArrayList<>(inputs.size());
    int j = 0;
    for (int i = 0; i < inputs.size(); i++) {
      I input = inputs.get(i);
      R result = null;
      if (old != null) {
        // The controller may hand over the very records of Routes that did not change.
        if (j < old.inputs().size() && old.inputs().get(j) == input) {
          result = old.results().get(j++);
        } else {
          String name = names.get(i);
          while (j < old.names().size() && old.names().get(j).compareTo(name) < 0) {
            j++;
          }
          if (j < old.names().size()
              && old.names().get(j).equals(name)
              && same.test(old.inputs().get(j), input)) {
            result = old.results().get(j++);
          }
        }
      }
      results.add(result == null ? build.apply(input) : result);
    }
    return new Derived<>(inputs, names, reuse(results, old == null ? null : old.results()));
  }

  /** {@code upstream.name().compareTo(name)}, without building the name. */
  static int compareName(Upstream upstream, String name) {
    String[] parts = {upstream.namespace(), ClusterName.SEPARATOR, upstream.revision()};
    int at = 0;
    for (String part : parts) {
      for (int i = 0; i < part.length(); i++, at++) {
        if (at == name.length()) {
          return 1;
        }
        int order = part.charAt(i) - name.charAt(at);
        if (order != 0) {
          return order;
        }
      }
    }
    return at - name.length();
  }

  /** {@code old} when it holds the very objects of {@code fresh}, else an immutable copy. */
  static <T> List<T> reuse(List<T> fresh, List<T> old) {
    if (old != null && old.size() == fresh.size()) {
      boolean same = true;
      for (int i = 0; i < fresh.size() && same; i++) {
        same = fresh.get(i) == old.get(i);
      }
      if (same) {
        return old;
      }
    }
    return List.copyOf(fresh);
  }

  /**
   * The SDS secret of {@code certificate}, as {@link #translate} makes it (for a server that keeps
   * serving a certificate the model no longer has until data planes stop naming it).
   */
  public Versioned<Secret> secret(Certificate certificate) {
    return secretMemo.get(requireNonNull(certificate, "certificate"), Translator::secretOf);
  }

  private static Versioned<Secret> secretOf(Certificate certificate) {
    return Versioned.of(
        certificate.name(),
        XdsProtos.tlsSecret(
            certificate.name(), certificate.certificateChainPem(), certificate.privateKeyPem()));
  }

  // Envoy rejects a listener where two filter chains match the same server name, so each name goes
  // to one certificate: a Route's own before the fallback, then the first by certificate name.
  // Only names, server names and the fallback flag matter, so a rotated certificate (new PEM, same
  // names) keeps the listener as it is: SDS alone carries the new content.
  private static List<ChainKey> chainKeys(List<Certificate> certificates) {
    List<Certificate> order = new ArrayList<>(certificates);
    order.sort((a, b) -> Boolean.compare(a.fallback(), b.fallback()));
    Set<String> claimed = new HashSet<>();
    Map<String, List<String>> namesOf = new HashMap<>();
    for (Certificate certificate : order) {
      List<String> names = new ArrayList<>();
      for (String serverName : certificate.serverNames()) {
        if (claimed.add(serverName.toLowerCase(Locale.ROOT))) {
          names.add(serverName);
        }
      }
      namesOf.put(certificate.name(), names);
    }
    List<ChainKey> keys = new ArrayList<>();
    for (Certificate certificate : certificates) {
      keys.add(
          new ChainKey(
              certificate.name(), namesOf.get(certificate.name()), certificate.fallback()));
    }
    return List.copyOf(keys);
  }

  private Versioned<Listener> httpsListener(List<ChainKey> keys) {
    List<FilterChain> chains = new ArrayList<>();
    FilterChain defaultChain = null;
    for (ChainKey key : keys) {
      // A chain without server names would match every SNI; only the default chain may do that.
      if (!key.serverNames().isEmpty()) {
        chains.add(XdsProtos.tlsFilterChain(key.name(), key.serverNames(), key.name()));
      }
      if (key.fallback() && defaultChain == null) {
        defaultChain =
            XdsProtos.tlsFilterChain(ResourceNames.DEFAULT_FILTER_CHAIN, List.of(), key.name());
      }
    }
    return Versioned.of(
        ResourceNames.HTTPS_LISTENER,
        XdsProtos.httpsListener(httpsListenerPort, chains, defaultChain));
  }

  /** Whether a host named {@code name} ends a chunk of a route configuration's version. */
  static boolean endsChunk(String name) {
    return Chunks.ends(name);
  }

  /** Forgets every proto that was not used since the previous call. */
  public void endRound() {
    activatorMemo.endRound();
    apiListenerMemo.endRound();
    secretMemo.endRound();
    httpsListenerMemo.endRound();
  }

  // The route configuration is the one resource that changes with any host; its version is derived
  // from the hosts' versions, in chunks, so that 10,000 hosts are neither serialized nor hashed
  // again for one changed host.
  private static List<Versioned<RouteConfiguration>> routeConfiguration(
      String name,
      List<Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> hosts,
      Chunks chunks) {
    List<io.envoyproxy.envoy.config.route.v3.VirtualHost> protos = new ArrayList<>(hosts.size());
    for (Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost> host : hosts) {
      protos.add(host.resource());
    }
    return configuration(name, protos, chunks);
  }

  // The same from the hosts' protos, in the hosts' order.
  private static List<Versioned<RouteConfiguration>> configuration(
      String name, List<io.envoyproxy.envoy.config.route.v3.VirtualHost> protos, Chunks chunks) {
    RouteConfiguration config = XdsProtos.routeConfiguration(name, protos);
    return List.of(new Versioned<>(name, config, chunks.version(name)));
  }

  /** Whether proxyless clients route some of {@code vh}'s calls to the empty cluster. */
  private static boolean needsEmptyCluster(VirtualHost vh) {
    if (!vh.ruleBased()) {
      return vh.split().isEmpty();
    }
    for (HttpRule rule : vh.rules()) {
      if (rule.redirect() == null
          && (rule.directResponseStatus() != 0 || rule.hasInvalidBackend())) {
        return true;
      }
    }
    return false;
  }

  private static io.envoyproxy.envoy.config.route.v3.VirtualHost virtualHost(
      HostKey key, Function<String, Upstream> upstreams) {
    VirtualHost vh = key.host();
    List<Route> routes = new ArrayList<>();
    // A Gateway API host: its rules, in order (a request no rule takes gets 404, as on Envoy).
    for (HttpRule rule : vh.rules()) {
      if (key.proxyless()) {
        routes.addAll(RuleRoutes.proxylessRoutes(rule, upstreams));
      } else {
        routes.add(RuleRoutes.route(rule, upstreams));
      }
    }
    for (TagRoute tag : vh.tagRoutes()) {
      Upstream target = upstreams.apply(tag.upstream());
      routes.add(
          clusterRoute(
              ResourceNames.tagRoute(tag.tag()),
              prefixMatch(exactHeader(WeirHeaders.TAG, tag.tag())),
              target.namespace(),
              target.revision()));
      routes.add(
          clusterRoute(
              ResourceNames.knativeTagRoute(tag.tag()),
              prefixMatch(exactHeader(WeirHeaders.KNATIVE_TAG, tag.tag())),
              target.namespace(),
              target.revision()));
    }
    List<WeightedUpstream> split = vh.split();
    if (vh.ruleBased()) {
      // no default route
    } else if (split.isEmpty()) {
      // grpc-java NACKs the whole weir-http for a direct_response: proxyless clients go to a
      // cluster without endpoints instead, so a call fails UNAVAILABLE, for this host only.
      routes.add(
          key.proxyless()
              ? XdsProtos.noReadyRevisionProxylessRoute()
              : XdsProtos.noReadyRevisionRoute(vh.route().key()));
    } else if (split.size() == 1) {
      Upstream target = upstreams.apply(split.get(0).upstream());
      routes.add(
          clusterRoute(
              ResourceNames.DEFAULT_ROUTE, prefixMatch(), target.namespace(), target.revision()));
    } else {
      List<WeightedCluster.ClusterWeight> weights = new ArrayList<>();
      for (WeightedUpstream share : split) {
        Upstream target = upstreams.apply(share.upstream());
        weights.add(XdsProtos.clusterWeight(target.namespace(), target.revision(), share.weight()));
      }
      routes.add(XdsProtos.weightedRoute(weights));
    }
    return XdsProtos.virtualHost(
        vh.host(),
        vh.route().key(),
        vh.route().generation(),
        vh.route().cluster(),
        key.tls(),
        key.redirect(),
        routes);
  }

  // Activatable, and no ready endpoint anywhere (stale ones included: the gateway holds only then).
  static boolean cold(Upstream upstream) {
    return upstream.activation() != null && upstream.endpoints().isEmpty();
  }

  private static Versioned<Cluster> cluster(Upstream upstream) {
    return Versioned.of(
        XdsProtos.clusterName(upstream.namespace(), upstream.revision()),
        XdsProtos.edsCluster(
            upstream.namespace(),
            upstream.revision(),
            upstream.protocol() == Protocol.HTTP2,
            upstream.activation()));
  }

  private static Versioned<ClusterLoadAssignment> loadAssignment(
      Upstream upstream, Locality viewer) {
    return loadAssignment(upstream.namespace(), upstream.revision(), upstream.endpoints(), viewer);
  }

  private static Versioned<ClusterLoadAssignment> loadAssignment(
      String namespace, String revision, List<Endpoint> endpointList, Locality viewer) {
    // One LocalityLbEndpoints per (locality, Weir cluster): the cluster goes into the sub_zone so
    // that load reports say which cluster served; the priority stays the locality's, and the
    // weights (endpoint counts) add up per priority as before.
    Map<LocalityKey, List<LbEndpoint>> byLocality = new TreeMap<>();
    for (Endpoint endpoint : endpointList) {
      byLocality
          .computeIfAbsent(
              new LocalityKey(endpoint.locality(), endpoint.cluster()), l -> new ArrayList<>())
          .add(
              XdsProtos.lbEndpoint(
                  endpoint.address(), endpoint.port(), endpoint.cluster(), endpoint.stale()));
    }
    // gRPC clients reject gaps in priorities, so the relative priorities present are renumbered
    // 0, 1, ... in their order.
    TreeSet<Integer> present = new TreeSet<>();
    for (LocalityKey key : byLocality.keySet()) {
      present.add(key.locality().priorityFrom(viewer));
    }
    List<LocalityLbEndpoints> localities = new ArrayList<>();
    byLocality.forEach(
        (key, endpoints) ->
            localities.add(
                XdsProtos.localityEndpoints(
                    key.locality().region(),
                    key.locality().zone(),
                    key.cluster(),
                    present.headSet(key.locality().priorityFrom(viewer)).size(),
                    endpoints)));
    return Versioned.of(
        ClusterName.format(namespace, revision),
        XdsProtos.loadAssignment(namespace, revision, localities));
  }

  private record ActivatorKey(String namespace, String revision, Locality viewer) {}

  private record LocalityKey(Locality locality, String cluster) implements Comparable<LocalityKey> {
    @Override
    public int compareTo(LocalityKey other) {
      int byLocality = locality.compareTo(other.locality);
      return byLocality != 0 ? byLocality : cluster.compareTo(other.cluster);
    }
  }

  private record HostKey(VirtualHost host, boolean tls, boolean redirect, boolean proxyless) {}

  /** Which host parts: plain/HTTPS/proxyless, for which served Gateways, on which port. */
  private record HostsKey(int index, Set<String> gateways, int port) {}

  /** Which listeners and route configurations with other ports. */
  private record PortsKey(DataPlaneKind kind, boolean https, Set<String> gateways) {}

  /** The shared listeners and route configuration plus those of other ports, sorted by name. */
  private record PortParts(
      List<Versioned<Listener>> listeners, List<Versioned<RouteConfiguration>> routes) {}

  private record ChainKey(String name, List<String> serverNames, boolean fallback) {}

  /** The server names of a set of certificates, for matching hosts without a loop over them. */
  private static final class ServerNames {
    static final ServerNames NONE = new ServerNames(List.of());

    private final Set<String> exact = new HashSet<>();
    private final Set<String> wildcardParents = new HashSet<>();

    ServerNames(List<Certificate> certificates) {
      for (Certificate certificate : certificates) {
        for (String name : certificate.serverNames()) {
          String lower = name.toLowerCase(Locale.ROOT);
          if (lower.startsWith("*.")) {
            wildcardParents.add(lower.substring(1));
          } else {
            exact.add(lower);
          }
        }
      }
    }

    // Same rule as Certificate.matches: a wildcard covers exactly one leading label.
    boolean covers(String host) {
      if (exact.isEmpty() && wildcardParents.isEmpty()) {
        return false;
      }
      String lower = host.toLowerCase(Locale.ROOT);
      if (exact.contains(lower)) {
        return true;
      }
      int dot = lower.indexOf('.');
      return dot > 0 && wildcardParents.contains(lower.substring(dot));
    }
  }

  /** Remembers values for two rounds: what a round did not ask for is dropped at its end. */
  private static final class Memo<K, V> {
    private Map<K, V> current = new HashMap<>();
    private Map<K, V> previous = new HashMap<>();

    synchronized V get(K key, Function<K, V> build) {
      V value = current.get(key);
      if (value == null) {
        value = previous.get(key);
        if (value == null) {
          value = build.apply(key);
        }
        current.put(key, value);
      }
      return value;
    }

    synchronized void endRound() {
      previous = current;
      current = new HashMap<>();
    }
  }
}
