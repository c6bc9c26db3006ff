package dev.weir.controller.rollout;

/**
 * What the governed Route's {@code Ready} condition shows while a Rollout is in charge: {@code
 * Unknown} with {@code RolloutInProgress} (or {@code RolloutPaused}) while stepping, {@code False}
 * with {@code RolloutFailed} or {@code RolloutAborted} after a failure or abort.
 *
 * @param status {@code True}, {@code False} or {@code Unknown}
 */
public record RouteCondition(String status, String reason, String message) {

  /** Reason while stepping (status Unknown). */
  public static final String IN_PROGRESS = "RolloutInProgress";

  /** Reason while held at a pause without duration or by the user (status Unknown). */
  public static final String PAUSED = "RolloutPaused";

  /** Reason after a failed verdict or a missed deadline (status False). */
  public static final String FAILED = "RolloutFailed";

  /** Reason after an abort (status False); the message names who aborted. */
  public static final String ABORTED = "RolloutAborted";
}
