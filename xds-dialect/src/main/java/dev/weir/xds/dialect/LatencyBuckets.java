package dev.weir.xds.dialect;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The latency histogram both sides of a load report agree on: log-spaced buckets whose upper bounds
 * grow by a ratio of at most 1.2, from 0.1 ms to about 120 s, plus an overflow bucket. Bucket
 * {@code i} holds latencies in (bound(i−1), bound(i)] (bucket 0 from 0). Estimating a latency by
 * the geometric middle of its bucket is off by at most {@code sqrt(1.2) − 1} ≈ 9.6% of it, for
 * latencies above 0.1 ms and up to the last bound.
 *
 * <p>Load metric names: {@code weir.latency_ms.le_<bound>}, the bound in milliseconds as a plain
 * decimal ({@code weir.latency_ms.le_0.1}, {@code ..._le_0.12}, {@code ..._le_1.003}), and {@code
 * weir.latency_ms.le_inf} for the overflow bucket. Written by the gateway's load reporter, read by
 * the control plane's load store (see {@link LoadReports}).
 */
public final class LatencyBuckets {

  /** What every latency metric name starts with. */
  public static final String METRIC_PREFIX = "weir.latency_ms.le_";

  /** The overflow bucket's metric name. */
  public static final String OVERFLOW_METRIC = METRIC_PREFIX + "inf";

  private static final long FIRST_BOUND_MICROS = 100;
  private static final long LAST_BOUND_MICROS = 120_000_000;

  // Upper bounds in microseconds; the overflow bucket has none.
  private static final long[] BOUNDS_MICROS = bounds();
  private static final String[] NAMES = names();
  private static final Map<String, Integer> BY_NAME = byName();

  private LatencyBuckets() {}

  private static long[] bounds() {
    long[] bounds = new long[128];
    int n = 0;
    long bound = FIRST_BOUND_MICROS;
    while (bound <= LAST_BOUND_MICROS) {
      bounds[n++] = bound;
      // Floor keeps every ratio at or below 1.2.
      bound = bound * 6 / 5;
    }
    return Arrays.copyOf(bounds, n);
  }

  private static String[] names() {
    String[] names = new String[BOUNDS_MICROS.length + 1];
    for (int i = 0; i < BOUNDS_MICROS.length; i++) {
      names[i] =
          METRIC_PREFIX
              + BigDecimal.valueOf(BOUNDS_MICROS[i], 3).stripTrailingZeros().toPlainString();
    }
    names[BOUNDS_MICROS.length] = OVERFLOW_METRIC;
    return names;
  }

  private static Map<String, Integer> byName() {
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < NAMES.length; i++) {
      byName.put(NAMES[i], i);
    }
    return Map.copyOf(byName);
  }

  /** The number of buckets, the overflow bucket included. */
  public static int count() {
    return NAMES.length;
  }

  /** The bucket of a latency of {@code nanos} nanoseconds (negative counts as 0). */
  public static int bucketOfNanos(long nanos) {
    long micros = Math.max(0, (nanos + 999) / 1000);
    int found = Arrays.binarySearch(BOUNDS_MICROS, micros);
    return found >= 0 ? found : -found - 1;
  }

  /** The bucket of a latency of {@code millis} milliseconds. */
  public static int bucketOfMillis(double millis) {
    return bucketOfNanos((long) Math.ceil(millis * 1_000_000));
  }

  /**
   * Bucket {@code bucket}'s upper bound in milliseconds; {@link Double#POSITIVE_INFINITY} for the
   * overflow bucket.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= bucket < count()}
   */
  public static double upperBoundMillis(int bucket) {
    if (bucket == BOUNDS_MICROS.length) {
      return Double.POSITIVE_INFINITY;
    }
    return BOUNDS_MICROS[bucket] / 1000.0;
  }

  /**
   * The latency in milliseconds that stands for bucket {@code bucket}: the geometric middle of its
   * bounds (the first bucket: its upper bound; the overflow bucket: its lower bound).
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= bucket < count()}
   */
  public static double estimateMillis(int bucket) {
    if (bucket == 0) {
      return upperBoundMillis(0);
    }
    if (bucket == BOUNDS_MICROS.length) {
      return upperBoundMillis(bucket - 1);
    }
    return Math.sqrt(upperBoundMillis(bucket - 1) * upperBoundMillis(bucket));
  }

  /**
   * The load metric name of bucket {@code bucket}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= bucket < count()}
   */
  public static String metricName(int bucket) {
    return NAMES[bucket];
  }

  /** The bucket a load metric name stands for; -1 when it is no latency bucket of this table. */
  public static int bucketOf(String metricName) {
    Integer bucket = BY_NAME.get(metricName);
    return bucket == null ? -1 : bucket;
  }
}
