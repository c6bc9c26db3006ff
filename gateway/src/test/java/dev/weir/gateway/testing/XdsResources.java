package dev.weir.gateway.testing;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Small builders for the xDS resources the Weir control plane serves, following the shared contract
 * (names, metadata, route order, headers), so gateway tests feed it what production will.
 */
public final class XdsResources {

  public static final String ROUTE_CONFIG = "weir-http";

  private XdsResources() {}

  /** A revision target of a split: cluster {@code namespace/revision} with its percent. */
  public record Split(String namespace, String revision, int percent) {
    public String cluster() {
      return namespace + "/" + revision;
    }
  }

  public record Tag(String tag, String namespace, String revision) {
    String cluster() {
      return namespace + "/" + revision;
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
    return new Ep("127.0.0.1", port, 0, "east", "us-east", "us-east-1a");
  }

  public static Ep endpoint(int port, int priority, String sourceCluster) {
    return new Ep("127.0.0.1", port, priority, sourceCluster, sourceCluster, sourceCluster + "-a");
  }

  public static Cluster cluster(String name) {
    return cluster(name, Durations.fromSeconds(30), false);
  }

  public static Cluster cluster(
      String name, com.google.protobuf.Duration baseEjection, boolean http2) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(
                        ConfigSource.newBuilder()
                            .setAds(AggregatedConfigSource.getDefaultInstance())
                            .setResourceApiVersion(ApiVersion.V3)))
            .setConnectTimeout(Durations.fromSeconds(2))
            .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setMaxConnections(UInt32Value.of(1024))
                            .setMaxPendingRequests(UInt32Value.of(1024))
                            .setMaxRequests(UInt32Value.of(1024))
                            .setMaxRetries(UInt32Value.of(3))))
            .setOutlierDetection(
                OutlierDetection.newBuilder()
                    .setConsecutive5Xx(UInt32Value.of(5))
                    .setConsecutiveGatewayFailure(UInt32Value.of(5))
                    .setInterval(Durations.fromSeconds(5))
                    .setBaseEjectionTime(baseEjection)
                    .setMaxEjectionPercent(UInt32Value.of(50)))
            .setMetadata(
                weir(
                    Map.of(
                        "namespace",
                        name.substring(0, name.indexOf('/')),
                        "revision",
                        name.substring(name.indexOf('/') + 1))));
    if (http2) {
      cluster.putTypedExtensionProtocolOptions(
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          Any.pack(
              HttpProtocolOptions.newBuilder()
                  .setExplicitHttpConfig(
                      HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                          .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                  .build()));
    }
    return cluster.build();
  }

  public static ClusterLoadAssignment assignment(String cluster, Ep... endpoints) {
    TreeMap<String, List<Ep>> byLocality = new TreeMap<>();
    for (Ep ep : endpoints) {
      byLocality.computeIfAbsent(ep.region() + "\n" + ep.zone(), k -> new ArrayList<>()).add(ep);
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(cluster);
    for (List<Ep> group : byLocality.values()) {
      Ep first = group.get(0);
      LocalityLbEndpoints.Builder locality =
          LocalityLbEndpoints.newBuilder()
              .setLocality(Locality.newBuilder().setRegion(first.region()).setZone(first.zone()))
              .setLoadBalancingWeight(UInt32Value.of(group.size()))
              .setPriority(first.priority());
      for (Ep ep : group) {
        locality.addLbEndpoints(
            LbEndpoint.newBuilder()
                .setEndpoint(
                    io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                        .setAddress(
                            Address.newBuilder()
                                .setSocketAddress(
                                    SocketAddress.newBuilder()
                                        .setAddress(ep.address())
                                        .setPortValue(ep.port()))))
                .setHealthStatus(HealthStatus.HEALTHY)
                .setMetadata(
                    weirMetadata(
                        Map.of(
                            "cluster",
                            Value.newBuilder().setStringValue(ep.sourceCluster()).build(),
                            "stale",
                            Value.newBuilder().setBoolValue(false).build()))));
      }
      cla.addEndpoints(locality);
    }
    return cla.build();
  }

  /** The virtual host of a Weir Route as the contract lays it out: tag routes, then the split. */
  public static VirtualHost vhost(String host, String route, List<Tag> tags, List<Split> splits) {
    VirtualHost.Builder vhost =
        VirtualHost.newBuilder()
            .setName(host)
            .addDomains(host)
            .addDomains(host + ":*")
            .setMetadata(weir(Map.of("route", route, "cluster", "east")));
    for (Tag tag : tags.stream().sorted((a, b) -> a.tag().compareTo(b.tag())).toList()) {
      vhost.addRoutes(tagRoute("tag:" + tag.tag(), "weir-tag", tag));
      vhost.addRoutes(tagRoute("tag:" + tag.tag() + ":knative", "knative-serving-tag", tag));
    }
    Route.Builder def =
        Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"));
    if (splits.isEmpty()) {
      def.setDirectResponse(
          DirectResponseAction.newBuilder()
              .setStatus(503)
              .setBody(
                  DataSource.newBuilder().setInlineString("no ready revision for route " + route)));
    } else if (splits.size() == 1) {
      Split only = splits.get(0);
      def.setRoute(
              RouteAction.newBuilder()
                  .setCluster(only.cluster())
                  .setTimeout(Durations.fromSeconds(30)))
          .addAllRequestHeadersToAdd(weirHeaders(only.namespace(), only.revision()));
    } else {
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      for (Split split : splits) {
        weighted.addClusters(
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(split.cluster())
                .setWeight(UInt32Value.of(split.percent()))
                .addAllRequestHeadersToAdd(weirHeaders(split.namespace(), split.revision())));
      }
      def.setRoute(
          RouteAction.newBuilder()
              .setWeightedClusters(weighted)
              .setTimeout(Durations.fromSeconds(30)));
    }
    return vhost.addRoutes(def).build();
  }

  public static VirtualHost vhost(String host, Split... splits) {
    String route =
        host.substring(host.indexOf('.') + 1, host.indexOf('.', host.indexOf('.') + 1))
            + "/"
            + host.substring(0, host.indexOf('.'));
    return vhost(host, route, List.of(), List.of(splits));
  }

  private static Route tagRoute(String name, String header, Tag tag) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(
            RouteMatch.newBuilder()
                .setPrefix("/")
                .addHeaders(
                    HeaderMatcher.newBuilder()
                        .setName(header)
                        .setStringMatch(StringMatcher.newBuilder().setExact(tag.tag()))))
        .setRoute(
            RouteAction.newBuilder()
                .setCluster(tag.cluster())
                .setTimeout(Durations.fromSeconds(30)))
        .addAllRequestHeadersToAdd(weirHeaders(tag.namespace(), tag.revision()))
        .build();
  }

  private static List<HeaderValueOption> weirHeaders(String namespace, String revision) {
    return List.of(
        HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey("Weir-Revision").setValue(revision))
            .build(),
        HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey("Weir-Namespace").setValue(namespace))
            .build());
  }

  public static RouteConfiguration routes(Collection<VirtualHost> vhosts) {
    return RouteConfiguration.newBuilder()
        .setName(ROUTE_CONFIG)
        .addAllVirtualHosts(
            vhosts.stream().sorted((a, b) -> a.getName().compareTo(b.getName())).toList())
        .build();
  }

  public static Snapshot snapshot(
      String version,
      Collection<Cluster> clusters,
      Collection<ClusterLoadAssignment> assignments,
      RouteConfiguration routes) {
    return Snapshot.create(clusters, assignments, List.of(), List.of(routes), List.of(), version);
  }

  private static Metadata weir(Map<String, String> fields) {
    Struct.Builder struct = Struct.newBuilder();
    fields.forEach((k, v) -> struct.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Metadata.newBuilder().putFilterMetadata("weir", struct.build()).build();
  }

  private static Metadata weirMetadata(Map<String, Value> fields) {
    return Metadata.newBuilder()
        .putFilterMetadata("weir", Struct.newBuilder().putAllFields(fields).build())
        .build();
  }
}
