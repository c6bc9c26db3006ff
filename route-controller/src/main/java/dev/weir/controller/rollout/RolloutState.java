package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything a rollout remembers between two calls of {@link RolloutMachine#next}, all of it
 * written to the Rollout's status ({@link RolloutStatusCodec}) so that a restarted or new leader
 * goes on where the last one was, serving no more than the current step's weight.
 *
 * @param step index into the plan's steps; {@code steps.size()} is the implicit last step (T)
 * @param weight the weight (0..100) of {@code served} on the way from S to T
 * @param stable S: the split served when the rollout started; a rollback returns to it
 * @param target T: the Route's spec split this rollout walks to
 * @param targetGeneration the Route generation T comes from
 * @param served the split to serve now
 * @param decidedAt when the current step was decided; the progress deadline counts from here
 * @param stepStartedAt when every connected data plane had applied {@code served}; the analysis
 *     window starts here; null while waiting for ACKs
 * @param userPaused true after a {@code pause} action, until {@code resume}
 * @param failure why the rollout failed or was aborted; null otherwise
 * @param applied the data planes' state for {@code served} as last seen (for status)
 * @param verdicts the last verdict per candidate
 * @param history the last transitions, oldest first (at most {@link RolloutMachine#HISTORY})
 * @param lastAction the last {@code weir.dev/action} value acted on (never reset: a value is acted
 *     on once)
 */
public record RolloutState(
    Phase phase,
    int step,
    int weight,
    Split stable,
    Split target,
    long targetGeneration,
    Split served,
    Instant decidedAt,
    @Nullable Instant stepStartedAt,
    boolean userPaused,
    @Nullable Failure failure,
    Applied applied,
    List<Verdict> verdicts,
    List<Transition> history,
    @Nullable String lastAction) {

  public RolloutState {
    requireNonNull(phase, "phase");
    requireNonNull(stable, "stable");
    requireNonNull(target, "target");
    requireNonNull(served, "served");
    requireNonNull(decidedAt, "decidedAt");
    requireNonNull(applied, "applied");
    verdicts = List.copyOf(verdicts);
    history = List.copyOf(history);
  }

  /**
   * Why a rollout failed or was aborted.
   *
   * @param reason {@link RouteCondition#FAILED} or {@link RouteCondition#ABORTED}
   * @param message names the revision, metric, value, threshold and sample size; or why no verdict
   *     came by the deadline; or who aborted
   */
  public record Failure(String reason, String message) {}

  /** The candidates: revisions whose share grows from S to T. */
  public List<String> candidates() {
    return Splits.candidates(stable, target);
  }

  /** The stable revisions: those whose share shrinks from S to T. */
  public List<String> stableRevisions() {
    return Splits.stableRevisions(stable, target);
  }

  /**
   * Where the caller's window numbers ({@link Observations}) should start for the next call: the
   * moment the served split was applied everywhere, while a rollout is under way; null when no
   * window is open.
   */
  public @Nullable Instant analysisWindowStart() {
    return phase.active() ? stepStartedAt : null;
  }
}
