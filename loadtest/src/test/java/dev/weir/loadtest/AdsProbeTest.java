package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
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
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
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

  @Test
  void recordsWhenAWatchedHostsWeightsChangeInWholeRouteConfigurations() throws Exception {
    SimpleCache<String> cache = new SimpleCache<>(node -> "all");
    cache.setSnapshot("all", withRoutes(routes(Map.of("default/hello-00001", 100)), "1"));
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
    try (AdsProbe probe =
        new AdsProbe(
            "127.0.0.1",
            server.getPort(),
            "probe",
            "local",
            "east",
            "hello.default.localhost",
            false)) {
      Poll.until(() -> probe.weights().size() == 1);
      cache.setSnapshot(
          "all",
          withRoutes(routes(Map.of("default/hello-00001", 90, "default/hello-00002", 10)), "2"));
      Poll.until(() -> probe.weights().size() == 2);
      // another host's change is not the watched host's
      cache.setSnapshot(
          "all",
          withRoutes(
              routes(Map.of("default/hello-00001", 90, "default/hello-00002", 10)).toBuilder()
                  .addVirtualHosts(VirtualHost.newBuilder().setName("x").addDomains("x"))
                  .build(),
              "3"));
      Thread.sleep(300);

      assertThat(probe.weights())
          .extracting(AdsProbe.Weights::weights)
          .containsExactly(
              Map.of("default/hello-00001", 100),
              Map.of("default/hello-00001", 90, "default/hello-00002", 10));
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void asksForVirtualHostsAndReadsTheWatchedHostsOwn() throws Exception {
    VirtualHostServer vhds = new VirtualHostServer();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(vhds)
            .build()
            .start();
    try (AdsProbe probe =
        new AdsProbe(
            "127.0.0.1", server.getPort(), "probe", "local", "east", "hello.default.localhost")) {
      DeltaDiscoveryRequest first = vhds.next();
      assertThat(first.getNode().getMetadata().getFieldsOrThrow("weir.dev/vhds").getBoolValue())
          .isTrue();
      DeltaDiscoveryRequest subscription = vhds.next();
      while (!subscription.getTypeUrl().equals(AdsProbe.VHDS)) {
        subscription = vhds.next();
      }
      assertThat(subscription.getResourceNamesSubscribeList()).as("wildcard").isEmpty();

      VirtualHost other = VirtualHost.newBuilder().setName("x").addDomains("x").build();
      vhds.send("1", routes(Map.of("default/hello-00001", 100)).getVirtualHosts(0), other);
      Poll.until(() -> probe.weights().size() == 1);
      DeltaDiscoveryRequest ack = vhds.next();
      assertThat(ack.getTypeUrl()).isEqualTo(AdsProbe.VHDS);
      assertThat(ack.getResponseNonce()).isEqualTo("1");

      vhds.send(
          "2",
          routes(Map.of("default/hello-00001", 90, "default/hello-00002", 10)).getVirtualHosts(0));
      Poll.until(() -> probe.weights().size() == 2);
      // another host's change is not the watched host's
      vhds.send("3", other.toBuilder().addDomains("y").build());
      Poll.until(() -> probe.responses() == 3);

      assertThat(probe.weights())
          .extracting(AdsProbe.Weights::weights)
          .containsExactly(
              Map.of("default/hello-00001", 100),
              Map.of("default/hello-00001", 90, "default/hello-00002", 10));
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A Delta ADS service that keeps what the probe sends and sends the virtual hosts a test hands
   * it, each named {@code weir-http/{its first domain}} as Weir's control plane names them.
   */
  private static final class VirtualHostServer
      extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    private final LinkedBlockingQueue<DeltaDiscoveryRequest> received = new LinkedBlockingQueue<>();
    private volatile StreamObserver<DeltaDiscoveryResponse> responses;

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
        StreamObserver<DeltaDiscoveryResponse> responses) {
      this.responses = responses;
      return new StreamObserver<>() {
        @Override
        public void onNext(DeltaDiscoveryRequest request) {
          received.add(request);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }

    DeltaDiscoveryRequest next() throws InterruptedException {
      DeltaDiscoveryRequest request = received.poll(30, TimeUnit.SECONDS);
      assertThat(request).as("a request within 30 s").isNotNull();
      return request;
    }

    synchronized void send(String nonce, VirtualHost... hosts) {
      DeltaDiscoveryResponse.Builder response =
          DeltaDiscoveryResponse.newBuilder().setTypeUrl(AdsProbe.VHDS).setNonce(nonce);
      for (VirtualHost host : hosts) {
        response.addResources(
            Resource.newBuilder()
                .setName(AdsProbe.ROUTE_CONFIGURATION + "/" + host.getDomains(0))
                .setVersion(nonce)
                .setResource(Any.pack(host)));
      }
      responses.onNext(response.build());
    }
  }

  @Test
  void decodesOnlyTheVirtualHostNamingTheWatchedHost() throws Exception {
    RouteConfiguration config =
        routes(Map.of("default/hello-00001", 70, "default/hello-00002", 30)).toBuilder()
            // before hello, a host whose domain only starts with hello's, and one whose name is it
            .addVirtualHosts(
                0,
                VirtualHost.newBuilder()
                    .setName("port")
                    .addDomains("hello.default.localhost:8080")
                    .addRoutes(Route.newBuilder().setName(AdsProbe.DEFAULT_ROUTE)))
            .addVirtualHosts(
                0,
                VirtualHost.newBuilder()
                    .setName("hello.default.localhost")
                    .addDomains("other.default.localhost"))
            .build();

    assertThat(AdsProbe.weightsOf(config.toByteString(), "hello.default.localhost"))
        .isEqualTo(Map.of("default/hello-00001", 70, "default/hello-00002", 30));
    assertThat(AdsProbe.weightsOf(config.toByteString(), "absent.default.localhost")).isNull();
    assertThatThrownBy(
            () ->
                AdsProbe.weightsOf(
                    com.google.protobuf.ByteString.copyFrom(new byte[] {0x12, 0x7f, 0x01}),
                    "hello.default.localhost"))
        .isInstanceOf(java.io.IOException.class);
  }

  /** hello's default route: one cluster alone as Weir writes it, else weighted clusters. */
  private static RouteConfiguration routes(Map<String, Integer> weights) {
    RouteAction.Builder action = RouteAction.newBuilder();
    if (weights.size() == 1) {
      action.setCluster(weights.keySet().iterator().next());
    } else {
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      new java.util.TreeMap<>(weights)
          .forEach(
              (cluster, weight) ->
                  weighted.addClusters(
                      WeightedCluster.ClusterWeight.newBuilder()
                          .setName(cluster)
                          .setWeight(UInt32Value.of(weight))));
      action.setWeightedClusters(weighted);
    }
    return RouteConfiguration.newBuilder()
        .setName(AdsProbe.ROUTE_CONFIGURATION)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("hello")
                .addDomains("hello.default.localhost")
                .addRoutes(
                    Route.newBuilder()
                        .setName(AdsProbe.DEFAULT_ROUTE)
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(action)))
        .build();
  }

  private static Snapshot withRoutes(RouteConfiguration routes, String version) {
    return Snapshot.create(List.of(), List.of(), List.of(), List.of(routes), List.of(), version);
  }

  /** Polls every 20 ms for up to 30 s. */
  private static final class Poll {
    static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!condition.getAsBoolean()) {
        assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
        Thread.sleep(20);
      }
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
