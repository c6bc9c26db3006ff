package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.dialect.LoadReports;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Load Reporting Service ({@code envoy.service.load_stats.v3.LoadReportingService}): each
 * stream's first request names its node; the server answers once with {@code send_all_clusters} and
 * its reporting interval, and puts every report into the {@link LoadStore}, per upstream cluster
 * and Weir cluster (the locality's {@code sub_zone}, see {@link LoadReports}), with the gateway's
 * latency load metrics ({@link LatencyBuckets}) as histograms.
 */
public final class LoadReportingServer
    extends LoadReportingServiceGrpc.LoadReportingServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(LoadReportingServer.class);

  private final LoadStore store;
  private final Duration interval;

  /**
   * A service feeding {@code store} that asks data planes to report every {@code interval}.
   *
   * @throws IllegalArgumentException unless {@code interval} is positive
   */
  public LoadReportingServer(LoadStore store, Duration interval) {
    this.store = requireNonNull(store, "store");
    requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("loadReportingInterval: " + interval + " (expected: > 0)");
    }
    this.interval = interval;
  }

  /** The interval data planes are asked to report at. */
  public Duration interval() {
    return interval;
  }

  @Override
  public StreamObserver<LoadStatsRequest> streamLoadStats(
      StreamObserver<LoadStatsResponse> responses) {
    return new Stream(responses);
  }

  /** One data plane's report stream; gRPC calls it serially. */
  private final class Stream implements StreamObserver<LoadStatsRequest> {
    private final StreamObserver<LoadStatsResponse> responses;
    private LoadStore.@Nullable NodeLoad node;
    // Reused per locality: counts per latency bucket, and which are set.
    private final long[] latency = new long[LatencyBuckets.count()];

    Stream(StreamObserver<LoadStatsResponse> responses) {
      this.responses = responses;
    }

    @Override
    public void onNext(LoadStatsRequest request) {
      LoadStore.NodeLoad n = node;
      if (n == null) {
        String id = request.getNode().getId();
        n = store.node(id.isEmpty() ? "unknown" : id);
        node = n;
        log.debug("LRS: node {} reports load every {}", n.nodeId(), interval);
        responses.onNext(
            LoadStatsResponse.newBuilder()
                .setSendAllClusters(true)
                .setLoadReportingInterval(
                    com.google.protobuf.Duration.newBuilder()
                        .setSeconds(interval.getSeconds())
                        .setNanos(interval.getNano()))
                .build());
      }
      // One clock read per report: its counts all go into the second it arrived in.
      long second = store.nowSecond();
      for (ClusterStats cluster : request.getClusterStatsList()) {
        ingest(n, second, cluster);
      }
    }

    private void ingest(LoadStore.NodeLoad n, long second, ClusterStats cluster) {
      String upstream = cluster.getClusterName();
      for (UpstreamLocalityStats locality : cluster.getUpstreamLocalityStatsList()) {
        String weirCluster = locality.getLocality().getSubZone();
        boolean hasLatency = false;
        for (EndpointLoadMetricStats metric : locality.getLoadMetricStatsList()) {
          int bucket = LatencyBuckets.bucketOf(metric.getMetricName());
          if (bucket >= 0) {
            latency[bucket] += metric.getNumRequestsFinishedWithMetric();
            hasLatency = true;
          }
        }
        n.add(
            second,
            upstream,
            weirCluster.isEmpty() ? LoadReports.UNKNOWN_CLUSTER : weirCluster,
            locality.getTotalIssuedRequests(),
            locality.getTotalSuccessfulRequests(),
            locality.getTotalErrorRequests(),
            locality.getTotalRequestsInProgress(),
            hasLatency ? latency : null);
        if (hasLatency) {
          Arrays.fill(latency, 0);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      end();
    }

    @Override
    public void onCompleted() {
      end();
      responses.onCompleted();
    }

    private void end() {
      LoadStore.NodeLoad n = node;
      if (n != null) {
        n.close();
      }
    }
  }
}
