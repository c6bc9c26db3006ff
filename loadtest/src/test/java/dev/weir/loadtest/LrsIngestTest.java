package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import org.junit.jupiter.api.Test;

/** The lrs-ingest suite's parts: the report bytes it sends and its reading of {@code /proc}. */
class LrsIngestTest {

  @Test
  void aReportIsTheNodeAndEveryRevisionWithOneLocalityInItsWeirCluster() throws Exception {
    byte[] stats = LrsIngest.clusterStats(30);

    LoadStatsRequest r = LoadStatsRequest.parseFrom(LrsIngest.report("plane-7", stats));

    assertThat(r.getNode().getId()).isEqualTo("plane-7");
    assertThat(r.getClusterStatsCount()).isEqualTo(30);
    assertThat(r.getClusterStats(0).getClusterName())
        .isEqualTo(BenchClusters.NAMESPACE + "/r00001-00001");
    UpstreamLocalityStats l = r.getClusterStats(0).getUpstreamLocalityStats(0);
    assertThat(l.getLocality().getSubZone()).isEqualTo(BenchClusters.revisionCluster(1));
    assertThat(l.getTotalIssuedRequests()).isEqualTo(LrsIngest.ISSUED_PER_REPORT);
    assertThat(l.getLoadMetricStatsList())
        .extracting(m -> m.getMetricName())
        .containsExactlyElementsOf(LrsIngest.latencyMetricNames());
  }

  @Test
  void latencyMetricsAreTheGatewaysBucketNames() {
    // bounds from 100 µs, each 6/5 of the last, floored to whole microseconds: 100, 120, 144,
    // 172, 206, 247, ...
    assertThat(LrsIngest.latencyMetricNames())
        .hasSize(8)
        .startsWith("weir.latency_ms.le_0.206", "weir.latency_ms.le_0.247");
  }

  @Test
  void cpuTicksAreUserPlusSystemTimeEvenWithSpacesInTheName() {
    String stat =
        "4242 (GC Thread (x) 1) S 1 2 3 4 5 6 7 8 9 10 1500 250 0 0 20 0 30 0 100 200 300";

    assertThat(LrsIngest.Cpu.ticks(stat)).isEqualTo(1750);
  }
}
