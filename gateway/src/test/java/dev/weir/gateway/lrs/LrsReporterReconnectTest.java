package dev.weir.gateway.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.LoadCounters;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RetryBudget;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.testing.Poll;
import dev.weir.xds.lrs.LoadReportingServer;
import dev.weir.xds.lrs.LoadStore;
import dev.weir.xds.lrs.LoadTotals;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reporter against the real LRS server: counts bumped on an endpoint's counters arrive per
 * locality (sub_zone as Weir cluster), and after the server goes away and comes back on the same
 * port the reporter reconnects on its own and later counts arrive at the new server.
 */
class LrsReporterReconnectTest {

  static final String CLUSTER = "default/hello-00001";

  static Server serve(int port, LoadStore store) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new LoadReportingServer(store, Duration.ofMillis(100)))
        .build()
        .start();
  }

  @Test
  void reportsPerLocalityAndReconnectsAfterTheServerCameBack() throws Exception {
    LoadCounters counters = new LoadCounters();
    RoutingTable table =
        new RoutingTableBuilder(
                CircuitBreakerConfig.ofDefaults(), RetryBudget.DEFAULT, 50, counters)
            .build(
                new RouteConfigSpec("weir-http", List.of()),
                List.of(new ClusterSpec(CLUSTER, false, 2_000, OutlierSpec.DISABLED, 1024, 3)),
                Map.of(
                    CLUSTER,
                    new LoadAssignmentSpec(
                        CLUSTER,
                        List.of(
                            new EndpointSpec(
                                "127.0.0.1", 9001, 0, "east", "us-east", "us-east-1a", "east")))));
    Upstream upstream = Objects.requireNonNull(table.upstream(CLUSTER));
    var endpoint = upstream.endpoints().get(0);

    LoadStore first = new LoadStore();
    Server server = serve(0, first);
    int port = server.getPort();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Node node =
        Node.newBuilder()
            .setId("gw-reconnect")
            .setLocality(Locality.newBuilder().setRegion("us-east").setZone("us-east-1a"))
            .build();
    Instant from = Instant.now();
    try (LoadReporter reporter =
        new LoadReporter(channel, node, counters, Duration.ofMillis(50), Duration.ofMillis(200))) {
      reporter.start();
      for (int i = 0; i < 7; i++) {
        endpoint.load().recordSuccess(2_000_000);
      }
      endpoint.load().recordError(3_000_000);
      upstream.load().own().recordError(10_000);

      Poll.eventually(
          () -> {
            var window = first.window("default", "hello-00001", from, Instant.now());
            assertThat(window.cluster("east"))
                .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
                .containsExactly(8L, 7L, 1L);
            assertThat(window.cluster("east").latency().percentile(50)).isBetween(1.8, 2.2);
            assertThat(window.cluster("unknown"))
                .extracting(LoadTotals::requests, LoadTotals::errors)
                .containsExactly(1L, 1L);
          });

      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      LoadStore second = new LoadStore();
      Server again = serve(port, second);
      try {
        for (int i = 0; i < 5; i++) {
          endpoint.load().recordSuccess(1_000_000);
        }
        Poll.eventually(
            () ->
                assertThat(
                        second
                            .window("default", "hello-00001", from, Instant.now())
                            .total()
                            .successes())
                    .isEqualTo(5));
      } finally {
        again.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
