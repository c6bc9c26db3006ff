package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Rollout's spec once checked ({@link RolloutValidation}): durations parsed, defaults filled in.
 * This is what the machine and the judge read; the API types stay the wire shape.
 *
 * @param route the governed Route's name (same namespace)
 * @param steps the user's steps; the implicit last step (weight 100) is not among them
 * @param analysis null: steps pass on ACKs and time alone
 * @param progressDeadline how long a step may go from its decision without being applied and passed
 */
public record RolloutPlan(
    String route,
    List<Step> steps,
    @Nullable AnalysisPlan analysis,
    OnFailure onFailure,
    Duration progressDeadline) {

  /** Used when {@code progressDeadline} is absent. */
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);

  public RolloutPlan {
    requireNonNull(route, "route");
    steps = List.copyOf(steps);
    requireNonNull(onFailure, "onFailure");
    requireNonNull(progressDeadline, "progressDeadline");
  }

  /** One step: {@link SetWeight} or {@link Pause}. */
  public sealed interface Step permits SetWeight, Pause {}

  /** Serve the split at {@code weight} (0..100) of the way from S to T. */
  public record SetWeight(int weight) implements Step {}

  /** Hold the split and judge at the end; {@code duration} null waits for {@code promote}. */
  public record Pause(@Nullable Duration duration) implements Step {}

  /** What a failed verdict or a missed deadline does. */
  public enum OnFailure {
    /** Serve S again at once; phase {@code RolledBack}. */
    ROLLBACK,
    /** Hold the current step; phase {@code Paused} until resume, promote, retry or abort. */
    PAUSE
  }

  /**
   * The gates of {@code spec.analysis}.
   *
   * @param minRequests completed requests per candidate and window below which there is no verdict
   *     (at least 1)
   * @param successRateMin percent (0..100), or null
   * @param maxDropFromStable percentage points below the stable revisions' rate, or null
   * @param latency null when latency is not judged
   */
  public record AnalysisPlan(
      int minRequests,
      @Nullable Double successRateMin,
      @Nullable Double maxDropFromStable,
      @Nullable LatencyRule latency,
      List<MetricRule> metrics) {

    public AnalysisPlan {
      metrics = List.copyOf(metrics);
    }
  }

  /**
   * The latency gate at one percentile (0..100]: at most {@code maxMs} milliseconds and at most
   * {@code maxRatioToStable} times the stable revisions' value (either may be null).
   */
  public record LatencyRule(
      double percentile, @Nullable Double maxMs, @Nullable Double maxRatioToStable) {

    /** The metric's name in verdicts, e.g. {@code latencyP99}. */
    public String metricName() {
      return "latencyP"
          + (percentile == Math.rint(percentile)
              ? String.valueOf((long) percentile)
              : String.valueOf(percentile));
    }
  }

  /**
   * A Prometheus metric: its name, the server's base URI, the query template and the range its
   * value must lie in ({@code min}, {@code max}: either may be null, not both).
   */
  public record MetricRule(
      String name, URI address, String query, @Nullable Double min, @Nullable Double max) {}
}
