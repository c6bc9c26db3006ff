package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The judge's answer on one candidate revision for one window: the outcome, a one-line reason and
 * every check with its numbers.
 *
 * @param reason for a Fail, names the revision, the metric, the cluster if any, the value, the
 *     threshold and the sample size
 * @param window the length of the analysis window judged
 */
public record Verdict(
    String revision, Outcome outcome, String reason, Duration window, List<Check> checks) {

  public Verdict {
    requireNonNull(revision, "revision");
    requireNonNull(outcome, "outcome");
    requireNonNull(reason, "reason");
    checks = List.copyOf(checks);
  }

  /** Pass, Fail or Inconclusive. */
  public enum Outcome {
    /** Every check passed on enough requests. */
    PASS("Pass"),
    /** A check failed, overall or in a cluster. */
    FAIL("Fail"),
    /** No verdict yet: too few requests, no data, a provider error, a window still open. */
    INCONCLUSIVE("Inconclusive");

    private final String wireName;

    Outcome(String wireName) {
      this.wireName = wireName;
    }

    /** The spelling in status: {@code Pass}, {@code Fail}, {@code Inconclusive}. */
    public String wireName() {
      return wireName;
    }

    /** The outcome spelled {@code wireName}. */
    public static Outcome ofWireName(String wireName) {
      for (Outcome o : values()) {
        if (o.wireName.equals(wireName)) {
          return o;
        }
      }
      throw new IllegalArgumentException(
          "verdict: \"" + wireName + "\" (expected: Pass, Fail, Inconclusive)");
    }
  }

  /**
   * One check: the metric ({@code requests}, {@code successRate}, {@code
   * successRateDropFromStable}, {@code latencyP99}, {@code latencyP99RatioToStable}, or a
   * Prometheus metric's name), the cluster (null: overall), the candidate's value, the threshold,
   * the stable revisions' value (null when not compared), the sample size (completed requests; 0
   * for provider metrics) and the outcome with its reason.
   */
  public record Check(
      String metric,
      @Nullable String cluster,
      double value,
      @Nullable Double threshold,
      @Nullable Double stableValue,
      long requests,
      Outcome outcome,
      String reason) {}

  /** {@code value} for messages: up to three decimals, no trailing zeros. */
  static String num(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return String.valueOf(value);
    }
    String s = String.format(Locale.ROOT, "%.3f", value);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
