package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the controller made of a Rollout, and all the state it needs to go on after a restart or a
 * leader change: the phase, the current step, the recorded stable split S, the target split T, the
 * split served now, when the step was decided and when its window started, how many data planes
 * applied it, the last verdicts with their numbers, a short history and the last {@code
 * weir.dev/action} value acted on. Times are RFC 3339 strings.
 *
 * @param phase {@code Progressing}, {@code Paused}, {@code Succeeded} or {@code RolledBack}
 * @param currentStep index into {@code spec.steps}; {@code steps.size()} is the implicit last step
 * @param currentWeight the weight (0..100) of the split served now on the way from S to T
 * @param stableTraffic S: the split served when the rollout started; a rollback returns to it
 * @param targetTraffic T: the Route's spec split, resolved to revisions
 * @param targetGeneration the Route generation T comes from
 * @param traffic the split served now
 * @param decidedAt when the current step was decided (the progress deadline counts from here)
 * @param stepStartedAt when every connected data plane had applied the current step (its analysis
 *     window starts here); absent while waiting for ACKs
 * @param userPaused true after a {@code pause} action (until {@code resume})
 * @param failureReason {@code RolloutFailed} or {@code RolloutAborted} after a failure or abort
 * @param failureMessage what failed: revision, metric, value, threshold, sample size; or who
 *     aborted
 * @param lastAction the last {@code weir.dev/action} annotation value acted on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutStatus(
    Long observedGeneration,
    String phase,
    Integer currentStep,
    Integer currentWeight,
    List<TrafficStatus> stableTraffic,
    List<TrafficStatus> targetTraffic,
    Long targetGeneration,
    List<TrafficStatus> traffic,
    String decidedAt,
    String stepStartedAt,
    Boolean userPaused,
    String failureReason,
    String failureMessage,
    Applied applied,
    List<Verdict> verdicts,
    List<HistoryEntry> history,
    String lastAction) {

  public RolloutStatus {
    stableTraffic = stableTraffic == null ? List.of() : List.copyOf(stableTraffic);
    targetTraffic = targetTraffic == null ? List.of() : List.copyOf(targetTraffic);
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
    verdicts = verdicts == null ? List.of() : List.copyOf(verdicts);
    history = history == null ? List.of() : List.copyOf(history);
  }

  /** How many connected data planes applied the served split: n of m, overall and per cluster. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Applied(
      Integer applied, Integer connected, Boolean nacked, List<ClusterApplied> clusters) {
    public Applied {
      clusters = clusters == null ? List.of() : List.copyOf(clusters);
    }
  }

  /** n of m data planes of one Weir cluster. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ClusterApplied(String cluster, Integer applied, Integer connected) {}

  /**
   * The last verdict on one candidate revision: {@code Pass}, {@code Fail} or {@code Inconclusive},
   * why, and the numbers of each check.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Verdict(
      String revision, String verdict, String reason, String window, List<Check> checks) {
    public Verdict {
      checks = checks == null ? List.of() : List.copyOf(checks);
    }
  }

  /**
   * One check behind a verdict: the metric ({@code successRate}, {@code latencyP99}, a metric's
   * name, ...), the cluster (absent: overall), the candidate's value, the threshold, the stable
   * revisions' value, the sample size (completed requests) and the check's outcome.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Check(
      String metric,
      String cluster,
      Double value,
      Double threshold,
      Double stableValue,
      Long requests,
      String outcome,
      String reason) {}

  /**
   * One transition: when, the phase after it, the step, a CamelCase reason, who caused it ({@code
   * Controller}, {@code API}, {@code Annotation}) and a message.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HistoryEntry(
      String time, String phase, Integer step, String reason, String source, String message) {}
}
