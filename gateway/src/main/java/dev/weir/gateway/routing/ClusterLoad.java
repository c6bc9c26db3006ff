package dev.weir.gateway.routing;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The load of one cluster (revision), per locality of its endpoints plus the gateway's own locality
 * ({@link #own()}) for failures before any endpoint was tried. Outlives routing tables.
 */
public final class ClusterLoad {

  private final String name;
  private final LocalityLoad own;
  private final ConcurrentHashMap<String, LocalityLoad> localities = new ConcurrentHashMap<>();
  private final LoadCounters counters;
  private final AtomicBoolean active = new AtomicBoolean();
  volatile boolean removed;

  ClusterLoad(String name, LoadCounters counters) {
    this.name = name;
    this.counters = counters;
    this.own = new LocalityLoad(this, "", "", "");
  }

  /**
   * Something happened on this cluster since the load reporter last took it ({@link
   * LoadCounters#takeActive}): the first call puts it among the active clusters, the others cost
   * one volatile read. Also for the reporter, to visit a cluster again at its next report (requests
   * in flight or held, or a report it was not asked for).
   */
  public void markActive() {
    if (!active.get() && active.compareAndSet(false, true)) {
      counters.activated(this);
    }
  }

  /**
   * The reporter drains this cluster now: activity from here on marks it active again, for the next
   * report.
   */
  public void reportStarted() {
    active.set(false);
  }

  /** The cluster's name, {@code {namespace}/{revision}}. */
  public String name() {
    return name;
  }

  /** Where the gateway's own failures count when no endpoint was tried (no ready endpoint). */
  public LocalityLoad own() {
    return own;
  }

  /**
   * A request for this cluster started being held (it is activatable and has no endpoint); counted
   * in the gateway's own locality. The first held request (0 → 1) tells the counters' {@link
   * LoadCounters#onFirstHeld listener}, so that demand is reported at once ({@code
   * dev.weir.xds.dialect.LoadReports}).
   */
  public void holdStarted() {
    if (own.holdStarted()) {
      counters.firstHeld(this);
    }
  }

  /** A request counted by {@link #holdStarted()} was released, refused or went away. */
  public void holdEnded() {
    own.holdEnded();
  }

  /** The load of the endpoints in one locality; created on first use (at table build). */
  LocalityLoad locality(String region, String zone, String subZone) {
    return localities.computeIfAbsent(
        region + '\n' + zone + '\n' + subZone, k -> new LocalityLoad(this, region, zone, subZone));
  }

  /** Every endpoint locality seen so far. */
  public Collection<LocalityLoad> localities() {
    return localities.values();
  }

  /** Whether the cluster left the routing table; the reporter drops it after its last report. */
  public boolean removed() {
    return removed;
  }
}
