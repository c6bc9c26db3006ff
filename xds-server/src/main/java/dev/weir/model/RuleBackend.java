package dev.weir.model;

import static java.util.Objects.requireNonNull;

/**
 * One backend of an {@link HttpRule} and its weight (Gateway API {@code backendRefs[].weight}): the
 * backend gets {@code weight / sum of the rule's weights} of the rule's requests, split exactly
 * (smooth weighted round-robin on the gateway); weight 0 gets nothing.
 *
 * @param upstream an {@link Upstream#name()} of the model
 * @param weight 0..1,000,000 (Gateway API's bound)
 */
public record RuleBackend(String upstream, int weight) {
  public RuleBackend {
    requireNonNull(upstream, "upstream");
    if (weight < 0 || weight > 1_000_000) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 0..1000000)");
    }
  }
}
