package dev.weir.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.rollout.RolloutPlan.AnalysisPlan;
import dev.weir.controller.rollout.RolloutPlan.LatencyRule;
import dev.weir.controller.rollout.RolloutPlan.MetricRule;
import dev.weir.controller.rollout.Verdict.Outcome;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table tests of the judge: a candidate's window numbers in, a verdict with its numbers out. */
class JudgeTest {

  private static final Duration WINDOW = Duration.ofSeconds(30);
  private static final MetricRule P95 =
      new MetricRule("p95", URI.create("http://p:9090"), "q", null, 0.3);

  /** minRequests 50, successRate.min 99, latency p99 ≤ 500 ms, ratio to stable ≤ 1.5, p95 ≤ 0.3. */
  private static final AnalysisPlan PLAN =
      new AnalysisPlan(50, 99.0, 1.0, new LatencyRule(99, 500.0, 1.5), List.of(P95));

  private static final AnalysisPlan RATE_ONLY = new AnalysisPlan(50, 99.0, null, null, List.of());

  private static WindowNumbers n(long ok, long failed, double p99) {
    return WindowNumbers.of(ok, failed).withLatency(p -> p99);
  }

  private static List<MetricResult> p95(double v) {
    return List.of(MetricResult.value("p95", v));
  }

  static Stream<Arguments> closedWindows() {
    WindowNumbers stable = n(1000, 2, 100);
    return Stream.of(
        Arguments.of(
            "healthy", PLAN, n(200, 0, 120), stable, p95(0.1), Outcome.PASS, "every check passed"),
        Arguments.of(
            "too few requests is never a pass",
            PLAN,
            n(49, 0, 120),
            stable,
            p95(0.1),
            Outcome.INCONCLUSIVE,
            "rev-2 has 49 of 50 requests (minRequests)"),
        Arguments.of(
            "zero traffic",
            RATE_ONLY,
            WindowNumbers.empty(),
            stable,
            List.of(),
            Outcome.INCONCLUSIVE,
            "rev-2 has 0 of 50 requests (minRequests)"),
        Arguments.of(
            "success rate below min",
            PLAN,
            n(97, 3, 120),
            stable,
            p95(0.1),
            Outcome.FAIL,
            "rev-2 failed successRate: 97% < 99% (3 errors in 100 requests)"),
        Arguments.of(
            "success rate too far below the stable revisions",
            new AnalysisPlan(50, null, 0.5, null, List.of()),
            n(990, 10, 120),
            n(1000, 0, 100),
            List.of(),
            Outcome.FAIL,
            "rev-2 failed successRate: 99% is 1 points below the stable revisions' 100%"
                + " (maxDropFromStable 0.5, 1000 requests)"),
        Arguments.of(
            "stable too thin to compare with is inconclusive",
            new AnalysisPlan(50, null, 0.5, null, List.of()),
            n(990, 10, 120),
            n(10, 0, 100),
            List.of(),
            Outcome.INCONCLUSIVE,
            "the stable revisions have too few requests to compare with"),
        Arguments.of(
            "latency above max",
            PLAN,
            n(200, 0, 700),
            n(1000, 0, 600),
            p95(0.1),
            Outcome.FAIL,
            "rev-2 failed latencyP99: 700 ms > 500 ms (200 requests)"),
        Arguments.of(
            "latency ratio to stable",
            PLAN,
            n(200, 0, 400),
            stable,
            p95(0.1),
            Outcome.FAIL,
            "rev-2 failed latencyP99: 400 ms is 4× the stable revisions' 100 ms"
                + " (maxRatioToStable 1.5, 200 requests)"),
        Arguments.of(
            "NaN latency is inconclusive",
            new AnalysisPlan(50, null, null, new LatencyRule(99, 500.0, null), List.of()),
            n(200, 0, Double.NaN),
            stable,
            List.of(),
            Outcome.INCONCLUSIVE,
            "rev-2 has no finite latencyP99 (NaN)"),
        Arguments.of(
            "metric above max",
            PLAN,
            n(200, 0, 120),
            stable,
            p95(0.5),
            Outcome.FAIL,
            "rev-2 failed metric p95: 0.5 > 0.3"),
        Arguments.of(
            "metric NaN is inconclusive",
            PLAN,
            n(200, 0, 120),
            stable,
            p95(Double.NaN),
            Outcome.INCONCLUSIVE,
            "metric p95 of rev-2 is NaN"),
        Arguments.of(
            "metric +Inf is inconclusive",
            PLAN,
            n(200, 0, 120),
            stable,
            p95(Double.POSITIVE_INFINITY),
            Outcome.INCONCLUSIVE,
            "metric p95 of rev-2 is Infinity"),
        Arguments.of(
            "provider error is inconclusive",
            PLAN,
            n(200, 0, 120),
            stable,
            List.of(MetricResult.failed("p95", "empty result")),
            Outcome.INCONCLUSIVE,
            "metric p95 of rev-2: empty result"),
        Arguments.of(
            "missing provider result is inconclusive",
            PLAN,
            n(200, 0, 120),
            stable,
            List.of(),
            Outcome.INCONCLUSIVE,
            "no result for metric p95 of rev-2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("closedWindows")
  void closedWindow(
      String name,
      AnalysisPlan plan,
      WindowNumbers candidate,
      @Nullable WindowNumbers stable,
      List<MetricResult> metrics,
      Outcome outcome,
      String reason) {
    Verdict v = Judge.judge(plan, "rev-2", candidate, stable, metrics, WINDOW, true);
    assertThat(v.outcome()).isEqualTo(outcome);
    assertThat(v.reason()).isEqualTo(reason);
    assertThat(v.window()).isEqualTo(WINDOW);
  }

  @Test
  void aFailureNamesMetricValueThresholdStableValueAndSampleSize() {
    Verdict v = Judge.judge(RATE_ONLY, "rev-2", n(97, 3, 1), n(500, 0, 1), List.of(), WINDOW, true);
    assertThat(v.checks())
        .filteredOn(c -> c.metric().equals(Judge.SUCCESS_RATE))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.value()).isEqualTo(97.0);
              assertThat(c.threshold()).isEqualTo(99.0);
              assertThat(c.stableValue()).isEqualTo(100.0);
              assertThat(c.requests()).isEqualTo(100);
              assertThat(c.cluster()).isNull();
              assertThat(c.outcome()).isEqualTo(Outcome.FAIL);
            });
  }

  @Test
  void aRevisionThatFailsInOneClusterFailsThoughTheAveragePasses() {
    WindowNumbers east = WindowNumbers.of(940, 60);
    WindowNumbers west = WindowNumbers.of(9000, 0);
    WindowNumbers all = WindowNumbers.of(9940, 60).withClusters(Map.of("east", east, "west", west));
    Verdict v = Judge.judge(RATE_ONLY, "rev-2", all, null, List.of(), WINDOW, true);
    assertThat(all.successRate()).isGreaterThan(99.0);
    assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(v.reason())
        .isEqualTo(
            "rev-2 failed successRate in cluster east: 94% < 99% (60 errors in 1000 requests)");
  }

  @Test
  void aThinClusterNeitherPassesNorBlocks() {
    WindowNumbers thin = WindowNumbers.of(5, 5);
    WindowNumbers big = WindowNumbers.of(1000, 0);
    WindowNumbers all = WindowNumbers.of(1005, 5).withClusters(Map.of("thin", thin, "big", big));
    Verdict v = Judge.judge(RATE_ONLY, "rev-2", all, null, List.of(), WINDOW, true);
    assertThat(v.outcome()).isEqualTo(Outcome.PASS);
    assertThat(v.checks()).noneMatch(c -> "thin".equals(c.cluster()));
    assertThat(v.checks()).anyMatch(c -> "big".equals(c.cluster()));
  }

  @Test
  void minRequestsAppliesToTheOverallWindowNotPerCluster() {
    WindowNumbers a = WindowNumbers.of(30, 0);
    WindowNumbers b = WindowNumbers.of(30, 0);
    WindowNumbers all = WindowNumbers.of(60, 0).withClusters(Map.of("a", a, "b", b));
    assertThat(Judge.judge(RATE_ONLY, "rev-2", all, null, List.of(), WINDOW, true).outcome())
        .isEqualTo(Outcome.PASS);
  }

  @Test
  void anOpenWindowFailsEarlyOnceTheErrorsExceedWhatMinRequestsAllows() {
    // min 99% of minRequests 50 allows 0.5 errors: the first error is already certain failure
    Verdict v = Judge.judge(RATE_ONLY, "rev-2", n(3, 1, 1), null, List.of(), WINDOW, false);
    assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(v.reason())
        .isEqualTo("rev-2 failed successRate: 75% < 99% (1 errors in 4 requests)");

    AnalysisPlan lenient = new AnalysisPlan(100, 90.0, null, null, List.of());
    // 10 errors of 100 allowed: 9 errors in 20 requests is not yet a certain failure
    assertThat(Judge.judge(lenient, "rev-2", n(11, 9, 1), null, List.of(), WINDOW, false).outcome())
        .isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(Judge.judge(lenient, "rev-2", n(9, 11, 1), null, List.of(), WINDOW, false).outcome())
        .isEqualTo(Outcome.FAIL);
  }

  @Test
  void anOpenWindowNeverPassesAndIgnoresOtherFailures() {
    Verdict healthy =
        Judge.judge(PLAN, "rev-2", n(500, 0, 120), n(500, 0, 100), p95(0.1), WINDOW, false);
    assertThat(healthy.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(healthy.reason()).isEqualTo("the window is still open");
    Verdict slow =
        Judge.judge(PLAN, "rev-2", n(500, 0, 900), n(500, 0, 100), p95(0.1), WINDOW, false);
    assertThat(slow.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
  }
}
