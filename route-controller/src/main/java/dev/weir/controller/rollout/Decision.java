package dev.weir.controller.rollout;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RolloutMachine#next} decided.
 *
 * @param state the next state (write it to status; pass it to the next call)
 * @param transitions what happened in this call, oldest first (log them; one Kubernetes Event each)
 * @param routeCondition what the Route's {@code Ready} condition shows; null when the rollout does
 *     not override it (Succeeded)
 * @param callAgainAt when to call again without a new input (a pause's end, a deadline, the next
 *     look at an open window); null when only a new input (a Route change, an ACK, an action) can
 *     change anything
 */
public record Decision(
    RolloutState state,
    List<Transition> transitions,
    @Nullable RouteCondition routeCondition,
    @Nullable Instant callAgainAt) {

  public Decision {
    transitions = List.copyOf(transitions);
  }

  /** The split to serve now: publish it in the model and in the Route's {@code status.traffic}. */
  public Split serve() {
    return state.served();
  }
}
