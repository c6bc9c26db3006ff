package dev.weir.gateway.routing;

/**
 * Passive outlier detection for one cluster, as its xDS {@code outlier_detection} says.
 *
 * @param consecutive5xx upstream 5xx responses in a row that eject an endpoint; 0 disables
 * @param consecutiveGatewayFailure connect failures, timeouts, 502/503/504 in a row that eject an
 *     endpoint; 0 disables
 * @param baseEjectionMillis how long the first ejection lasts; the n-th lasts n times as long
 * @param maxEjectionMillis the cap on one ejection
 * @param maxEjectionPercent at most this share of a cluster's endpoints is ejected at once (one
 *     endpoint may always be ejected)
 */
public record OutlierSpec(
    int consecutive5xx,
    int consecutiveGatewayFailure,
    long baseEjectionMillis,
    long maxEjectionMillis,
    int maxEjectionPercent) {

  /** What a cluster without {@code outlier_detection} gets: nothing is ever ejected. */
  public static final OutlierSpec DISABLED = new OutlierSpec(0, 0, 30_000, 300_000, 0);

  public OutlierSpec {
    if (consecutive5xx < 0) {
      throw new IllegalArgumentException("consecutive5xx: " + consecutive5xx + " (expected: >= 0)");
    }
    if (consecutiveGatewayFailure < 0) {
      throw new IllegalArgumentException(
          "consecutiveGatewayFailure: " + consecutiveGatewayFailure + " (expected: >= 0)");
    }
    if (baseEjectionMillis <= 0) {
      throw new IllegalArgumentException(
          "baseEjectionMillis: " + baseEjectionMillis + " (expected: > 0)");
    }
    if (maxEjectionMillis < baseEjectionMillis) {
      throw new IllegalArgumentException(
          "maxEjectionMillis: " + maxEjectionMillis + " (expected: >= " + baseEjectionMillis + ")");
    }
    if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
      throw new IllegalArgumentException(
          "maxEjectionPercent: " + maxEjectionPercent + " (expected: 0..100)");
    }
  }

  boolean enabled() {
    return consecutive5xx > 0 || consecutiveGatewayFailure > 0;
  }
}
