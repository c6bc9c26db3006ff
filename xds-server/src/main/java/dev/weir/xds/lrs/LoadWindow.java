package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;

/**
 * What every data plane reported for one revision during a window of seconds.
 *
 * @param upstream the revision's cluster name, {@code {namespace}/{revision}}
 * @param from the first second of the window
 * @param to the last second of the window (included)
 * @param total everything reported for the revision
 * @param byCluster the same per Weir cluster (where the endpoint ran, or the data plane's own when
 *     no endpoint was tried), sorted by name; only clusters with reports
 */
public record LoadWindow(
    String upstream,
    Instant from,
    Instant to,
    LoadTotals total,
    Map<String, LoadTotals> byCluster) {

  public LoadWindow {
    requireNonNull(upstream, "upstream");
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    requireNonNull(total, "total");
    byCluster = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(byCluster));
  }

  /** The totals of Weir cluster {@code cluster}; {@link LoadTotals#EMPTY} when it reported none. */
  public LoadTotals cluster(String cluster) {
    return byCluster.getOrDefault(cluster, LoadTotals.EMPTY);
  }
}
