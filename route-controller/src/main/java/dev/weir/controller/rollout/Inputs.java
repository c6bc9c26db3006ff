package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RolloutMachine#next} reads besides the state.
 *
 * @param plan the Rollout's checked spec
 * @param target T: the governed Route's spec split as resolved now (revision names, tags)
 * @param targetGeneration the Route generation {@code target} comes from
 * @param applied the data planes' state for the split the given state serves ({@code
 *     state.served()}), not for whatever this call decides
 * @param observations the window's numbers from {@code state.analysisWindowStart()} to {@code now}
 * @param action a user's action to act on in this call, or null
 * @param now the clock
 */
public record Inputs(
    RolloutPlan plan,
    Split target,
    long targetGeneration,
    Applied applied,
    Observations observations,
    @Nullable Action action,
    Instant now) {

  public Inputs {
    requireNonNull(plan, "plan");
    requireNonNull(target, "target");
    requireNonNull(applied, "applied");
    requireNonNull(observations, "observations");
    requireNonNull(now, "now");
  }
}
