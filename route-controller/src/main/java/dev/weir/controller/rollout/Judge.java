package dev.weir.controller.rollout;

import static dev.weir.controller.rollout.Verdict.num;

import dev.weir.controller.rollout.RolloutPlan.AnalysisPlan;
import dev.weir.controller.rollout.RolloutPlan.LatencyRule;
import dev.weir.controller.rollout.RolloutPlan.MetricRule;
import dev.weir.controller.rollout.Verdict.Check;
import dev.weir.controller.rollout.Verdict.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Judges one candidate revision from one window's numbers: Pass, Fail or Inconclusive, with the
 * numbers of every check. Pure: the numbers come in, nothing is fetched.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>Too few requests is never a pass: with fewer than {@code minRequests} completed requests in
 *       the candidate's overall window the verdict is at best Inconclusive.
 *   <li>Every check runs overall and, once a cluster's own completed requests reach {@code
 *       minRequests}, for that cluster on its own (compared with the stable revisions in the same
 *       cluster); a thinner cluster neither passes nor blocks. A revision that fails in one cluster
 *       fails, even when the overall numbers pass.
 *   <li>A value that is NaN or infinite, a provider error, a missing or empty provider result, and
 *       a stable comparison without enough stable requests are Inconclusive.
 *   <li>Early failure, while the window is still open ({@code windowClosed} false): the only
 *       possible verdicts are Fail and Inconclusive, and Fail comes from {@code successRate.min}
 *       alone, when the window already fails with every request missing up to {@code minRequests}
 *       counted as a success, i.e. {@code errors > (100 − min)% × max(completed, minRequests)} (per
 *       cluster: once the cluster has {@code minRequests}). Waiting longer would only expose more
 *       users to a revision that already failed its budget.
 * </ul>
 *
 * Any Fail makes the verdict Fail (the first failing check, overall before clusters, names the
 * reason); else any Inconclusive makes it Inconclusive; else Pass.
 */
public final class Judge {

  /** The metric name of the success rate check in verdicts. */
  public static final String SUCCESS_RATE = "successRate";

  /** The metric name of the success rate comparison with the stable revisions. */
  public static final String SUCCESS_RATE_DROP = "successRateDropFromStable";

  /** The metric name of the sample size check. */
  public static final String REQUESTS = "requests";

  private Judge() {}

  /**
   * Judges {@code revision}.
   *
   * @param candidate the candidate's numbers in the window
   * @param stable the stable revisions' numbers in the same window, or null when there are none
   * @param metrics the providers' results for this revision (matched to the plan's metrics by name)
   * @param window the window's length (for the record)
   * @param windowClosed true at the end of a pause (full judgement); false before (early failure
   *     only)
   */
  public static Verdict judge(
      AnalysisPlan plan,
      String revision,
      WindowNumbers candidate,
      @Nullable WindowNumbers stable,
      List<MetricResult> metrics,
      Duration window,
      boolean windowClosed) {
    List<Check> checks = new ArrayList<>();
    int min = plan.minRequests();
    long n = candidate.completed();
    if (n < min) {
      checks.add(
          new Check(
              REQUESTS,
              null,
              n,
              (double) min,
              stable == null ? null : (double) stable.completed(),
              n,
              Outcome.INCONCLUSIVE,
              revision + " has " + n + " of " + min + " requests (minRequests)"));
    } else {
      checks.add(
          new Check(
              REQUESTS,
              null,
              n,
              (double) min,
              stable == null ? null : (double) stable.completed(),
              n,
              Outcome.PASS,
              "enough requests"));
    }
    traffic(plan, revision, null, candidate, stable, true, checks);
    for (MetricRule rule : plan.metrics()) {
      checks.add(metric(revision, rule, find(metrics, rule.name())));
    }
    for (Map.Entry<String, WindowNumbers> e : candidate.byCluster().entrySet()) {
      if (e.getValue().completed() < min) {
        continue;
      }
      WindowNumbers stableThere = stable == null ? null : stable.byCluster().get(e.getKey());
      traffic(plan, revision, e.getKey(), e.getValue(), stableThere, false, checks);
    }

    Check firstFail = null;
    Check firstInconclusive = null;
    for (Check c : checks) {
      boolean counts = windowClosed || c.metric().equals(SUCCESS_RATE);
      if (c.outcome() == Outcome.FAIL && counts && firstFail == null) {
        firstFail = c;
      } else if (c.outcome() != Outcome.PASS && firstInconclusive == null) {
        firstInconclusive = c;
      }
    }
    if (firstFail != null) {
      return new Verdict(revision, Outcome.FAIL, firstFail.reason(), window, checks);
    }
    if (!windowClosed) {
      return new Verdict(
          revision, Outcome.INCONCLUSIVE, "the window is still open", window, checks);
    }
    if (firstInconclusive != null) {
      return new Verdict(
          revision, Outcome.INCONCLUSIVE, firstInconclusive.reason(), window, checks);
    }
    return new Verdict(revision, Outcome.PASS, "every check passed", window, checks);
  }

  /** Success rate and latency checks, overall ({@code cluster} null) or for one cluster. */
  private static void traffic(
      AnalysisPlan plan,
      String revision,
      @Nullable String cluster,
      WindowNumbers w,
      @Nullable WindowNumbers stable,
      boolean overall,
      List<Check> checks) {
    int min = plan.minRequests();
    long n = w.completed();
    boolean enough = n >= min;
    String where = cluster == null ? "" : " in cluster " + cluster;
    boolean stableEnough = stable != null && stable.completed() >= min;
    Double stableRate = stable == null ? null : nanToNull(stable.successRate());

    Double rateMin = plan.successRateMin();
    if (rateMin != null) {
      double rate = w.successRate();
      // the rate as if the window had minRequests, the missing requests all succeeding
      double budgeted = 100.0 * (Math.max(n, min) - w.errors()) / Math.max(n, min);
      Outcome outcome;
      String reason;
      if (budgeted < rateMin) {
        outcome = Outcome.FAIL;
        reason =
            revision
                + " failed successRate"
                + where
                + ": "
                + num(Double.isNaN(rate) ? budgeted : rate)
                + "% < "
                + num(rateMin)
                + "% ("
                + w.errors()
                + " errors in "
                + n
                + " requests)";
      } else if (!enough) {
        outcome = Outcome.INCONCLUSIVE;
        reason = revision + " has " + n + " of " + min + " requests" + where;
      } else {
        outcome = Outcome.PASS;
        reason = "successRate " + num(rate) + "% ≥ " + num(rateMin) + "%";
      }
      if (overall || enough) {
        checks.add(new Check(SUCCESS_RATE, cluster, rate, rateMin, stableRate, n, outcome, reason));
      }
    }

    Double maxDrop = plan.maxDropFromStable();
    if (maxDrop != null && enough) {
      double rate = w.successRate();
      if (!stableEnough || stableRate == null) {
        checks.add(
            new Check(
                SUCCESS_RATE_DROP,
                cluster,
                rate,
                maxDrop,
                stableRate,
                n,
                Outcome.INCONCLUSIVE,
                "the stable revisions have too few requests" + where + " to compare with"));
      } else {
        double drop = stableRate - rate;
        boolean fail = drop > maxDrop;
        checks.add(
            new Check(
                SUCCESS_RATE_DROP,
                cluster,
                rate,
                maxDrop,
                stableRate,
                n,
                fail ? Outcome.FAIL : Outcome.PASS,
                fail
                    ? revision
                        + " failed successRate"
                        + where
                        + ": "
                        + num(rate)
                        + "% is "
                        + num(drop)
                        + " points below the stable revisions' "
                        + num(stableRate)
                        + "% (maxDropFromStable "
                        + num(maxDrop)
                        + ", "
                        + n
                        + " requests)"
                    : "successRate within " + num(maxDrop) + " points of the stable revisions"));
      }
    }

    LatencyRule latency = plan.latency();
    if (latency != null && enough) {
      String metric = latency.metricName();
      double value = w.latencyPercentileMs().applyAsDouble(latency.percentile());
      Double stableValue =
          stableEnough && stable != null
              ? nanToNull(stable.latencyPercentileMs().applyAsDouble(latency.percentile()))
              : null;
      Double maxMs = latency.maxMs();
      if (maxMs != null) {
        checks.add(
            bound(
                metric,
                cluster,
                value,
                maxMs,
                stableValue,
                n,
                revision
                    + " failed "
                    + metric
                    + where
                    + ": "
                    + num(value)
                    + " ms > "
                    + num(maxMs)
                    + " ms ("
                    + n
                    + " requests)",
                revision + " has no finite " + metric + where + " (" + num(value) + ")"));
      }
      Double ratio = latency.maxRatioToStable();
      if (ratio != null) {
        String ratioMetric = metric + "RatioToStable";
        if (stableValue == null || !(stableValue > 0) || Double.isInfinite(stableValue)) {
          checks.add(
              new Check(
                  ratioMetric,
                  cluster,
                  value,
                  ratio,
                  stableValue,
                  n,
                  Outcome.INCONCLUSIVE,
                  "the stable revisions have no " + metric + where + " to compare with"));
        } else {
          double r = value / stableValue;
          checks.add(
              bound(
                  ratioMetric,
                  cluster,
                  r,
                  ratio,
                  stableValue,
                  n,
                  revision
                      + " failed "
                      + metric
                      + where
                      + ": "
                      + num(value)
                      + " ms is "
                      + num(r)
                      + "× the stable revisions' "
                      + num(stableValue)
                      + " ms (maxRatioToStable "
                      + num(ratio)
                      + ", "
                      + n
                      + " requests)",
                  revision + " has no finite " + metric + where + " (" + num(value) + ")"));
        }
      }
    }
  }

  /** A check that {@code value} is finite and at most {@code max}. */
  private static Check bound(
      String metric,
      @Nullable String cluster,
      double value,
      double max,
      @Nullable Double stableValue,
      long n,
      String failReason,
      String inconclusiveReason) {
    if (!Double.isFinite(value)) {
      return new Check(
          metric, cluster, value, max, stableValue, n, Outcome.INCONCLUSIVE, inconclusiveReason);
    }
    if (value > max) {
      return new Check(metric, cluster, value, max, stableValue, n, Outcome.FAIL, failReason);
    }
    return new Check(
        metric,
        cluster,
        value,
        max,
        stableValue,
        n,
        Outcome.PASS,
        metric + " " + num(value) + " ≤ " + num(max));
  }

  private static Check metric(String revision, MetricRule rule, @Nullable MetricResult result) {
    Double threshold = rule.max() != null ? rule.max() : rule.min();
    if (result == null) {
      return new Check(
          rule.name(),
          null,
          Double.NaN,
          threshold,
          null,
          0,
          Outcome.INCONCLUSIVE,
          "no result for metric " + rule.name() + " of " + revision);
    }
    String error = result.error();
    if (error != null) {
      return new Check(
          rule.name(),
          null,
          Double.NaN,
          threshold,
          null,
          0,
          Outcome.INCONCLUSIVE,
          "metric " + rule.name() + " of " + revision + ": " + error);
    }
    double v = result.value();
    if (!Double.isFinite(v)) {
      return new Check(
          rule.name(),
          null,
          v,
          threshold,
          null,
          0,
          Outcome.INCONCLUSIVE,
          "metric " + rule.name() + " of " + revision + " is " + v);
    }
    Double max = rule.max();
    if (max != null && v > max) {
      return new Check(
          rule.name(),
          null,
          v,
          max,
          null,
          0,
          Outcome.FAIL,
          revision + " failed metric " + rule.name() + ": " + num(v) + " > " + num(max));
    }
    Double min = rule.min();
    if (min != null && v < min) {
      return new Check(
          rule.name(),
          null,
          v,
          min,
          null,
          0,
          Outcome.FAIL,
          revision + " failed metric " + rule.name() + ": " + num(v) + " < " + num(min));
    }
    return new Check(
        rule.name(),
        null,
        v,
        threshold,
        null,
        0,
        Outcome.PASS,
        "metric " + rule.name() + " " + num(v) + " within bounds");
  }

  private static @Nullable MetricResult find(List<MetricResult> results, String name) {
    for (MetricResult r : results) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return null;
  }

  private static @Nullable Double nanToNull(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
