package dev.weir.xds.dialect;

/**
 * Weir's names in load reports (LRS, {@code envoy.service.load_stats.v3}) and in the localities
 * they are grouped by.
 *
 * <p><b>Locality {@code sub_zone} = Weir cluster.</b> The translator writes the name of the cluster
 * (of the clusters file) an endpoint runs in into the {@code sub_zone} of its {@code
 * LocalityLbEndpoints}, one entry per (region, zone, cluster); region and zone stay the endpoint's
 * locality and the failover priority stays per (region, zone). Data planes report load per
 * locality, so Envoy, proxyless gRPC and the gateway all report it back in {@code
 * upstream_locality_stats[].locality.sub_zone}; the gateway reads it from EDS to key its counters,
 * and the control plane's load store reads it back as the cluster a report's counts belong to. An
 * empty {@code sub_zone} means the data plane's own cluster ({@link #UNKNOWN_CLUSTER}).
 *
 * <p><b>Latency.</b> The gateway reports latency (from the request's arrival at the gateway's
 * routing to the upstream response's head, or to its own answer, in milliseconds) as named load
 * metrics ({@code load_metric_stats}), one per non-empty {@link LatencyBuckets bucket}: {@code
 * metric_name} is {@link LatencyBuckets#metricName}, {@code num_requests_finished_with_metric} the
 * number of requests in that bucket during the interval, {@code total_metric_value} their summed
 * latency in milliseconds (as the bucket's estimate times the count). The control plane's load
 * store reads them back into histograms.
 *
 * <p><b>Held requests.</b> A data plane that holds requests for an {@link WeirMetadata#ACTIVATABLE
 * activatable} cluster with no endpoint (the gateway) reports them in its own locality (its node's
 * region and zone, empty {@code sub_zone}: no endpoint was tried) of that cluster's {@code
 * ClusterStats}, as the named load metric {@link #HELD_REQUESTS_METRIC}: {@code
 * num_requests_finished_with_metric} is the number of requests that started being held during the
 * interval, {@code total_metric_value} the number held when the report was made (a gauge, not a
 * sum). The entry is there whenever either is above 0. Held requests are not in {@code
 * total_requests_in_progress}; when one is answered (released and proxied, or refused after the
 * timeout) it is counted like any request, where it was last sent. The control plane reads either
 * number above 0 as demand for the revision (wake it) and the held number as activity (keep it
 * awake).
 *
 * <p><b>Immediate reports.</b> When a cluster's held count goes from 0 to 1, the data plane sends a
 * load report at once (well under a second), without waiting for its interval, so that demand
 * reaches the control plane at once; the periodic reports go on at the interval the server asked
 * for. A report sent at once is a full one (every cluster with load since the last report, its
 * {@code load_report_interval} the time since that report).
 */
public final class LoadReports {

  /** The Weir cluster a report's counts are attributed to when its locality has no sub_zone. */
  public static final String UNKNOWN_CLUSTER = "unknown";

  /**
   * The load metric name of held requests (see above). Written by the gateway's load reporter, read
   * by the control plane's load store.
   */
  public static final String HELD_REQUESTS_METRIC = "weir.held_requests";

  private LoadReports() {}
}
