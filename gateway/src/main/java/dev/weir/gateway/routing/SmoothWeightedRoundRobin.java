package dev.weir.gateway.routing;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round-robin (as nginx does it) precomputed into one period, so a pick is a
 * lock-free counter increment. Every full period is exact (10,000 picks at 90/10 are 9,000 and
 * 1,000 from any starting point); within a period the picks from its start are within one of the
 * exact split for every target, and any window at all within two (one with two targets).
 */
public final class SmoothWeightedRoundRobin {

  /** The longest period kept; larger weight sums are scaled down (after dividing by their gcd). */
  static final int MAX_PERIOD = 1 << 16;

  private final int[] sequence;
  private final AtomicLong next = new AtomicLong();

  private SmoothWeightedRoundRobin(int[] sequence) {
    this.sequence = sequence;
  }

  /** A picker over targets with these weights (each >= 1). */
  public static SmoothWeightedRoundRobin of(int... weights) {
    return new SmoothWeightedRoundRobin(sequence(weights));
  }

  /** The index of the next target. */
  public int next() {
    long n = next.getAndIncrement() & Long.MAX_VALUE;
    return sequence[(int) (n % sequence.length)];
  }

  /** The number of picks after which the split repeats exactly. */
  public int period() {
    return sequence.length;
  }

  /** One period of smooth weighted round-robin picks for {@code weights}. */
  static int[] sequence(int... weights) {
    if (weights.length == 0) {
      throw new IllegalArgumentException("weights: [] (expected: at least one)");
    }
    int gcd = 0;
    for (int w : weights) {
      if (w < 1) {
        throw new IllegalArgumentException(
            "weights: " + Arrays.toString(weights) + " (expected: each >= 1)");
      }
      gcd = gcd(gcd, w);
    }
    long total = 0;
    int[] reduced = new int[weights.length];
    for (int i = 0; i < weights.length; i++) {
      reduced[i] = weights[i] / gcd;
      total += reduced[i];
    }
    if (total > MAX_PERIOD) {
      // Only reachable with arbitrary xDS weights (Weir sends percents): keep the ratio closely.
      long scaled = 0;
      for (int i = 0; i < reduced.length; i++) {
        reduced[i] = (int) Math.max(1, Math.round((double) reduced[i] * MAX_PERIOD / total));
        scaled += reduced[i];
      }
      total = scaled;
    }
    int period = (int) total;
    int[] current = new int[reduced.length];
    int[] out = new int[period];
    for (int pick = 0; pick < period; pick++) {
      int best = 0;
      for (int i = 0; i < reduced.length; i++) {
        current[i] += reduced[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= period;
      out[pick] = best;
    }
    return out;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
