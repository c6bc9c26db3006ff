package dev.weir.xds.lrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.dialect.LoadReports;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamEndpointStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link LoadReportingServer.ReportReader} against reports written by the generated messages: what
 * it adds to the store is what the messages say, whatever the order of their fields and whatever
 * else they carry.
 */
class LoadReportingServerTest {

  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  final LoadStore store = new LoadStore(Clock.fixed(NOW, ZoneOffset.UTC));
  final LoadReportingServer.ReportReader reader = new LoadReportingServer.ReportReader();

  static UpstreamLocalityStats.Builder locality(String subZone, long issued, long errors) {
    return UpstreamLocalityStats.newBuilder()
        .setLocality(
            Locality.newBuilder().setRegion("us-east").setZone("us-east-1a").setSubZone(subZone))
        .setTotalIssuedRequests(issued)
        .setTotalSuccessfulRequests(issued - errors)
        .setTotalErrorRequests(errors)
        .setTotalRequestsInProgress(3);
  }

  static EndpointLoadMetricStats metric(String name, long count) {
    return EndpointLoadMetricStats.newBuilder()
        .setMetricName(name)
        .setNumRequestsFinishedWithMetric(count)
        .setTotalMetricValue(count * 1.5)
        .build();
  }

  void read(LoadStatsRequest request) {
    reader.read(request.toByteArray(), store.node("gw-1"), NOW.getEpochSecond());
  }

  LoadWindow window(String revision) {
    return store.window("default", revision, NOW, NOW);
  }

  @Test
  void readsCountsPerClusterAndSubZoneWithLatency() {
    String b3 = LatencyBuckets.metricName(3);
    String b40 = LatencyBuckets.metricName(40);
    read(
        LoadStatsRequest.newBuilder()
            .setNode(Node.newBuilder().setId("gw-1"))
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/hello-00001")
                    .addUpstreamLocalityStats(
                        locality("east", 10, 2)
                            .addLoadMetricStats(metric(b3, 6))
                            .addLoadMetricStats(metric("cpu_utilization", 99))
                            .addLoadMetricStats(metric(b40, 4))
                            .addUpstreamEndpointStats(
                                UpstreamEndpointStats.newBuilder().setTotalIssuedRequests(7))
                            .setTotalActiveConnections(5)
                            .setPriority(1))
                    .addUpstreamLocalityStats(locality("", 1, 1))
                    .setTotalDroppedRequests(4)
                    .setClusterServiceName("ignored")
                    .setLoadReportInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1)))
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/hello-00002")
                    .addUpstreamLocalityStats(locality("west", 5, 0)))
            .build());

    LoadWindow one = window("hello-00001");
    assertThat(one.byCluster()).containsOnlyKeys("east", LoadReports.UNKNOWN_CLUSTER);
    LoadTotals east = one.cluster("east");
    assertThat(east)
        .extracting(
            LoadTotals::requests, LoadTotals::successes, LoadTotals::errors, LoadTotals::inProgress)
        .containsExactly(10L, 8L, 2L, 3L);
    assertThat(east.latency().count()).isEqualTo(10);
    assertThat(east.latency().bucketCount(3)).isEqualTo(6);
    assertThat(east.latency().bucketCount(40)).isEqualTo(4);
    assertThat(one.cluster(LoadReports.UNKNOWN_CLUSTER).errors()).isEqualTo(1);
    assertThat(one.cluster(LoadReports.UNKNOWN_CLUSTER).latency().count()).isZero();
    assertThat(window("hello-00002").cluster("west").requests()).isEqualTo(5);
    assertThat(window("hello-00002").total().latency().count()).isZero();
  }

  @Test
  void theClusterNameMayFollowItsLocalities() throws Exception {
    // Concatenated messages merge: the name arrives after the locality stats.
    ByteString localities =
        ClusterStats.newBuilder()
            .addUpstreamLocalityStats(locality("east", 4, 0))
            .build()
            .toByteString();
    ByteString name =
        ClusterStats.newBuilder().setClusterName("default/late-00001").build().toByteString();
    ClusterStats merged = ClusterStats.parseFrom(localities.concat(name));
    assertThat(merged.getClusterName()).isEqualTo("default/late-00001");
    byte[] request =
        LoadStatsRequest.newBuilder()
            .addClusterStats(ClusterStats.getDefaultInstance())
            .build()
            .toByteString()
            .substring(0, 1) // the cluster_stats tag
            .concat(ByteString.copyFrom(new byte[] {(byte) (localities.size() + name.size())}))
            .concat(localities)
            .concat(name)
            .toByteArray();

    reader.read(request, store.node("gw-1"), NOW.getEpochSecond());

    assertThat(window("late-00001").cluster("east").requests()).isEqualTo(4);
  }

  @Test
  void findsTheNodeId() {
    LoadStatsRequest request =
        LoadStatsRequest.newBuilder()
            .addClusterStats(ClusterStats.newBuilder().setClusterName("default/a-1"))
            .setNode(Node.newBuilder().setCluster("c").setId("envoy-7"))
            .build();
    assertThat(LoadReportingServer.ReportReader.nodeId(request.toByteArray())).isEqualTo("envoy-7");
    assertThat(LoadReportingServer.ReportReader.nodeId(new byte[0])).isEmpty();
  }

  @Test
  void everyLatencyMetricNameIsFoundFromItsBytes() {
    LoadReportingServer.MetricNames names = new LoadReportingServer.MetricNames();
    for (int bucket = 0; bucket < LatencyBuckets.count(); bucket++) {
      byte[] name = ("x" + LatencyBuckets.metricName(bucket) + "y").getBytes();
      assertThat(names.bucketOf(name, 1, name.length - 1)).isEqualTo(bucket);
    }
    byte[] other = "weir.latency_ms.le_0.11".getBytes();
    assertThat(names.bucketOf(other, 0, other.length)).isEqualTo(-1);
    assertThat(names.bucketOf(other, 0, 0)).isEqualTo(-1);
  }

  @Test
  void malformedReportsAreRejected() {
    byte[] whole =
        LoadStatsRequest.newBuilder()
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/cut-00001")
                    .addUpstreamLocalityStats(locality("east", 4, 0)))
            .build()
            .toByteArray();
    LoadStore.NodeLoad node = store.node("gw-1");
    long second = NOW.getEpochSecond();
    assertThatThrownBy(() -> reader.read(Arrays.copyOf(whole, whole.length - 3), node, second))
        .isInstanceOf(LoadReportingServer.MalformedReport.class)
        .hasMessageContaining("past the end");
    assertThatThrownBy(() -> reader.read(new byte[] {(byte) 0x0b}, node, second))
        .isInstanceOf(LoadReportingServer.MalformedReport.class)
        .hasMessage("wire type 3 at byte 1");
    assertThat(store.upstreams()).isEmpty();
  }

  @Test
  void reportsThatReorderTheirClustersStillCountEachWhereItBelongs() {
    LoadStore.NodeLoad node = store.node("gw-1");
    long second = NOW.getEpochSecond();
    reader.read(
        LoadStatsRequest.newBuilder()
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/a-1")
                    .addUpstreamLocalityStats(locality("east", 1, 0)))
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/b-1")
                    .addUpstreamLocalityStats(locality("west", 10, 0)))
            .build()
            .toByteArray(),
        node,
        second);
    // The same clusters in another order, one more, and a's locality in another Weir cluster.
    reader.read(
        LoadStatsRequest.newBuilder()
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/b-1")
                    .addUpstreamLocalityStats(locality("west", 100, 0)))
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/a-1")
                    .addUpstreamLocalityStats(locality("west", 1000, 0)))
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("default/c-1")
                    .addUpstreamLocalityStats(locality("east", 5, 0)))
            .build()
            .toByteArray(),
        node,
        second);

    assertThat(window("a-1").cluster("east").requests()).isEqualTo(1);
    assertThat(window("a-1").cluster("west").requests()).isEqualTo(1000);
    assertThat(window("b-1").total().requests()).isEqualTo(110);
    assertThat(window("c-1").total().requests()).isEqualTo(5);
    assertThat(window("b-1").total().inProgress()).as("one stream's last count").isEqualTo(3);
  }
}
