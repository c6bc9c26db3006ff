package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;

/**
 * What the data planes saw of one revision (or of the stable revisions together) in one analysis
 * window: requests issued, completed successfully and failed (answered 5xx, or failed at the
 * gateway: no ready endpoint, circuit open, upstream timeout or reset), a latency percentile
 * function and the same numbers per Weir cluster (by where the requests were served).
 *
 * <p>This is the seam the load-report store fills: it holds no protobuf and no clock. Rates are
 * computed over completed requests ({@code successes + errors}); requests still in flight when the
 * window closes count in {@code requests} only.
 *
 * @param requests requests issued in the window (at least {@code successes + errors})
 * @param successes requests completed without failure
 * @param errors requests that failed
 * @param latencyPercentileMs percentile (0..100] → latency in milliseconds; NaN when there is no
 *     data
 * @param byCluster the same numbers per Weir cluster name (empty when unknown)
 */
public record WindowNumbers(
    long requests,
    long successes,
    long errors,
    DoubleUnaryOperator latencyPercentileMs,
    Map<String, WindowNumbers> byCluster) {

  /** A latency function without data. */
  public static final DoubleUnaryOperator NO_LATENCY = p -> Double.NaN;

  public WindowNumbers {
    requireNonNull(latencyPercentileMs, "latencyPercentileMs");
    if (successes < 0 || errors < 0 || requests < successes + errors) {
      throw new IllegalArgumentException(
          "window: requests "
              + requests
              + ", successes "
              + successes
              + ", errors "
              + errors
              + " (expected: successes, errors ≥ 0 and requests ≥ successes + errors)");
    }
    byCluster = new TreeMap<>(byCluster);
  }

  /** Counts without latency or clusters, every request completed. */
  public static WindowNumbers of(long successes, long errors) {
    return new WindowNumbers(successes + errors, successes, errors, NO_LATENCY, Map.of());
  }

  /** Nothing seen. */
  public static WindowNumbers empty() {
    return of(0, 0);
  }

  /** Requests completed in the window: the sample size of every rate. */
  public long completed() {
    return successes + errors;
  }

  /** Percent (0..100) of completed requests that succeeded; NaN without completed requests. */
  public double successRate() {
    long n = completed();
    return n == 0 ? Double.NaN : 100.0 * successes / n;
  }

  /** These numbers with a latency function. */
  public WindowNumbers withLatency(DoubleUnaryOperator latency) {
    return new WindowNumbers(requests, successes, errors, latency, byCluster);
  }

  /** These numbers with per-cluster numbers. */
  public WindowNumbers withClusters(Map<String, WindowNumbers> clusters) {
    return new WindowNumbers(requests, successes, errors, latencyPercentileMs, clusters);
  }
}
