package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * Whether a cluster (revision) may be woken from zero, as its xDS Cluster's {@code weir} metadata
 * says ({@code activatable}, {@code activation_timeout_seconds}, {@code activation_error} of {@code
 * dev.weir.xds.dialect.WeirMetadata}). While an activatable cluster has no endpoint at all, the
 * proxy holds its requests instead of answering 503.
 *
 * @param activatable whether the control plane marks the revision as able to scale from zero
 * @param timeoutSeconds how long a request is held, in whole seconds from its arrival; 0 for the
 *     gateway's {@code weir.activation.timeout}
 * @param error why the revision cannot be woken; {@code ""} when it can
 */
public record ActivationSpec(boolean activatable, long timeoutSeconds, String error) {

  /** Not activatable: a cluster without endpoints answers 503 at once. */
  public static final ActivationSpec NONE = new ActivationSpec(false, 0, "");

  public ActivationSpec {
    requireNonNull(error, "error");
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException("timeoutSeconds: " + timeoutSeconds + " (expected: >= 0)");
    }
  }
}
