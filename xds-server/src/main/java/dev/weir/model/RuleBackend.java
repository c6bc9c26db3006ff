package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One backend of an {@link HttpRule}, its weight (Gateway API {@code backendRefs[].weight}) and its
 * own filters (Gateway API {@code backendRefs[].filters}): the backend gets {@code weight / sum of
 * the rule's weights} of the rule's requests, split exactly (smooth weighted round-robin on the
 * gateway); weight 0 gets nothing.
 *
 * <p>A backend's filters apply only to the requests sent to this backend and their responses (after
 * the backend is chosen; Envoy: the {@code WeightedCluster.ClusterWeight}'s header mutations,
 * applied before the rule's own). Knative's net-gateway-api sets {@code Knative-Serving-Namespace}
 * and {@code Knative-Serving-Revision} this way, Flagger's session affinity a {@code Set-Cookie}
 * response header.
 *
 * @param upstream an {@link Upstream#name()} of the model
 * @param weight 0..1,000,000 (Gateway API's bound)
 * @param filters only {@link HttpFilter.HeaderModifier}s (request or response), in order; empty for
 *     none
 * @throws IllegalArgumentException for a weight out of range or a filter other than a header
 *     modifier (Weir serves no other backend filter)
 */
public record RuleBackend(String upstream, int weight, List<HttpFilter> filters) {

  /** A backend without filters of its own. */
  public RuleBackend(String upstream, int weight) {
    this(upstream, weight, List.of());
  }

  public RuleBackend {
    requireNonNull(upstream, "upstream");
    if (weight < 0 || weight > 1_000_000) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 0..1000000)");
    }
    filters = List.copyOf(filters);
    for (HttpFilter filter : filters) {
      if (!(filter instanceof HttpFilter.HeaderModifier)) {
        throw new IllegalArgumentException(
            "filter of backend "
                + upstream
                + ": "
                + filter.getClass().getSimpleName()
                + " (expected: a request or response HeaderModifier)");
      }
    }
  }
}
