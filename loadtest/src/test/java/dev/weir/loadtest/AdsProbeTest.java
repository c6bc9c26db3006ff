package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The probe against java-control-plane's own Delta ADS server on loopback: it counts what really
 * arrives.
 */
class AdsProbeTest {

  @Test
  void countsOnlyWhatOneEndpointChangeSends() throws Exception {
    SimpleCache<String> cache = new SimpleCache<>(node -> "all");
    cache.setSnapshot("all", snapshot(200, "127.0.0.1", "1"));
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
    try (AdsProbe probe = new AdsProbe("127.0.0.1", server.getPort(), "probe", "local", "east")) {
      probe.awaitQuiet(2, Duration.ofMillis(500), Duration.ofSeconds(60));
      long initialBytes = probe.bytes();
      long initialResponses = probe.responses();
      assertThat(probe.resources()).as("200 clusters and 200 endpoint sets").isEqualTo(400);

      cache.setSnapshot("all", snapshot(200, "127.0.0.2", "2"));
      probe.awaitQuiet(initialResponses + 1, Duration.ofMillis(500), Duration.ofSeconds(60));

      assertThat(probe.resources() - 400).as("one ClusterLoadAssignment changed").isEqualTo(1);
      assertThat(probe.bytes() - initialBytes).isPositive().isLessThan(initialBytes / 50);
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** {@code n} EDS clusters; the first one's endpoint is at {@code firstAddress}. */
  private static Snapshot snapshot(int n, String firstAddress, String version) {
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "default/r%05d-00001".formatted(i);
      clusters.add(
          Cluster.newBuilder()
              .setName(name)
              .setType(Cluster.DiscoveryType.EDS)
              .setConnectTimeout(Durations.fromSeconds(2))
              .setEdsClusterConfig(
                  Cluster.EdsClusterConfig.newBuilder()
                      .setEdsConfig(
                          ConfigSource.newBuilder()
                              .setAds(AggregatedConfigSource.getDefaultInstance())))
              .build());
      String address = i == 0 ? firstAddress : "127.0.0.1";
      endpoints.add(
          ClusterLoadAssignment.newBuilder()
              .setClusterName(name)
              .addEndpoints(
                  LocalityLbEndpoints.newBuilder()
                      .addLbEndpoints(
                          LbEndpoint.newBuilder()
                              .setEndpoint(
                                  Endpoint.newBuilder()
                                      .setAddress(
                                          Address.newBuilder()
                                              .setSocketAddress(
                                                  SocketAddress.newBuilder()
                                                      .setAddress(address)
                                                      .setPortValue(9001))))))
              .build());
    }
    return Snapshot.create(clusters, endpoints, List.of(), List.of(), List.of(), version);
  }
}
