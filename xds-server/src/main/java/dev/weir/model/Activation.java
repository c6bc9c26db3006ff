package dev.weir.model;

import static java.util.Objects.requireNonNull;

/**
 * How an {@link Upstream} that may sit at zero is woken on demand (its Service says {@code
 * weir.dev/scale-target}). The translator writes it into the Cluster's {@code weir} metadata
 * ({@code activatable}, {@code activation_timeout_seconds}, {@code activation_error}; see {@code
 * dev.weir.xds.dialect.WeirMetadata}).
 *
 * @param timeoutSeconds how long a data plane holds a request for the revision, in whole seconds
 *     counted from the request's arrival (from {@code weir.dev/activation-timeout}, rounded up); 0
 *     means the data plane's own default ({@code weir.activation.timeout})
 * @param error empty when the revision can be woken, else the one-line reason it cannot (e.g.
 *     {@code deployment/hello-00002 not found}); data planes then answer 503 with it at once
 * @throws IllegalArgumentException if {@code timeoutSeconds} is negative or {@code error} has a
 *     line break
 */
public record Activation(int timeoutSeconds, String error) {

  /** Can be woken, with the data plane's own timeout. */
  public static final Activation DEFAULT = new Activation(0, "");

  public Activation {
    requireNonNull(error, "error");
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException(
          "timeoutSeconds: " + timeoutSeconds + " (expected: 0 for the default, or > 0)");
    }
    if (error.indexOf('\n') >= 0 || error.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("error: " + error + " (expected: one line)");
    }
  }

  /** Can be woken; the data plane holds requests for {@code timeoutSeconds} (0: its default). */
  public static Activation of(int timeoutSeconds) {
    return new Activation(timeoutSeconds, "");
  }

  /** Cannot be woken, because of {@code error} (one line, not empty). */
  public static Activation failed(String error) {
    requireNonNull(error, "error");
    if (error.isEmpty()) {
      throw new IllegalArgumentException("error: empty (expected: the reason)");
    }
    return new Activation(0, error);
  }

  /** True when the revision can be woken ({@link #error} is empty). */
  public boolean wakeable() {
    return error.isEmpty();
  }
}
