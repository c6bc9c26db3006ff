package dev.weir.xds.snapshot;

import static dev.weir.xds.server.Models.EAST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.xds.server.Models;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsProtos;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class WeirCacheTest {

  final WeirCache cache = new WeirCache();
  final WeirSnapshot.SharedResources shared = new WeirSnapshot.SharedResources();
  final List<DeltaResponse> responses = new CopyOnWriteArrayList<>();

  static Versioned<Cluster> cluster(String revision, boolean http2) {
    return Versioned.of("default/" + revision, XdsProtos.edsCluster("default", revision, http2));
  }

  static Versioned<ClusterLoadAssignment> endpoints(String revision) {
    return Versioned.of(
        "default/" + revision, XdsProtos.loadAssignment("default", revision, List.of()));
  }

  static Versioned<RouteConfiguration> routes(String host) {
    return Versioned.of(
        "weir-http",
        XdsProtos.routeConfiguration(
            List.of(XdsProtos.virtualHost(host, "default/hello", 1, "east", List.of()))));
  }

  WeirSnapshot snapshot(List<Versioned<Cluster>> clusters, Versioned<RouteConfiguration> routes) {
    List<Versioned<ClusterLoadAssignment>> endpoints =
        clusters.stream().map(c -> endpoints(c.name().substring("default/".length()))).toList();
    return new WeirSnapshot(
        new XdsResources(List.of(), List.of(routes), clusters, endpoints), shared);
  }

  void watch(WeirSnapshot current, String typeUrl, ResourceType type) {
    Map<String, String> versions = new HashMap<>();
    current.versionedResources(type).forEach((name, r) -> versions.put(name, r.version()));
    DeltaDiscoveryRequest request =
        DeltaDiscoveryRequest.newBuilder()
            .setNode(Models.node("gw", "weir-gateway", EAST))
            .setTypeUrl(typeUrl)
            .build();
    cache.createDeltaWatch(
        DeltaXdsRequest.create(request),
        current.version(type, List.of()),
        versions,
        Set.of(),
        true,
        responses::add,
        false);
  }

  @Test
  void aDeltaWatchOfAnUnchangedTypeWaitsAndOneOfAChangedTypeIsAnswered() {
    NodeGroupKey group = NodeGroupKey.of(Models.node("gw", "weir-gateway", EAST));
    List<Versioned<Cluster>> clusters = List.of(cluster("a", false), cluster("b", false));
    WeirSnapshot first = snapshot(clusters, routes("one.example.com"));
    cache.setSnapshot(group, first);
    watch(first, V3.CLUSTER_TYPE_URL, ResourceType.CLUSTER);
    watch(first, V3.ROUTE_TYPE_URL, ResourceType.ROUTE);

    // Same cluster list, new routes: only the route watch is answered.
    WeirSnapshot second = snapshot(clusters, routes("two.example.com"));
    assertThat(second.clusters()).isSameAs(first.clusters());
    cache.setSnapshot(group, second);
    assertThat(responses)
        .extracting(r -> r.request().getResourceType())
        .containsExactly(ResourceType.ROUTE);

    // A changed cluster is still found and sent alone.
    WeirSnapshot third =
        snapshot(List.of(cluster("a", false), cluster("b", true)), routes("two.example.com"));
    cache.setSnapshot(group, third);
    assertThat(responses).hasSize(2);
    assertThat(responses.get(1).request().getResourceType()).isEqualTo(ResourceType.CLUSTER);
    assertThat(responses.get(1).resources()).containsOnlyKeys("default/b");
  }
}
