package dev.weir.gateway.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.LoadCounters;
import dev.weir.gateway.routing.LocalityLoad;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RetryBudget;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.xds.dialect.LoadReports;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A report visits only the clusters with activity since the last one, yet says what LRS needs: of
 * 10,000 clusters, the one whose requests completed is reported once with its counts; the one with
 * a request in flight and the one with a request held are reported in every report while that lasts
 * (their gauges, {@code total_requests_in_progress} and the held-requests metric, with no new
 * request), and once with the request's completion when it ends; then nothing. The LRS server here
 * records the reports as sent.
 */
class LrsActiveClustersTest {

  static final int CLUSTERS = 10_000;

  static String name(int i) {
    return "default/r" + i + "-00001";
  }

  @Test
  void reportsVisitTheActiveClustersOnly() throws Exception {
    LoadCounters counters = new LoadCounters();
    List<ClusterSpec> clusters = new ArrayList<>();
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    for (int i = 0; i < CLUSTERS; i++) {
      clusters.add(new ClusterSpec(name(i), false, 2_000, OutlierSpec.DISABLED, 1024, 3));
      assignments.put(
          name(i),
          new LoadAssignmentSpec(
              name(i), List.of(new EndpointSpec("127.0.0.1", 9001, 0, "east", "r", "z", "east"))));
    }
    RoutingTable table =
        new RoutingTableBuilder(
                CircuitBreakerConfig.ofDefaults(), RetryBudget.DEFAULT, 50, counters)
            .build(new RouteConfigSpec("weir-http", List.of()), clusters, assignments);
    String done = name(17);
    String flying = name(4242);
    String held = name(9000);
    LocalityLoad doneLoad = endpointLoad(table, done);
    LocalityLoad flyingLoad = endpointLoad(table, flying);
    Upstream heldUpstream = Objects.requireNonNull(table.upstream(held));
    for (int i = 0; i < 3; i++) {
      doneLoad.recordSuccess(1_000_000);
    }
    flyingLoad.attemptStarted();
    heldUpstream.load().holdStarted();

    BlockingQueue<LoadStatsRequest> reports = new LinkedBlockingQueue<>();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(recording(reports))
            .build()
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try (LoadReporter reporter =
        new LoadReporter(
            channel,
            Node.newBuilder().setId("gw-active").build(),
            counters,
            Duration.ofMillis(50),
            Duration.ofMillis(200))) {
      reporter.start();
      Map<String, ClusterStats> first = nextWithStats(reports);
      assertThat(first).containsOnlyKeys(done, flying, held);
      assertThat(endpoint(first.get(done)).getTotalSuccessfulRequests()).isEqualTo(3);
      assertThat(endpoint(first.get(flying)).getTotalRequestsInProgress()).isEqualTo(1);
      assertThat(endpoint(first.get(flying)).getTotalIssuedRequests()).isZero();
      assertThat(heldNow(first.get(held))).isEqualTo(1);

      // Nothing new: the gauges go on, the completed cluster is not reported again.
      for (int i = 0; i < 3; i++) {
        Map<String, ClusterStats> later = next(reports);
        assertThat(later).containsOnlyKeys(flying, held);
        assertThat(endpoint(later.get(flying)).getTotalRequestsInProgress()).isEqualTo(1);
        assertThat(endpoint(later.get(flying)).getTotalIssuedRequests()).isZero();
        assertThat(heldNow(later.get(held))).isEqualTo(1);
      }

      // The requests end: the completion is reported, then nothing more.
      flyingLoad.attemptEnded();
      flyingLoad.recordSuccess(2_000_000);
      heldUpstream.load().holdEnded();
      Map<String, ClusterStats> ended = next(reports);
      while (!ended.containsKey(flying)
          || endpoint(ended.get(flying)).getTotalRequestsInProgress() != 0) {
        ended = next(reports);
      }
      assertThat(endpoint(ended.get(flying)).getTotalSuccessfulRequests()).isEqualTo(1);
      assertThat(next(reports)).isEmpty();
      assertThat(next(reports)).isEmpty();

      // A handful of clusters per report, never the table's 10,000.
      assertThat(reporter.clustersVisited()).isPositive().isLessThan(3 * reporter.reportsSent());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static LocalityLoad endpointLoad(RoutingTable table, String cluster) {
    return Objects.requireNonNull(table.upstream(cluster)).endpoints().get(0).load();
  }

  /** The endpoints' locality of a cluster's stats (the one with sub_zone {@code east}). */
  static UpstreamLocalityStats endpoint(@Nullable ClusterStats stats) {
    assertThat(stats).isNotNull();
    return Objects.requireNonNull(stats).getUpstreamLocalityStatsList().stream()
        .filter(l -> l.getLocality().getSubZone().equals("east"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no locality east in " + stats));
  }

  /** The held-requests gauge of a cluster's stats (the gateway's own locality). */
  static double heldNow(@Nullable ClusterStats stats) {
    assertThat(stats).isNotNull();
    return Objects.requireNonNull(stats).getUpstreamLocalityStatsList().stream()
        .flatMap(l -> l.getLoadMetricStatsList().stream())
        .filter(m -> m.getMetricName().equals(LoadReports.HELD_REQUESTS_METRIC))
        .mapToDouble(EndpointLoadMetricStats::getTotalMetricValue)
        .sum();
  }

  /** The next periodic report's cluster stats by cluster name (empty: no cluster reported). */
  static Map<String, ClusterStats> next(BlockingQueue<LoadStatsRequest> reports)
      throws InterruptedException {
    LoadStatsRequest report = reports.poll(10, TimeUnit.SECONDS);
    assertThat(report).as("a report within 10 s").isNotNull();
    Map<String, ClusterStats> byName = new TreeMap<>();
    for (ClusterStats stats : report.getClusterStatsList()) {
      assertThat(byName.put(stats.getClusterName(), stats)).as(stats.getClusterName()).isNull();
    }
    return byName;
  }

  static Map<String, ClusterStats> nextWithStats(BlockingQueue<LoadStatsRequest> reports)
      throws InterruptedException {
    Map<String, ClusterStats> stats = next(reports);
    while (stats.isEmpty()) {
      stats = next(reports);
    }
    return stats;
  }

  /** An LRS server asking for every cluster every 100 ms, queueing the reports it gets. */
  static LoadReportingServiceGrpc.LoadReportingServiceImplBase recording(
      BlockingQueue<LoadStatsRequest> reports) {
    return new LoadReportingServiceGrpc.LoadReportingServiceImplBase() {
      @Override
      public StreamObserver<LoadStatsRequest> streamLoadStats(
          StreamObserver<LoadStatsResponse> responses) {
        responses.onNext(
            LoadStatsResponse.newBuilder()
                .setSendAllClusters(true)
                .setLoadReportingInterval(
                    com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
                .build());
        return new StreamObserver<>() {
          @Override
          public void onNext(LoadStatsRequest report) {
            reports.add(report);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            responses.onCompleted();
          }
        };
      }
    };
  }
}
