package dev.weir.gateway.testing;

import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The xDS resources the Weir control plane serves, for gateway tests: built by xds-server's own
 * {@link Translator} (virtual hosts) and {@link XdsProtos} (clusters, load assignments, the route
 * configuration), never copied, so gateway tests feed it what production will.
 */
public final class XdsResources {

  public static final String ROUTE_CONFIG = ResourceNames.ROUTE_CONFIGURATION;

  /** The cluster of the clusters file every test Route is read from. */
  private static final String SOURCE_CLUSTER = "east";

  private XdsResources() {}

  /** A revision target of a split: cluster {@code namespace/revision} with its percent. */
  public record Split(String namespace, String revision, int percent) {
    public String cluster() {
      return ClusterName.format(namespace, revision);
    }
  }

  public record Tag(String tag, String namespace, String revision) {
    String cluster() {
      return ClusterName.format(namespace, revision);
    }
  }

  public static Split split(String namespace, String revision, int percent) {
    return new Split(namespace, revision, percent);
  }

  public static Tag tag(String tag, String namespace, String revision) {
    return new Tag(tag, namespace, revision);
  }

  /** An endpoint with the priority the control plane computed and its source cluster. */
  public record Ep(
      String address, int port, int priority, String sourceCluster, String region, String zone) {}

  public static Ep endpoint(int port) {
    return new Ep("127.0.0.1", port, 0, SOURCE_CLUSTER, "us-east", "us-east-1a");
  }

  public static Ep endpoint(int port, int priority, String sourceCluster) {
    return new Ep("127.0.0.1", port, priority, sourceCluster, sourceCluster, sourceCluster + "-a");
  }

  /** The cluster of revision {@code namespace/revision}, as the translator sends it. */
  public static Cluster cluster(String name) {
    ClusterName cluster = ClusterName.parse(name);
    return XdsProtos.edsCluster(cluster.namespace(), cluster.revision(), false);
  }

  /**
   * The same, speaking HTTP/2 when {@code http2}, with outlier ejections lasting {@code
   * baseEjection}. The translator always sends 30 s; tests that watch an ejection end change only
   * that field of its cluster.
   */
  public static Cluster cluster(
      String name, com.google.protobuf.Duration baseEjection, boolean http2) {
    ClusterName cluster = ClusterName.parse(name);
    Cluster.Builder translated =
        XdsProtos.edsCluster(cluster.namespace(), cluster.revision(), http2).toBuilder();
    translated.getOutlierDetectionBuilder().setBaseEjectionTime(baseEjection);
    return translated.build();
  }

  /**
   * The load assignment of {@code cluster}, grouped by locality as the translator groups them. The
   * translator computes each locality's priority from where the data plane runs; here each endpoint
   * states it.
   */
  public static ClusterLoadAssignment assignment(String cluster, Ep... endpoints) {
    ClusterName name = ClusterName.parse(cluster);
    TreeMap<String, List<Ep>> byLocality = new TreeMap<>();
    for (Ep ep : endpoints) {
      byLocality
          .computeIfAbsent(
              ep.region() + "\n" + ep.zone() + "\n" + ep.sourceCluster(), k -> new ArrayList<>())
          .add(ep);
    }
    List<LocalityLbEndpoints> localities = new ArrayList<>();
    for (List<Ep> group : byLocality.values()) {
      List<LbEndpoint> lbEndpoints = new ArrayList<>();
      for (Ep ep : group) {
        lbEndpoints.add(XdsProtos.lbEndpoint(ep.address(), ep.port(), ep.sourceCluster(), false));
      }
      Ep first = group.get(0);
      localities.add(
          XdsProtos.localityEndpoints(
              first.region(), first.zone(), first.sourceCluster(), first.priority(), lbEndpoints));
    }
    return XdsProtos.loadAssignment(name.namespace(), name.revision(), localities);
  }

  /**
   * The virtual host of Weir Route {@code route} ({@code namespace/name}) as the translator makes
   * it: tag routes, then the split (a 503 when {@code splits} is empty).
   */
  public static VirtualHost vhost(String host, String route, List<Tag> tags, List<Split> splits) {
    int slash = route.indexOf('/');
    RouteRef ref =
        new RouteRef(SOURCE_CLUSTER, route.substring(0, slash), route.substring(slash + 1), 1);
    Map<String, Upstream> upstreams = new LinkedHashMap<>();
    List<TagRoute> tagRoutes = new ArrayList<>();
    for (Tag tag : tags) {
      tagRoutes.add(new TagRoute(tag.tag(), upstream(upstreams, tag.namespace(), tag.revision())));
    }
    List<WeightedUpstream> weighted = new ArrayList<>();
    for (Split split : splits) {
      weighted.add(
          new WeightedUpstream(
              upstream(upstreams, split.namespace(), split.revision()), split.percent()));
    }
    TrafficModel model =
        new TrafficModel(
            1,
            List.of(new dev.weir.model.VirtualHost(host, ref, tagRoutes, weighted)),
            List.copyOf(upstreams.values()));
    List<Versioned<RouteConfiguration>> routes =
        new Translator(8080).translate(model, DataPlaneKind.GATEWAY, Locality.UNKNOWN).routes();
    return routes.get(0).resource().getVirtualHosts(0);
  }

  private static String upstream(Map<String, Upstream> upstreams, String namespace, String name) {
    Upstream upstream = new Upstream(namespace, name, Protocol.HTTP1, List.of());
    upstreams.putIfAbsent(upstream.name(), upstream);
    return upstream.name();
  }

  /**
   * The virtual host of Route {@code route} as the translator makes it for a host covered by a
   * certificate while plain HTTP is redirected ({@code tls} and {@code redirect} in its metadata,
   * {@code require_tls: ALL}).
   */
  public static VirtualHost redirectedVhost(String host, String route, Split... splits) {
    VirtualHost plain = vhost(host, route, List.of(), List.of(splits));
    return XdsProtos.virtualHost(host, route, 1, SOURCE_CLUSTER, true, true, plain.getRoutesList());
  }

  /** The virtual host of Route {@code {name}.{namespace}.…} for {@code host}, with its split. */
  public static VirtualHost vhost(String host, Split... splits) {
    String route =
        host.substring(host.indexOf('.') + 1, host.indexOf('.', host.indexOf('.') + 1))
            + "/"
            + host.substring(0, host.indexOf('.'));
    return vhost(host, route, List.of(), List.of(splits));
  }

  /**
   * The route configuration holding {@code vhosts}, sorted by name as the translator sorts them.
   */
  public static RouteConfiguration routes(Collection<VirtualHost> vhosts) {
    return XdsProtos.routeConfiguration(
        vhosts.stream().sorted((a, b) -> a.getName().compareTo(b.getName())).toList());
  }

  public static Snapshot snapshot(
      String version,
      Collection<Cluster> clusters,
      Collection<ClusterLoadAssignment> assignments,
      RouteConfiguration routes) {
    return Snapshot.create(clusters, assignments, List.of(), List.of(routes), List.of(), version);
  }
}
