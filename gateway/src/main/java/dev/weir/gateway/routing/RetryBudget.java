package dev.weir.gateway.routing;

/**
 * How many retries a cluster may have in flight, as Envoy's {@code retry_budget}: {@code
 * budgetPercent} of the requests active on the cluster (retries included), but never fewer than
 * {@code minRetryConcurrency}. Retries then grow with traffic and cannot multiply it: at most
 * {@code budgetPercent}% of what reaches a revision is a retry once load is above the minimum.
 *
 * @param budgetPercent share of active requests that may be retries, 0..100 (Envoy default 20)
 * @param minRetryConcurrency retries always allowed in flight, whatever the load (Envoy default 3)
 */
public record RetryBudget(int budgetPercent, int minRetryConcurrency) {

  /** Envoy's defaults: 20% of active requests, at least 3 concurrent retries. */
  public static final RetryBudget DEFAULT = new RetryBudget(20, 3);

  public RetryBudget {
    if (budgetPercent < 0 || budgetPercent > 100) {
      throw new IllegalArgumentException("budgetPercent: " + budgetPercent + " (expected: 0..100)");
    }
    if (minRetryConcurrency < 0) {
      throw new IllegalArgumentException(
          "minRetryConcurrency: " + minRetryConcurrency + " (expected: >= 0)");
    }
  }

  /** Concurrent retries allowed while {@code activeRequests} requests are in flight. */
  public int allowed(int activeRequests) {
    return Math.max(minRetryConcurrency, (int) ((long) activeRequests * budgetPercent / 100));
  }
}
