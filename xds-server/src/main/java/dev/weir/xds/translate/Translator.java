package dev.weir.xds.translate;

import static dev.weir.xds.translate.XdsProtos.clusterRoute;
import static dev.weir.xds.translate.XdsProtos.exactHeader;
import static dev.weir.xds.translate.XdsProtos.prefixMatch;
import static java.util.Objects.requireNonNull;

import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns a {@link TrafficModel} into the Envoy resources one kind of data plane in one locality
 * needs. The result depends only on the arguments; protos of unchanged upstreams and virtual hosts
 * are remembered (keyed by their records, which are values) and reused instead of rebuilt.
 *
 * <p>Certificates become SDS secrets and the {@code weir-https} listener only for Envoy and the
 * Weir gateway, and only when the caller says the group may receive private keys; otherwise the
 * group is served as if there were no certificates. Proxyless gRPC clients never get either.
 *
 * <p>Thread-safe; call {@link #endRound()} after translating one model for every node group so that
 * what the next model no longer uses is forgotten.
 */
public final class Translator {

  /** The default port of the {@code weir-https} listener. */
  public static final int DEFAULT_HTTPS_LISTENER_PORT = 8443;

  private final int httpListenerPort;
  private final int httpsListenerPort;
  private final Memo<ClusterKey, Versioned<Cluster>> clusters = new Memo<>();
  private final Memo<LoadAssignmentKey, Versioned<ClusterLoadAssignment>> loadAssignments =
      new Memo<>();
  private final Memo<HostKey, Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>>
      virtualHosts = new Memo<>();
  private final Memo<String, Versioned<Listener>> apiListeners = new Memo<>();
  private final Memo<Certificate, Versioned<Secret>> secrets = new Memo<>();
  private final Memo<List<ChainKey>, Versioned<Listener>> httpsListeners = new Memo<>();
  private final Versioned<Listener> httpListener;

  /** A translator whose Envoy listeners bind {@code httpListenerPort} and port 8443 for HTTPS. */
  public Translator(int httpListenerPort) {
    this(httpListenerPort, DEFAULT_HTTPS_LISTENER_PORT);
  }

  /** A translator whose Envoy listeners bind {@code httpListenerPort} and {@code httpsListenerPort}. */
  public Translator(int httpListenerPort, int httpsListenerPort) {
    requirePort("httpListenerPort", httpListenerPort);
    requirePort("httpsListenerPort", httpsListenerPort);
    this.httpListenerPort = httpListenerPort;
    this.httpsListenerPort = httpsListenerPort;
    this.httpListener =
        Versioned.of(XdsProtos.HTTP_LISTENER, XdsProtos.httpListener(httpListenerPort));
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
    requireNonNull(model, "model");
    requireNonNull(kind, "kind");
    requireNonNull(viewer, "viewer");
    Map<String, Upstream> upstreams = new HashMap<>();
    for (Upstream upstream : model.upstreams()) {
      upstreams.put(upstream.name(), upstream);
    }
    boolean https =
        secretsAllowed && kind != DataPlaneKind.PROXYLESS_GRPC && !model.certificates().isEmpty();
    ServerNames served = https ? new ServerNames(model.certificates()) : ServerNames.NONE;
    boolean redirected = model.httpOption() == HttpOption.REDIRECTED;

    List<Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> hosts = new ArrayList<>();
    for (VirtualHost vh : model.virtualHosts()) {
      boolean tls = served.covers(vh.host());
      HostKey hostKey = new HostKey(vh, tls, tls && redirected);
      hosts.add(
          virtualHosts.get(
              hostKey, key -> Versioned.of(vh.host(), virtualHost(key, upstreams))));
    }
    Versioned<RouteConfiguration> routes = routeConfiguration(hosts);

    List<Versioned<Cluster>> clusterList = new ArrayList<>();
    List<Versioned<ClusterLoadAssignment>> endpointList = new ArrayList<>();
    for (Upstream upstream : model.upstreams()) {
      ClusterKey clusterKey =
          new ClusterKey(upstream.namespace(), upstream.revision(), upstream.protocol());
      clusterList.add(clusters.get(clusterKey, Translator::cluster));
      endpointList.add(
          loadAssignments.get(
              new LoadAssignmentKey(upstream, viewer), Translator::loadAssignment));
    }

    List<Versioned<Listener>> listeners = new ArrayList<>();
    List<Versioned<Secret>> secretList = new ArrayList<>();
    switch (kind) {
      case ENVOY -> listeners.add(httpListener);
      case GATEWAY -> {}
      case PROXYLESS_GRPC ->
          model.virtualHosts().stream()
              .map(vh -> apiListeners.get(
                  vh.host(), host -> Versioned.of(host, XdsProtos.apiListener(host))))
              .forEach(listeners::add);
    }
    if (https) {
      // weir-http < weir-https, so appending keeps the listeners sorted by name.
      listeners.add(httpsListeners.get(chainKeys(model.certificates()), this::httpsListener));
      for (Certificate certificate : model.certificates()) {
        secretList.add(secrets.get(certificate, Translator::secret));
      }
    }
    return new XdsResources(listeners, List.of(routes), clusterList, endpointList, secretList);
  }

  private static Versioned<Secret> secret(Certificate certificate) {
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
            XdsProtos.tlsFilterChain(XdsProtos.DEFAULT_FILTER_CHAIN, List.of(), key.name());
      }
    }
    return Versioned.of(
        XdsProtos.HTTPS_LISTENER,
        XdsProtos.httpsListener(httpsListenerPort, chains, defaultChain));
  }

  /** Forgets every proto that was not used since the previous call. */
  public void endRound() {
    clusters.endRound();
    loadAssignments.endRound();
    virtualHosts.endRound();
    apiListeners.endRound();
    secrets.endRound();
    httpsListeners.endRound();
  }

  // The route configuration is the one resource that changes with any host; its version is derived
  // from the hosts' versions so that 10,000 hosts are not serialized again for one changed host.
  private static Versioned<RouteConfiguration> routeConfiguration(
      List<Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> hosts) {
    StringBuilder versions = new StringBuilder(hosts.size() * 33);
    for (Versioned<?> host : hosts) {
      versions.append(host.version()).append(',');
    }
    RouteConfiguration config =
        XdsProtos.routeConfiguration(hosts.stream().map(Versioned::resource).toList());
    return new Versioned<>(
        XdsProtos.ROUTE_CONFIGURATION,
        config,
        Versioned.hash(versions.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static io.envoyproxy.envoy.config.route.v3.VirtualHost virtualHost(
      HostKey key, Map<String, Upstream> upstreams) {
    VirtualHost vh = key.host();
    List<Route> routes = new ArrayList<>();
    for (TagRoute tag : vh.tagRoutes()) {
      Upstream target = upstreams.get(tag.upstream());
      routes.add(
          clusterRoute(
              "tag:" + tag.tag(),
              prefixMatch(exactHeader(XdsProtos.TAG_HEADER, tag.tag())),
              target.namespace(),
              target.revision()));
      routes.add(
          clusterRoute(
              "tag:" + tag.tag() + ":knative",
              prefixMatch(exactHeader(XdsProtos.KNATIVE_TAG_HEADER, tag.tag())),
              target.namespace(),
              target.revision()));
    }
    List<WeightedUpstream> split = vh.split();
    if (split.isEmpty()) {
      routes.add(XdsProtos.noReadyRevisionRoute(vh.route().key()));
    } else if (split.size() == 1) {
      Upstream target = upstreams.get(split.get(0).upstream());
      routes.add(
          clusterRoute(
              XdsProtos.DEFAULT_ROUTE, prefixMatch(), target.namespace(), target.revision()));
    } else {
      List<WeightedCluster.ClusterWeight> weights = new ArrayList<>();
      for (WeightedUpstream share : split) {
        Upstream target = upstreams.get(share.upstream());
        weights.add(
            XdsProtos.clusterWeight(target.namespace(), target.revision(), share.weight()));
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

  private static Versioned<Cluster> cluster(ClusterKey key) {
    return Versioned.of(
        XdsProtos.clusterName(key.namespace(), key.revision()),
        XdsProtos.edsCluster(key.namespace(), key.revision(), key.protocol() == Protocol.HTTP2));
  }

  private static Versioned<ClusterLoadAssignment> loadAssignment(LoadAssignmentKey key) {
    Upstream upstream = key.upstream();
    Map<Locality, List<LbEndpoint>> byLocality = new TreeMap<>();
    for (Endpoint endpoint : upstream.endpoints()) {
      byLocality
          .computeIfAbsent(endpoint.locality(), l -> new ArrayList<>())
          .add(
              XdsProtos.lbEndpoint(
                  endpoint.address(), endpoint.port(), endpoint.cluster(), endpoint.stale()));
    }
    // gRPC clients reject gaps in priorities, so the relative priorities present are renumbered
    // 0, 1, ... in their order.
    TreeSet<Integer> present = new TreeSet<>();
    for (Locality locality : byLocality.keySet()) {
      present.add(locality.priorityFrom(key.viewer()));
    }
    List<LocalityLbEndpoints> localities = new ArrayList<>();
    byLocality.forEach(
        (locality, endpoints) ->
            localities.add(
                XdsProtos.localityEndpoints(
                    locality.region(),
                    locality.zone(),
                    present.headSet(locality.priorityFrom(key.viewer())).size(),
                    endpoints)));
    return Versioned.of(
        upstream.name(),
        XdsProtos.loadAssignment(upstream.namespace(), upstream.revision(), localities));
  }

  private record HostKey(VirtualHost host, boolean tls, boolean redirect) {}

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

  private record ClusterKey(String namespace, String revision, Protocol protocol) {}

  private record LoadAssignmentKey(Upstream upstream, Locality viewer) {}

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
