package dev.weir.xds.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.Locality;
import dev.weir.testing.Poll;
import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.dialect.LoadReports;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Held requests ({@link LoadReports#HELD_REQUESTS_METRIC}) over real LRS streams on loopback: the
 * store's held gauge, its last activity and the demand listeners, as the gateway reports them.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LrsHeldRequestsTest {

  static final String NS = "default";
  static final String REV = "hello-00002";
  static final String CLUSTER = NS + "/" + REV;

  final LoadStore store = new LoadStore();
  final List<Demand> demands = new CopyOnWriteArrayList<>();

  @SuppressWarnings("NullAway.Init")
  Server server;

  @SuppressWarnings("NullAway.Init")
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    store.addDemandListener(demands::add);
    store.addDemandListener(
        d -> {
          throw new IllegalStateException("a listener that fails must not break the stream");
        });
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new LoadReportingServer(store, Duration.ofSeconds(10)))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** One data plane's LRS stream. */
  final class Reporter implements AutoCloseable {
    final BlockingQueue<LoadStatsResponse> responses = new LinkedBlockingQueue<>();
    final StreamObserver<LoadStatsRequest> requests;
    final Node node;

    Reporter(String id, Locality locality) {
      node =
          Node.newBuilder()
              .setId(id)
              .setLocality(
                  io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                      .setRegion(locality.region())
                      .setZone(locality.zone()))
              .build();
      requests =
          LoadReportingServiceGrpc.newStub(channel)
              .streamLoadStats(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(LoadStatsResponse value) {
                      responses.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(LoadStatsRequest.newBuilder().setNode(node).build());
    }

    void report(ClusterStats... clusters) {
      requests.onNext(
          LoadStatsRequest.newBuilder()
              .setNode(node)
              .addAllClusterStats(List.of(clusters))
              .build());
    }

    @Override
    public void close() {
      requests.onCompleted();
    }
  }

  /** A cluster's stats as the gateway sends them: held in its own locality (no sub_zone). */
  static ClusterStats held(String cluster, long heldNow, long started) {
    return ClusterStats.newBuilder()
        .setClusterName(cluster)
        .addUpstreamLocalityStats(
            UpstreamLocalityStats.newBuilder()
                .setLocality(
                    io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                        .setRegion("us-east")
                        .setZone("us-east-1a"))
                .addLoadMetricStats(
                    EndpointLoadMetricStats.newBuilder()
                        .setMetricName(LatencyBuckets.metricName(3))
                        .setNumRequestsFinishedWithMetric(2)
                        .setTotalMetricValue(2 * LatencyBuckets.estimateMillis(3)))
                .addLoadMetricStats(
                    EndpointLoadMetricStats.newBuilder()
                        .setMetricName(LoadReports.HELD_REQUESTS_METRIC)
                        .setNumRequestsFinishedWithMetric(started)
                        .setTotalMetricValue(heldNow)))
        .build();
  }

  static ClusterStats served(String cluster, long issued, long inProgress) {
    return ClusterStats.newBuilder()
        .setClusterName(cluster)
        .addUpstreamLocalityStats(
            UpstreamLocalityStats.newBuilder()
                .setLocality(
                    io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setSubZone("east"))
                .setTotalIssuedRequests(issued)
                .setTotalSuccessfulRequests(issued)
                .setTotalRequestsInProgress(inProgress))
        .build();
  }

  @Test
  void heldReportsAreDemandWithTheNodesLocalityAndCountWhileTheStreamLives() throws Exception {
    Locality east = new Locality("us-east", "us-east-1a");
    assertThat(store.held(NS, REV)).isZero();
    assertThat(store.lastActivity(NS, REV)).isNull();
    Instant before = Instant.now().minusSeconds(1);
    try (Reporter gw1 = new Reporter("gw-1", east);
        Reporter gw2 = new Reporter("gw-2", new Locality("us-west", "us-west-1b"))) {
      assertThat(gw1.responses.poll(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(gw2.responses.poll(10, TimeUnit.SECONDS)).isNotNull();
      gw1.report(held(CLUSTER, 1, 1), served("default/warm", 5, 0));
      Poll.until("the first demand", () -> demands.size() == 1);
      assertThat(demands).containsExactly(new Demand(NS, REV, "gw-1", east, 1));
      assertThat(store.held(NS, REV)).isEqualTo(1);
      assertThat(store.lastActivity(NS, REV)).isAfter(before);

      gw2.report(held(CLUSTER, 3, 3));
      Poll.until("gw-2's demand", () -> demands.size() == 2);
      assertThat(demands.get(1))
          .isEqualTo(new Demand(NS, REV, "gw-2", new Locality("us-west", "us-west-1b"), 3));
      assertThat(store.held(NS, REV)).isEqualTo(4);

      // The gauge replaces gw-1's last one; a report without the metric means nothing held.
      gw1.report(held(CLUSTER, 2, 1));
      Poll.until("gw-1's second demand", () -> demands.size() == 3);
      assertThat(store.held(NS, REV)).isEqualTo(5);
      gw1.report(served(CLUSTER, 2, 1));
      Poll.until("gw-1 released its held requests", () -> store.held(NS, REV) == 3);
      assertThat(store.inProgress(NS, REV)).isEqualTo(1);
      // Held and released within the interval: still demand, with nothing held now.
      gw1.report(held(CLUSTER, 0, 4));
      Poll.until("gw-1's third demand", () -> demands.size() == 4);
      assertThat(demands.get(3).held()).isZero();
      assertThat(store.held(NS, REV)).isEqualTo(3);
      // A report without held requests is no demand.
      gw1.report(served(CLUSTER, 1, 0));
      gw2.report(held(CLUSTER, 3, 0));
      Poll.until("gw-2's second demand", () -> demands.size() == 5);
      assertThat(demands.get(4).nodeId()).isEqualTo("gw-2");
    }
    // Both streams ended: nothing is held or in flight any more, the last activity stays. The two
    // streams end independently, so gw-2's end can zero the held gauge before the server has read
    // gw-1's last report and end: wait for both counts.
    Poll.until(
        "the ended streams count 0",
        () -> store.held(NS, REV) == 0 && store.inProgress(NS, REV) == 0);
    assertThat(store.lastActivity(NS, REV)).isNotNull();
    assertThat(store.lastActivity("default", "warm")).isNotNull();
    assertThat(store.held("default", "warm")).isZero();
    assertThat(demands).hasSize(5);
  }
}
