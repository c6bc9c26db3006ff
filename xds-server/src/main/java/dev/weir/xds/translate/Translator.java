package dev.weir.xds.translate;

import static dev.weir.xds.translate.XdsProtos.clusterRoute;
import static dev.weir.xds.translate.XdsProtos.exactHeader;
import static dev.weir.xds.translate.XdsProtos.prefixMatch;
import static java.util.Objects.requireNonNull;

import dev.weir.model.Endpoint;
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
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns a {@link TrafficModel} into the Envoy resources one kind of data plane in one locality
 * needs. The result depends only on the arguments; protos of unchanged upstreams and virtual hosts
 * are remembered (keyed by their records, which are values) and reused instead of rebuilt.
 *
 * <p>Thread-safe; call {@link #endRound()} after translating one model for every node group so that
 * what the next model no longer uses is forgotten.
 */
public final class Translator {

  private final int httpListenerPort;
  private final Memo<ClusterKey, Versioned<Cluster>> clusters = new Memo<>();
  private final Memo<LoadAssignmentKey, Versioned<ClusterLoadAssignment>> loadAssignments =
      new Memo<>();
  private final Memo<VirtualHost, Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>>
      virtualHosts = new Memo<>();
  private final Memo<String, Versioned<Listener>> apiListeners = new Memo<>();
  private final Versioned<Listener> httpListener;

  /** A translator whose Envoy listener binds {@code httpListenerPort}. */
  public Translator(int httpListenerPort) {
    if (httpListenerPort < 1 || httpListenerPort > 65535) {
      throw new IllegalArgumentException(
          "httpListenerPort: " + httpListenerPort + " (expected: 1..65535)");
    }
    this.httpListenerPort = httpListenerPort;
    this.httpListener =
        Versioned.of(XdsProtos.HTTP_LISTENER, XdsProtos.httpListener(httpListenerPort));
  }

  /** The port of Envoy's {@code weir-http} listener. */
  public int httpListenerPort() {
    return httpListenerPort;
  }

  /** The resources for data planes of {@code kind} running in {@code viewer}. */
  public XdsResources translate(TrafficModel model, DataPlaneKind kind, Locality viewer) {
    requireNonNull(model, "model");
    requireNonNull(kind, "kind");
    requireNonNull(viewer, "viewer");
    Map<String, Upstream> upstreams = new HashMap<>();
    for (Upstream upstream : model.upstreams()) {
      upstreams.put(upstream.name(), upstream);
    }

    List<Versioned<io.envoyproxy.envoy.config.route.v3.VirtualHost>> hosts = new ArrayList<>();
    for (VirtualHost vh : model.virtualHosts()) {
      hosts.add(virtualHosts.get(vh, key -> Versioned.of(vh.host(), virtualHost(vh, upstreams))));
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

    List<Versioned<Listener>> listeners =
        switch (kind) {
          case ENVOY -> List.of(httpListener);
          case GATEWAY -> List.of();
          case PROXYLESS_GRPC ->
              model.virtualHosts().stream()
                  .map(vh -> apiListeners.get(
                      vh.host(), host -> Versioned.of(host, XdsProtos.apiListener(host))))
                  .toList();
        };
    return new XdsResources(listeners, List.of(routes), clusterList, endpointList);
  }

  /** Forgets every proto that was not used since the previous call. */
  public void endRound() {
    clusters.endRound();
    loadAssignments.endRound();
    virtualHosts.endRound();
    apiListeners.endRound();
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
      VirtualHost vh, Map<String, Upstream> upstreams) {
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
        vh.host(), vh.route().key(), vh.route().generation(), vh.route().cluster(), routes);
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
