package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

/**
 * What data planes reported for one revision over a window, overall or in one Weir cluster.
 *
 * @param requests requests issued to the revision
 * @param successes requests that completed without error
 * @param errors requests that failed: 5xx answers and the data planes' own failures (no ready
 *     endpoint, circuit open, timeout, reset)
 * @param inProgress requests in flight at the end of the window: for a window that reaches the
 *     newest second reported, the sum of the last counts of the data planes whose report stream is
 *     still open; for an older window, what the data planes reported in its last second with
 *     reports
 * @param latency the latencies the gateways reported (Envoy and proxyless gRPC report none)
 */
public record LoadTotals(
    long requests, long successes, long errors, long inProgress, LatencyHistogram latency) {

  /** Nothing reported. */
  public static final LoadTotals EMPTY = new LoadTotals(0, 0, 0, 0, LatencyHistogram.EMPTY);

  public LoadTotals {
    requireNonNull(latency, "latency");
  }

  /** Completed requests: {@code successes + errors}. */
  public long completed() {
    return successes + errors;
  }

  /** Successes as a percent of completed requests; {@link Double#NaN} when none completed. */
  public double successRatePercent() {
    long completed = completed();
    return completed == 0 ? Double.NaN : successes * 100.0 / completed;
  }
}
