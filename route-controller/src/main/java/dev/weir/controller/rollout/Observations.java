package dev.weir.controller.rollout;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The numbers of the current analysis window, gathered by the caller for {@link
 * RolloutState#analysisWindowStart()} up to the call's {@code now}: per candidate revision, the
 * stable revisions together, and the metric providers' results per candidate. Revisions without
 * numbers count as having seen nothing.
 *
 * @param stable null when there are no stable revisions or no numbers for them
 */
public record Observations(
    Map<String, WindowNumbers> candidates,
    @Nullable WindowNumbers stable,
    Map<String, List<MetricResult>> metrics) {

  public Observations {
    candidates = Map.copyOf(candidates);
    metrics = Map.copyOf(metrics);
  }

  /** Nothing seen. */
  public static Observations none() {
    return new Observations(Map.of(), null, Map.of());
  }
}
