package dev.weir.xds.lrs;

import dev.weir.xds.dialect.LatencyBuckets;
import java.util.Arrays;

/**
 * Request latencies in the buckets of {@link LatencyBuckets} (log-spaced, bounds at most 20%
 * apart): answers percentiles within 10% of the exact value for latencies between 0.1 ms and 100 s.
 * Immutable.
 */
public final class LatencyHistogram {

  /** A histogram without requests. */
  public static final LatencyHistogram EMPTY =
      new LatencyHistogram(new long[LatencyBuckets.count()]);

  private final long[] counts;
  private final long count;

  // Takes ownership of counts.
  LatencyHistogram(long[] counts) {
    this.counts = counts;
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    this.count = total;
  }

  /**
   * A histogram of {@code counts}, indexed by {@link LatencyBuckets} bucket.
   *
   * @throws IllegalArgumentException unless there are {@link LatencyBuckets#count()} counts, none
   *     negative
   */
  public static LatencyHistogram of(long[] counts) {
    if (counts.length != LatencyBuckets.count()) {
      throw new IllegalArgumentException(
          "counts: " + counts.length + " buckets (expected: " + LatencyBuckets.count() + ")");
    }
    for (long c : counts) {
      if (c < 0) {
        throw new IllegalArgumentException("counts: " + c + " (expected: >= 0)");
      }
    }
    return new LatencyHistogram(counts.clone());
  }

  /** The number of requests in the histogram. */
  public long count() {
    return count;
  }

  /** The number of requests in {@link LatencyBuckets} bucket {@code bucket}. */
  public long bucketCount(int bucket) {
    return counts[bucket];
  }

  /**
   * The {@code p}th percentile of the latencies, in milliseconds (nearest rank, estimated by the
   * middle of its bucket); {@link Double#NaN} when the histogram is empty.
   *
   * @throws IllegalArgumentException unless {@code 0 < p <= 100}
   */
  public double percentile(double p) {
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("p: " + p + " (expected: 0 < p <= 100)");
    }
    if (count == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100 * count));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return LatencyBuckets.estimateMillis(i);
      }
    }
    return LatencyBuckets.estimateMillis(counts.length - 1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatencyHistogram other && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return count == 0
        ? "LatencyHistogram[empty]"
        : "LatencyHistogram[count="
            + count
            + ", p50="
            + percentile(50)
            + "ms, p99="
            + percentile(99)
            + "ms]";
  }
}
