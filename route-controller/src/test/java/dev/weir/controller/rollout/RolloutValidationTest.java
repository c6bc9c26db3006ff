package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.controller.api.v1alpha1.RolloutAnalysis;
import dev.weir.controller.api.v1alpha1.RolloutSpec;
import dev.weir.controller.api.v1alpha1.RolloutStep;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A Rollout's spec checked into a plan; every error names its field path. */
class RolloutValidationTest {

  private static RolloutSpec spec(List<RolloutStep> steps, @Nullable RolloutAnalysis analysis) {
    return new RolloutSpec(new RolloutSpec.RouteRef("hello"), steps, analysis, null, null);
  }

  @Test
  void theIssuesExampleIsValid() {
    RolloutSpec spec =
        new RolloutSpec(
            new RolloutSpec.RouteRef("hello"),
            List.of(
                RolloutStep.setWeight(10),
                RolloutStep.pause("30s"),
                RolloutStep.setWeight(50),
                RolloutStep.pause(null)),
            new RolloutAnalysis(
                50,
                new RolloutAnalysis.SuccessRate(99.0, null),
                new RolloutAnalysis.Latency(99.0, "500ms", null),
                List.of(
                    new RolloutAnalysis.Metric(
                        "p95",
                        new RolloutAnalysis.Prometheus(
                            "http://prometheus:9090", "q{rev=\"{{revision}}\"}"),
                        0.3,
                        null))),
            "Pause",
            "1h30m");
    RolloutValidation.Result r = RolloutValidation.validate(spec);
    assertThat(r.errors()).isEmpty();
    RolloutPlan plan = requireNonNull(r.plan());
    assertThat(plan.route()).isEqualTo("hello");
    assertThat(plan.steps())
        .containsExactly(
            new RolloutPlan.SetWeight(10),
            new RolloutPlan.Pause(Duration.ofSeconds(30)),
            new RolloutPlan.SetWeight(50),
            new RolloutPlan.Pause(null));
    assertThat(plan.onFailure()).isEqualTo(RolloutPlan.OnFailure.PAUSE);
    assertThat(plan.progressDeadline()).isEqualTo(Duration.ofMinutes(90));
    RolloutPlan.AnalysisPlan analysis = requireNonNull(plan.analysis());
    RolloutPlan.LatencyRule latency = requireNonNull(analysis.latency());
    assertThat(analysis.minRequests()).isEqualTo(50);
    assertThat(latency.maxMs()).isEqualTo(500.0);
    assertThat(latency.metricName()).isEqualTo("latencyP99");
    assertThat(analysis.metrics()).singleElement().extracting(m -> m.max()).isEqualTo(0.3);
  }

  @Test
  void defaultsAreRollbackTenMinutesAndNoAnalysis() {
    RolloutPlan plan =
        requireNonNull(
            RolloutValidation.validate(spec(List.of(RolloutStep.setWeight(20)), null)).plan());
    assertThat(plan.onFailure()).isEqualTo(RolloutPlan.OnFailure.ROLLBACK);
    assertThat(plan.progressDeadline()).isEqualTo(Duration.ofMinutes(10));
    assertThat(plan.analysis()).isNull();
  }

  @Test
  void everyErrorNamesItsFieldPath() {
    RolloutSpec spec =
        new RolloutSpec(
            new RolloutSpec.RouteRef(""),
            List.of(
                RolloutStep.setWeight(10),
                RolloutStep.pause("soon"),
                RolloutStep.setWeight(120),
                new RolloutStep(10, new RolloutStep.Pause("1m")),
                RolloutStep.pause("0s")),
            new RolloutAnalysis(
                0,
                new RolloutAnalysis.SuccessRate(101.0, null),
                new RolloutAnalysis.Latency(null, "fast", null),
                List.of(
                    new RolloutAnalysis.Metric(
                        "p95", new RolloutAnalysis.Prometheus("prometheus:9090", ""), null, null),
                    new RolloutAnalysis.Metric(
                        "p95", new RolloutAnalysis.Prometheus("http://p:9090", "up"), 1.0, 2.0))),
            "Retry",
            "10 minutes");
    RolloutValidation.Result r = RolloutValidation.validate(spec);
    assertThat(r.plan()).isNull();
    assertThat(r.errors())
        .containsExactly(
            "spec.routeRef.name: is required",
            "spec.steps[1].pause.duration: \"soon\" is not a duration (expected: e.g. 30s, 10m,"
                + " 1h30m, 500ms)",
            "spec.steps[2].setWeight: 120 is not in 0..100",
            "spec.steps[3]: exactly one of setWeight and pause must be set",
            "spec.steps[4].pause.duration: \"0s\" is not a positive duration (expected: more than"
                + " 0, e.g. 30s)",
            "spec.analysis.minRequests: 0 is not at least 1",
            "spec.analysis.successRate.min: 101.0 is not in 0..100",
            "spec.analysis.latency.max: \"fast\" is not a duration (expected: e.g. 30s, 10m,"
                + " 1h30m, 500ms)",
            "spec.analysis.latency.percentile: is required",
            "spec.analysis.metrics[0].prometheus.address: \"prometheus:9090\" is not an http(s)"
                + " URL with a host",
            "spec.analysis.metrics[0].prometheus.query: is required",
            "spec.analysis.metrics[0]: needs min or max",
            "spec.analysis.metrics[1].name: \"p95\" is used twice",
            "spec.analysis.metrics[1].min: 2.0 is above max 1.0",
            "spec.onFailure: \"Retry\" is not one of Rollback, Pause",
            "spec.progressDeadline: \"10 minutes\" is not a duration (expected: e.g. 30s, 10m,"
                + " 1h30m, 500ms)");
  }

  @ParameterizedTest
  @CsvSource({
    "30s, PT30S",
    "10m, PT10M",
    "1h30m, PT1H30M",
    "1.5h, PT1H30M",
    "500ms, PT0.5S",
    "2h45m30.5s, PT2H45M30.5S",
    "100us, PT0.0001S",
    "7ns, PT0.000000007S"
  })
  void goDurationsParse(String text, String iso) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @CsvSource({"PT30S, 30s", "PT1H30M, 1h30m", "PT0.5S, 500ms", "PT1M0.25S, 1m0.25s", "PT26H, 26h"})
  void goDurationsFormat(String iso, String text) {
    assertThat(GoDuration.format(Duration.parse(iso))).isEqualTo(text);
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @CsvSource({"''", "30", "s", "-5s", "1d", "1h 30m", "1.2.3s", "m5"})
  void badDurationsAreClearErrors(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("\"" + text + "\" is not a duration");
  }
}
