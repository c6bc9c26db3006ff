package dev.weir.controller.rollout;

import java.util.Map;
import java.util.TreeMap;

/**
 * How far the data planes are with the split the previous decision asked to serve: how many of the
 * connected data planes (of clusters that are not stale) have ACKed a snapshot serving it, whether
 * any NACKed it, and the same per Weir cluster.
 *
 * @param applied connected data planes that ACKed it (0..connected)
 * @param connected data planes with an open xDS stream
 * @param nacked true when a connected data plane NACKed it
 */
public record Applied(
    int applied, int connected, boolean nacked, Map<String, ClusterCount> byCluster) {

  public Applied {
    if (applied < 0 || connected < 0 || applied > connected) {
      throw new IllegalArgumentException(
          "applied: " + applied + " of " + connected + " (expected: 0 ≤ applied ≤ connected)");
    }
    byCluster = new TreeMap<>(byCluster);
  }

  /** n of m data planes of one cluster. */
  public record ClusterCount(int applied, int connected) {}

  /** All {@code n} connected data planes applied it (no clusters named). */
  public static Applied all(int n) {
    return new Applied(n, n, false, Map.of());
  }

  /** {@code applied} of {@code connected}, none NACKed (no clusters named). */
  public static Applied of(int applied, int connected) {
    return new Applied(applied, connected, false, Map.of());
  }

  /** This with a NACK. */
  public Applied withNack() {
    return new Applied(applied, connected, true, byCluster);
  }

  /** Every connected data plane applied it and none NACKed: the step counts from now. */
  public boolean complete() {
    return !nacked && applied == connected;
  }

  /** "n of m data planes", with the NACK if any. */
  public String describe() {
    return applied
        + " of "
        + connected
        + " data planes"
        + (nacked ? " (a data plane NACKed it)" : "");
  }
}
