package dev.weir.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One backend of an {@link HttpRule}, its weight (Gateway API {@code backendRefs[].weight}) and its
 * own filters (Gateway API {@code backendRefs[].filters}): the backend gets {@code weight / sum of
 * the rule's weights} of the rule's requests, split exactly (smooth weighted round-robin on the
 * gateway); weight 0 gets nothing.
 *
 * <p>An invalid {@code backendRef} (its Service missing, not permitted by a ReferenceGrant, not a
 * Service) keeps its share as an {@link #invalid} backend, without an upstream: the data plane
 * answers that share itself, 500 for an HTTPRoute and 503 (gRPC {@code UNAVAILABLE}) for a
 * GRPCRoute (Gateway API, {@code HTTPRouteRule.backendRefs} and {@code GRPCRouteRule.backendRefs}:
 * "the proportion of requests that would otherwise have been routed to an invalid backend"), so a
 * broken reference never moves its traffic onto the valid backends.
 *
 * <p>A backend's filters apply only to the requests sent to this backend and their responses (after
 * the backend is chosen; Envoy: the {@code WeightedCluster.ClusterWeight}'s header mutations,
 * applied before the rule's own). Knative's net-gateway-api sets {@code Knative-Serving-Namespace}
 * and {@code Knative-Serving-Revision} this way, Flagger's session affinity a {@code Set-Cookie}
 * response header.
 *
 * @param upstream an {@link Upstream#name()} of the model; null for an invalid backend's share
 * @param weight 0..1,000,000 (Gateway API's bound)
 * @param filters only {@link HttpFilter.HeaderModifier}s (request or response), in order; empty for
 *     none and for an invalid backend
 * @throws IllegalArgumentException for a weight out of range, a filter other than a header modifier
 *     (Weir serves no other backend filter), or an invalid backend with filters
 */
public record RuleBackend(@Nullable String upstream, int weight, List<HttpFilter> filters) {

  /** A backend without filters of its own. */
  public RuleBackend(String upstream, int weight) {
    this(upstream, weight, List.of());
  }

  /**
   * The share of an invalid {@code backendRef}: {@code weight} of the rule's requests get the data
   * plane's own error answer.
   *
   * @param weight 0..1,000,000
   */
  public static RuleBackend invalid(int weight) {
    return new RuleBackend(null, weight, List.of());
  }

  public RuleBackend {
    if (weight < 0 || weight > 1_000_000) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 0..1000000)");
    }
    filters = List.copyOf(filters);
    if (upstream == null && !filters.isEmpty()) {
      throw new IllegalArgumentException("an invalid backend has no filters");
    }
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

  /** True for a backend with an upstream; false for an {@link #invalid} backend's share. */
  public boolean valid() {
    return upstream != null;
  }
}
