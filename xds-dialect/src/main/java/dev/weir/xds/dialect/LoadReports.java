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
 */
public final class LoadReports {

  /** The Weir cluster a report's counts are attributed to when its locality has no sub_zone. */
  public static final String UNKNOWN_CLUSTER = "unknown";

  private LoadReports() {}
}
