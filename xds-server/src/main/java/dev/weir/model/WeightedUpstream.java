package dev.weir.model;

import static java.util.Objects.requireNonNull;

/** A share of a host's traffic: {@code weight} percent to the upstream named {@code upstream}. */
public record WeightedUpstream(String upstream, int weight) {

  public WeightedUpstream {
    requireNonNull(upstream, "upstream");
    if (weight < 1 || weight > 100) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 1..100)");
    }
  }
}
