package dev.weir.controller.status;

import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.pipeline.RouteKey;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a config cluster's Rollout state goes: the Rollout's status subresource, its Events and the
 * removal of a {@code weir.dev/action} annotation acted on (Kubernetes), or a state file beside the
 * clusters file (folder clusters). Called from one writer thread; methods may block.
 */
public interface RolloutTarget {

  /** True when this controller may write (Kubernetes: it holds the leader Lease). */
  boolean mayWrite();

  /**
   * Writes {@code status} as the Rollout's status.
   *
   * @param rollout the Rollout's cluster, namespace and name
   * @return false when the Rollout no longer exists
   * @throws RuntimeException when the write failed (the caller retries with the next change)
   */
  boolean write(RouteKey rollout, RolloutStatus status);

  /**
   * Removes the {@code weir.dev/action} annotation from the Rollout when it still has {@code value}
   * (a value acted on is never acted on again; removing it lets the same action be asked again).
   */
  void removeAction(RouteKey rollout, String value);

  /**
   * Records a transition as a Kubernetes Event on the Rollout ({@code type} {@code Normal} or
   * {@code Warning}, {@code reason} CamelCase); folder clusters have no Events (the transitions are
   * in the status history and the log).
   */
  void event(RouteKey rollout, String type, String reason, String message, Instant at);

  /**
   * The status recorded for {@code rollout} outside its object (folder clusters' state file), or
   * null: a Kubernetes Rollout carries its own status, which goes with it when it is deleted.
   */
  default @Nullable RolloutStatus recorded(RouteKey rollout) {
    return null;
  }

  /** Forgets a deleted Rollout's recorded state, so that one created again starts fresh. */
  default void forget(RouteKey rollout) {}

  /**
   * Forgets the recorded state of {@code cluster}'s Rollouts other than {@code present} (those
   * deleted while no controller ran).
   */
  default void forgetAllBut(String cluster, Set<RouteKey> present) {}
}
