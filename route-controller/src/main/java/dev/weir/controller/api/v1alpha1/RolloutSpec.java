package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/**
 * What a Rollout asks for: the Route it governs, the steps from the served split to the Route's
 * spec split (an implicit last step serves the spec split in full), how candidates are judged, what
 * a failure does, and how long a step may go without a verdict.
 *
 * <p>Durations are Go-style strings ({@code 30s}, {@code 10m}, {@code 1h30m}); the controller
 * checks the whole spec and names the field of each error (its validation lives in the rollout
 * core, not here).
 *
 * @param analysis null: steps pass on time and ACKs alone
 * @param onFailure {@code Rollback} (default) or {@code Pause}
 * @param progressDeadline default {@code 10m}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutSpec(
    @JsonPropertyDescription("The Route (same namespace) this Rollout governs.") @Required
        RouteRef routeRef,
    @JsonPropertyDescription(
            "Steps from the served split to the Route's spec split; an implicit last step"
                + " serves the spec split in full.")
        List<RolloutStep> steps,
    @JsonPropertyDescription("How candidate revisions are judged at the end of each pause.")
        RolloutAnalysis analysis,
    @JsonPropertyDescription("What a failed verdict or a missed deadline does: Rollback or Pause.")
        @Pattern("^(Rollback|Pause)$")
        String onFailure,
    @JsonPropertyDescription(
            "How long a step may go without being applied and judged, e.g. 10m (default).")
        String progressDeadline) {

  /** {@code onFailure: Rollback}: serve the stable split again at once (the default). */
  public static final String ROLLBACK = "Rollback";

  /** {@code onFailure: Pause}: hold the current step until the user acts. */
  public static final String PAUSE = "Pause";

  public RolloutSpec {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** {@code spec.routeRef}: a Route in the Rollout's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RouteRef(@Required String name) {}
}
