package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * One upstream cluster (a revision, named {@code <namespace>/<revision>}) as its xDS Cluster
 * describes it.
 *
 * @param http2 whether the upstream speaks HTTP/2 without TLS (h2c, prior knowledge)
 * @param maxRequests concurrent requests allowed to the cluster before the gateway answers 503
 * @param maxRetries the cluster's {@code max_retries} threshold; the gateway limits retries by its
 *     {@link RetryBudget} instead, as Envoy does when a {@code retry_budget} is set
 * @param activation whether the revision may be woken from zero ({@link ActivationSpec#NONE} when
 *     not)
 */
public record ClusterSpec(
    String name,
    boolean http2,
    long connectTimeoutMillis,
    OutlierSpec outlier,
    int maxRequests,
    int maxRetries,
    ActivationSpec activation) {

  /** A cluster that is not activatable. */
  public ClusterSpec(
      String name,
      boolean http2,
      long connectTimeoutMillis,
      OutlierSpec outlier,
      int maxRequests,
      int maxRetries) {
    this(name, http2, connectTimeoutMillis, outlier, maxRequests, maxRetries, ActivationSpec.NONE);
  }

  public ClusterSpec {
    requireNonNull(name, "name");
    requireNonNull(outlier, "outlier");
    requireNonNull(activation, "activation");
    if (connectTimeoutMillis <= 0) {
      throw new IllegalArgumentException(
          "connectTimeoutMillis: " + connectTimeoutMillis + " (expected: > 0)");
    }
    if (maxRequests <= 0) {
      throw new IllegalArgumentException("maxRequests: " + maxRequests + " (expected: > 0)");
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries: " + maxRetries + " (expected: >= 0)");
    }
  }
}
