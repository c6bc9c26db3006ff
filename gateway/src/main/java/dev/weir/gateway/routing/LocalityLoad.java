package dev.weir.gateway.routing;

import dev.weir.xds.dialect.LatencyBuckets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load one cluster (revision) got in one locality since the last load report: requests that
 * completed, split into successes and errors, their latencies in {@link LatencyBuckets}, and the
 * attempts in flight. Endpoints hold theirs, so the request path counts without a lookup; the
 * gateway's own failures before any endpoint was tried count in the cluster's {@link
 * ClusterLoad#own()} locality. Thread-safe, cheap to write (adders), drained by the load reporter.
 */
public final class LocalityLoad {

  private final ClusterLoad cluster;
  private final String region;
  private final String zone;
  private final String subZone;
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder inProgress = new LongAdder();
  private final AtomicLongArray latency = new AtomicLongArray(LatencyBuckets.count());
  // Only the gateway's own locality holds requests (no endpoint was tried).
  private final AtomicInteger held = new AtomicInteger();
  private final LongAdder holdsStarted = new LongAdder();

  LocalityLoad(ClusterLoad cluster, String region, String zone, String subZone) {
    this.cluster = cluster;
    this.region = region;
    this.zone = zone;
    this.subZone = subZone;
  }

  /** The locality's region; {@code ""} for the gateway's own locality. */
  public String region() {
    return region;
  }

  /** The locality's zone; {@code ""} for the gateway's own locality. */
  public String zone() {
    return zone;
  }

  /** The locality's sub_zone (the Weir cluster); {@code ""} for the gateway's own locality. */
  public String subZone() {
    return subZone;
  }

  /** A request completed without error after {@code nanos} nanoseconds. */
  public void recordSuccess(long nanos) {
    succeeded.increment();
    latency.incrementAndGet(LatencyBuckets.bucketOfNanos(nanos));
    cluster.markActive();
  }

  /** A request failed (5xx, or the gateway's own failure) after {@code nanos} nanoseconds. */
  public void recordError(long nanos) {
    errors.increment();
    latency.incrementAndGet(LatencyBuckets.bucketOfNanos(nanos));
    cluster.markActive();
  }

  /** An attempt to an endpoint of this locality started. */
  public void attemptStarted() {
    inProgress.increment();
    cluster.markActive();
  }

  /** An attempt started with {@link #attemptStarted()} ended, however it ended. */
  public void attemptEnded() {
    inProgress.decrement();
  }

  /** A request started being held; true when it is the only one held now (0 → 1). */
  boolean holdStarted() {
    holdsStarted.increment();
    boolean first = held.incrementAndGet() == 1;
    cluster.markActive();
    return first;
  }

  /** A request held with {@link #holdStarted()} left the queue, however it left. */
  void holdEnded() {
    held.decrementAndGet();
  }

  /** Requests held now. */
  public int held() {
    return Math.max(0, held.get());
  }

  /**
   * Takes the counts since the last drain, adding the latency counts into {@code latencyInto}
   * (length {@link LatencyBuckets#count()}); null when nothing completed and nothing is in flight.
   */
  public Drained drain(long[] latencyInto) {
    long ok = succeeded.sumThenReset();
    long failed = errors.sumThenReset();
    long flying = Math.max(0, inProgress.sum());
    long holds = holdsStarted.sumThenReset();
    if (ok != 0 || failed != 0) {
      for (int i = 0; i < latencyInto.length; i++) {
        if (latency.get(i) != 0) {
          latencyInto[i] += latency.getAndSet(i, 0);
        }
      }
    }
    return new Drained(ok + failed, ok, failed, flying, holds, held());
  }

  /**
   * What {@link #drain} took.
   *
   * @param issued requests completed (the gateway counts a request issued when it completes)
   * @param succeeded requests completed without error
   * @param errors requests failed
   * @param inProgress attempts in flight now
   * @param holdsStarted requests that started being held (for an activatable cluster without
   *     endpoints)
   * @param held requests held now
   */
  public record Drained(
      long issued, long succeeded, long errors, long inProgress, long holdsStarted, long held) {

    /** Whether there is nothing to report. */
    public boolean empty() {
      return issued == 0 && inProgress == 0 && holdsStarted == 0 && held == 0;
    }
  }
}
