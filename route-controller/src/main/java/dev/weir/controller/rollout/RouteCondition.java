package dev.weir.controller.rollout;

/**
 * What the governed Route's {@code Ready} condition shows while a Rollout is in charge: {@code
 * Unknown} with {@code RolloutInProgress} (or {@code RolloutPaused}) while stepping, {@code False}
 * with {@code RolloutFailed} or {@code RolloutAborted} after a failure or abort.
 *
 * @param status {@code True}, {@code False} or {@code Unknown}
 */
public record RouteCondition(String status, String reason, String message) {

  public static final String IN_PROGRESS = "RolloutInProgress";
  public static final String PAUSED = "RolloutPaused";
  public static final String FAILED = "RolloutFailed";
  public static final String ABORTED = "RolloutAborted";
}
