package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A metric provider's answer for one metric and one candidate revision: a value, or why there is
 * none (a query error, an empty result, several series). A non-finite value and an error are both
 * Inconclusive, never a pass.
 *
 * @param error null when {@code value} is the answer
 */
public record MetricResult(String name, double value, @Nullable String error) {

  public MetricResult {
    requireNonNull(name, "name");
  }

  /** A value (which may still be NaN or infinite: the judge decides). */
  public static MetricResult value(String name, double value) {
    return new MetricResult(name, value, null);
  }

  /** No value, and why. */
  public static MetricResult failed(String name, String error) {
    return new MetricResult(name, Double.NaN, requireNonNull(error, "error"));
  }
}
