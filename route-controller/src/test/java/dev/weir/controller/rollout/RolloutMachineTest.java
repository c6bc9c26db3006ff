package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.rollout.RolloutPlan.AnalysisPlan;
import dev.weir.controller.rollout.RolloutPlan.OnFailure;
import dev.weir.controller.rollout.RolloutPlan.Pause;
import dev.weir.controller.rollout.RolloutPlan.SetWeight;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Table-style tests of the rollout state machine as a pure function: each test drives {@link
 * RolloutMachine#next} through a scripted sequence of (Route split, ACKs, window numbers, action,
 * clock) and checks the served split, phase, transitions, Route condition and next call.
 */
class RolloutMachineTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Split A = Split.single("a");
  static final Split B = Split.single("b");
  static final Split C = Split.single("c");
  static final AnalysisPlan RATE = new AnalysisPlan(50, 99.0, null, null, List.of());

  /** The example: 10%, 30 s, 50%, 30 s, then T. */
  static RolloutPlan plan(OnFailure onFailure) {
    return new RolloutPlan(
        "hello",
        List.of(
            new SetWeight(10),
            new Pause(Duration.ofSeconds(30)),
            new SetWeight(50),
            new Pause(Duration.ofSeconds(30))),
        RATE,
        onFailure,
        Duration.ofMinutes(10));
  }

  static Observations healthy(String revision, long n) {
    return new Observations(
        Map.of(revision, WindowNumbers.of(n, 0)), WindowNumbers.of(9 * n, 0), Map.of());
  }

  static Observations failing(String revision, long ok, long errors) {
    return new Observations(
        Map.of(revision, WindowNumbers.of(ok, errors)), WindowNumbers.of(1000, 0), Map.of());
  }

  /** Drives the machine: keeps the state, the clock, the Route's target. */
  static final class Sim {
    final RolloutPlan plan;
    @Nullable RolloutState state;
    Instant now = T0;
    Split target;
    long generation = 1;
    Applied applied = Applied.all(2);

    Sim(RolloutPlan plan, Split first) {
      this.plan = plan;
      this.target = first;
      call(Observations.none(), null);
    }

    Decision call(Observations o, @Nullable Action action) {
      Decision d =
          RolloutMachine.next(state, new Inputs(plan, target, generation, applied, o, action, now));
      state = d.state();
      return d;
    }

    Decision call() {
      return call(Observations.none(), null);
    }

    Decision act(Action action) {
      return call(Observations.none(), action);
    }

    Decision later(Duration d, Observations o) {
      now = now.plus(d);
      return call(o, null);
    }

    /** A new Route generation asks for {@code t}. */
    Decision change(Split t) {
      target = t;
      generation++;
      return call();
    }

    RolloutState state() {
      return requireNonNull(state);
    }
  }

  static List<String> reasons(Decision d) {
    return d.transitions().stream().map(Transition::reason).toList();
  }

  @Test
  void aFirstGenerationIsServedAtOnce() {
    Decision d =
        RolloutMachine.next(
            null,
            new Inputs(
                plan(OnFailure.ROLLBACK), B, 1, Applied.of(0, 2), Observations.none(), null, T0));
    assertThat(d.serve()).isEqualTo(B);
    assertThat(d.state().phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(d.routeCondition()).isNull();
    assertThat(d.callAgainAt()).isNull();
    assertThat(reasons(d)).containsExactly("TargetServed");
  }

  @Test
  void aHealthyRolloutWalksEveryStepGatedOnAcksAndAnalysis() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.applied = Applied.all(2);

    // a change of T starts a rollout; the first step waits for every ACK
    Decision d = sim.change(B);
    assertThat(reasons(d)).containsExactly("RolloutStarted");
    assertThat(d.serve()).isEqualTo(Split.of(SplitEntry.of("b", 10), SplitEntry.of("a", 90)));
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.state().step()).isZero();
    assertThat(d.state().stepStartedAt()).isNull();
    assertThat(d.state().stable()).isEqualTo(A);
    assertThat(d.state().candidates()).containsExactly("b");
    assertThat(d.state().stableRevisions()).containsExactly("a");
    assertThat(d.callAgainAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
    assertThat(d.routeCondition())
        .isEqualTo(
            new RouteCondition(
                "Unknown",
                "RolloutInProgress",
                "step 0 of 4 (10%): serving [b:10, a:90], applied by 0 of 2 data planes"));

    // one of two ACKed: held
    sim.applied = Applied.of(1, 2);
    d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(d.transitions()).isEmpty();
    assertThat(d.state().step()).isZero();

    // both ACKed: the step counts from now, the pause's window opens
    sim.applied = Applied.all(2);
    d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(reasons(d)).containsExactly("StepApplied");
    assertThat(d.state().step()).isEqualTo(1);
    assertThat(d.state().stepStartedAt()).isEqualTo(T0.plusSeconds(2));
    assertThat(d.state().analysisWindowStart()).isEqualTo(T0.plusSeconds(2));
    assertThat(d.callAgainAt()).isEqualTo(T0.plusSeconds(2).plus(RolloutMachine.RECHECK));

    // mid-pause: healthy, nothing to do; the pause ends at +32 s
    d = sim.later(Duration.ofSeconds(25), healthy("b", 40));
    assertThat(d.transitions()).isEmpty();
    assertThat(d.callAgainAt()).isEqualTo(T0.plusSeconds(32));

    // the pause ends with a pass: 50%, waiting for ACKs again
    d = sim.later(Duration.ofSeconds(5), healthy("b", 60));
    assertThat(reasons(d)).containsExactly("AnalysisPassed");
    assertThat(d.serve()).isEqualTo(Split.of(SplitEntry.of("b", 50), SplitEntry.of("a", 50)));
    assertThat(d.state().step()).isEqualTo(2);
    // the last judgement stays in status until the next one
    assertThat(d.state().verdicts())
        .singleElement()
        .satisfies(v -> assertThat(v.outcome()).isEqualTo(Verdict.Outcome.PASS));

    d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(reasons(d)).containsExactly("StepApplied");
    d = sim.later(Duration.ofSeconds(30), healthy("b", 500));
    assertThat(reasons(d)).containsExactly("AnalysisPassed");
    assertThat(d.serve()).isEqualTo(B);
    assertThat(d.state().weight()).isEqualTo(100);

    d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(reasons(d)).containsExactly("StepApplied", "Succeeded");
    assertThat(d.state().phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(d.routeCondition()).isNull();
    assertThat(d.callAgainAt()).isNull();
    assertThat(d.state().history())
        .extracting(Transition::reason)
        .containsExactly(
            "TargetServed",
            "RolloutStarted",
            "StepApplied",
            "AnalysisPassed",
            "StepApplied",
            "AnalysisPassed",
            "StepApplied",
            "Succeeded");
  }

  @Test
  void roundingFollowsTheSplitArithmetic() {
    Split s = Split.of(SplitEntry.of("a", 67), SplitEntry.of("b", 33));
    Split t = Split.of(SplitEntry.of("a", 34), SplitEntry.of("b", 33), SplitEntry.of("c", 33));
    RolloutPlan plan =
        new RolloutPlan(
            "hello", List.of(new SetWeight(50)), null, OnFailure.ROLLBACK, Duration.ofMinutes(1));
    Sim sim = new Sim(plan, s);
    Decision d = sim.change(t);
    assertThat(d.serve())
        .isEqualTo(
            Split.of(SplitEntry.of("a", 50), SplitEntry.of("b", 33), SplitEntry.of("c", 17)));
    assertThat(d.state().candidates()).containsExactly("c");
  }

  @Test
  void aNackHoldsTheStepUntilTheDeadlineThenRollsBack() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.applied = Applied.of(1, 2).withNack();
    Decision d = sim.later(Duration.ofMinutes(9), Observations.none());
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.state().stepStartedAt()).isNull();
    assertThat(d.callAgainAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));

    d = sim.later(Duration.ofMinutes(1), Observations.none());
    assertThat(reasons(d)).containsExactly("DeadlineExceeded");
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(d.serve()).isEqualTo(A);
    assertThat(d.routeCondition())
        .isEqualTo(
            new RouteCondition(
                "False",
                "RolloutFailed",
                "step 0 (10%) was not applied within progressDeadline 10m: 1 of 2 data planes (a"
                    + " data plane NACKed it)"));
  }

  @Test
  void aFailingCandidateIsRolledBackAsSoonAsTheFailureIsCertain() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    // 5 s into a 30 s pause: a third of the candidate's requests fail
    Decision d = sim.later(Duration.ofSeconds(5), failing("b", 20, 10));
    assertThat(reasons(d)).containsExactly("AnalysisFailed");
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(d.serve()).isEqualTo(A);
    assertThat(d.state().weight()).isZero();
    assertThat(d.routeCondition())
        .isEqualTo(
            new RouteCondition(
                "False",
                "RolloutFailed",
                "b failed successRate: 66.667% < 99% (10 errors in 30 requests)"));
    assertThat(d.state().verdicts())
        .singleElement()
        .satisfies(v -> assertThat(v.outcome()).isEqualTo(Verdict.Outcome.FAIL));
    assertThat(d.callAgainAt()).isNull();

    // stays on S while T is unchanged
    d = sim.later(Duration.ofMinutes(30), healthy("b", 1000));
    assertThat(d.serve()).isEqualTo(A);
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);
  }

  @Test
  void inconclusiveWindowsExtendUntilTheDeadlineAndZeroTrafficNeverPromotes() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Decision d = sim.later(Duration.ofSeconds(30), healthy("b", 10));
    assertThat(d.state().step()).isEqualTo(1);
    assertThat(d.state().verdicts())
        .singleElement()
        .satisfies(v -> assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE));
    assertThat(d.callAgainAt()).isEqualTo(sim.now.plus(RolloutMachine.RECHECK));

    // no traffic at all for minutes: never a pass
    for (int i = 0; i < 8; i++) {
      d = sim.later(Duration.ofMinutes(1), Observations.none());
      assertThat(d.state().step()).isEqualTo(1);
      assertThat(d.serve().percentOf("b")).isEqualTo(10);
    }
    // the deadline counts from the step's decision (the pause was decided at T0 + 1 s)
    assertThat(d.callAgainAt()).isEqualTo(sim.now.plus(RolloutMachine.RECHECK));
    d = sim.later(Duration.ofSeconds(89), Observations.none());
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.callAgainAt()).isEqualTo(T0.plus(Duration.ofSeconds(601)));
    d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(reasons(d)).containsExactly("DeadlineExceeded");
    assertThat(d.serve()).isEqualTo(A);
    assertThat(requireNonNull(d.routeCondition()).message())
        .isEqualTo(
            "no verdict on b within progressDeadline 10m: b has 0 of 50 requests (minRequests)");
  }

  @Test
  void onFailurePauseHoldsTheStepAndRetryStartsOver() {
    Sim sim = new Sim(plan(OnFailure.PAUSE), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Decision d = sim.later(Duration.ofSeconds(30), failing("b", 90, 10));
    assertThat(d.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(d.serve().percentOf("b")).isEqualTo(10);
    assertThat(requireNonNull(d.routeCondition()).status()).isEqualTo("False");
    assertThat(requireNonNull(d.routeCondition()).reason()).isEqualTo("RolloutFailed");
    assertThat(d.callAgainAt()).isNull();

    d = sim.act(Action.api(Action.Kind.RETRY));
    assertThat(reasons(d)).containsExactly("Retried");
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.state().failure()).isNull();
    // step 0 serves the 10% that is applied already: on to the pause, with a new window
    assertThat(d.state().step()).isEqualTo(1);
    assertThat(d.state().stepStartedAt()).isEqualTo(sim.now);
  }

  @Test
  void resumeAfterAFailurePauseRestartsTheCurrentStep() {
    Sim sim = new Sim(plan(OnFailure.PAUSE), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    sim.later(Duration.ofSeconds(30), failing("b", 90, 10));
    Decision d = sim.act(Action.api(Action.Kind.RESUME));
    assertThat(reasons(d)).containsExactly("Resumed");
    assertThat(d.state().step()).isEqualTo(1);
    assertThat(d.state().decidedAt()).isEqualTo(sim.now);
    assertThat(d.state().stepStartedAt()).isEqualTo(sim.now);
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
  }

  @Test
  void aPauseWithoutDurationWaitsForPromoteAndPromoteFullGoesToTarget() {
    RolloutPlan plan =
        new RolloutPlan(
            "hello",
            List.of(new SetWeight(20), new Pause(null), new SetWeight(60), new Pause(null)),
            null,
            OnFailure.ROLLBACK,
            Duration.ofMinutes(10));
    Sim sim = new Sim(plan, A);
    sim.change(B);
    Decision d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(reasons(d)).containsExactly("StepApplied", "PausedAtStep");
    assertThat(d.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(requireNonNull(d.routeCondition()).reason()).isEqualTo("RolloutPaused");

    // hours pass: no deadline while waiting for the user
    d = sim.later(Duration.ofHours(5), Observations.none());
    assertThat(d.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(d.callAgainAt()).isNull();

    d = sim.act(Action.api(Action.Kind.PROMOTE));
    assertThat(reasons(d)).containsExactly("Promoted");
    assertThat(d.state().step()).isEqualTo(2);
    assertThat(d.serve().percentOf("b")).isEqualTo(60);

    d = sim.act(Action.api(Action.Kind.PROMOTE_FULL));
    assertThat(reasons(d)).containsExactly("PromotedFull");
    assertThat(d.serve()).isEqualTo(B);
    d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(d.state().phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void resumeAtAPauseWithoutDurationGoesOn() {
    RolloutPlan plan =
        new RolloutPlan(
            "hello",
            List.of(new SetWeight(20), new Pause(null)),
            null,
            OnFailure.ROLLBACK,
            Duration.ofMinutes(10));
    Sim sim = new Sim(plan, A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Decision d = sim.act(Action.api(Action.Kind.RESUME));
    assertThat(d.serve()).isEqualTo(B);
  }

  @Test
  void pauseHoldsWithoutDeadlineAndResumeRestartsTheStep() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Decision d = sim.act(Action.api(Action.Kind.PAUSE));
    assertThat(reasons(d)).containsExactly("Paused");
    assertThat(d.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(d.state().userPaused()).isTrue();
    assertThat(requireNonNull(d.routeCondition()).message()).endsWith("waiting for resume");

    d = sim.later(Duration.ofHours(1), healthy("b", 5000));
    assertThat(d.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(d.state().step()).isEqualTo(1);

    d = sim.act(Action.api(Action.Kind.RESUME));
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.state().step()).isEqualTo(1);
    assertThat(d.state().stepStartedAt()).isEqualTo(sim.now);
    // the pause runs its full 30 s again
    assertThat(sim.later(Duration.ofSeconds(29), healthy("b", 100)).state().step()).isEqualTo(1);
    assertThat(sim.later(Duration.ofSeconds(1), healthy("b", 100)).state().step()).isEqualTo(2);
  }

  @Test
  void abortRollsBackAndNamesWho() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Decision d = sim.act(Action.annotation("abort"));
    assertThat(reasons(d)).containsExactly("Aborted");
    assertThat(d.serve()).isEqualTo(A);
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(d.routeCondition())
        .isEqualTo(
            new RouteCondition("False", "RolloutAborted", "aborted by Annotation at step 1 (10%)"));
    assertThat(d.transitions().get(0).source()).isEqualTo(Source.ANNOTATION);

    d = sim.act(Action.api(Action.Kind.RETRY));
    assertThat(reasons(d)).containsExactly("Retried");
    assertThat(d.state().step()).isZero();
    assertThat(d.state().stable()).isEqualTo(A);
    assertThat(d.serve().percentOf("b")).isEqualTo(10);
    assertThat(requireNonNull(d.routeCondition()).reason()).isEqualTo("RolloutInProgress");
  }

  @Test
  void anAnnotationIsActedOnOncePerValueAndNeverCarriesOverToALaterRollout() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Decision d = sim.act(Action.annotation("pause"));
    assertThat(d.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(d.state().lastAction()).isEqualTo("pause");

    d = sim.act(Action.api(Action.Kind.RESUME));
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    // the annotation still says pause: not acted on again
    d = sim.act(Action.annotation("pause"));
    assertThat(d.transitions()).isEmpty();
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);

    d = sim.act(Action.annotation("abort"));
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);

    // a new rollout: the annotation (still "abort" in a folder cluster) does nothing to it
    sim.change(C);
    d = sim.act(Action.annotation("abort"));
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.state().target()).isEqualTo(C);
  }

  @Test
  void aNewTargetMidRolloutRestartsFromStepZeroFromTheRecordedStable() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    sim.later(Duration.ofSeconds(30), healthy("b", 100));
    Decision d = sim.later(Duration.ofSeconds(1), Observations.none());
    assertThat(d.serve().percentOf("b")).isEqualTo(50);

    d = sim.change(C);
    assertThat(reasons(d)).containsExactly("TargetChanged");
    assertThat(d.state().stable()).isEqualTo(A);
    assertThat(d.state().step()).isZero();
    assertThat(d.serve()).isEqualTo(Split.of(SplitEntry.of("c", 10), SplitEntry.of("a", 90)));

    // and a rollback returns to the recorded S, never to the mixed split met on the way
    sim.later(Duration.ofSeconds(1), Observations.none());
    d = sim.later(Duration.ofSeconds(5), failing("c", 10, 10));
    assertThat(d.serve()).isEqualTo(A);
  }

  @Test
  void aTargetBackToTheStableSplitIsServedAtOnce() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    Decision d = sim.change(A);
    assertThat(d.serve()).isEqualTo(A);
    assertThat(d.state().phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void actionsThatDoNotApplyAreRecordedAsIgnored() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    Decision d = sim.act(Action.api(Action.Kind.PROMOTE));
    assertThat(reasons(d)).containsExactly("ActionIgnored");
    assertThat(d.transitions().get(0).message())
        .isEqualTo("promote by API does nothing in phase Succeeded");
    assertThat(sim.act(Action.api(Action.Kind.RETRY)).state().phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void aRestartMidRolloutServesNoMoreThanTheCurrentStep() throws Exception {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    sim.later(Duration.ofSeconds(10), healthy("b", 20));
    RolloutState before = sim.state();

    // the status as written and read back through JSON, as after a controller restart
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    String json = mapper.writeValueAsString(RolloutStatusCodec.toStatus(before, 3L));
    RolloutState restored =
        RolloutStatusCodec.fromStatus(
            mapper.readValue(json, dev.weir.controller.api.v1alpha1.RolloutStatus.class));
    assertThat(restored).isEqualTo(before);

    // a new leader, without ACK data yet and plenty of traffic: still step 1, 10%
    Decision d =
        RolloutMachine.next(
            restored,
            new Inputs(
                sim.plan,
                B,
                sim.generation,
                Applied.of(0, 0),
                healthy("b", 20),
                null,
                sim.now.plusSeconds(1)));
    assertThat(d.serve()).isEqualTo(before.served());
    assertThat(d.serve().percentOf("b")).isEqualTo(10);
    assertThat(d.state().step()).isEqualTo(1);
    assertThat(d.state().stepStartedAt()).isEqualTo(before.stepStartedAt());
  }

  @Test
  void aCandidateFailingInOneClusterIsRolledBackAtThePausesEnd() {
    Sim sim = new Sim(plan(OnFailure.ROLLBACK), A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    WindowNumbers east = WindowNumbers.of(95, 5);
    WindowNumbers west = WindowNumbers.of(2000, 0);
    WindowNumbers all = WindowNumbers.of(2095, 5).withClusters(Map.of("east", east, "west", west));
    Observations o = new Observations(Map.of("b", all), WindowNumbers.of(20000, 0), Map.of());
    Decision d = sim.later(Duration.ofSeconds(30), o);
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(requireNonNull(d.routeCondition()).message())
        .isEqualTo("b failed successRate in cluster east: 95% < 99% (5 errors in 100 requests)");
  }

  @Test
  void aProviderMetricOutOfRangeFailsAndAProviderErrorOnlyExtends() {
    RolloutPlan.MetricRule p95 =
        new RolloutPlan.MetricRule("p95", java.net.URI.create("http://p:9090"), "q", null, 0.3);
    RolloutPlan plan =
        new RolloutPlan(
            "hello",
            List.of(new SetWeight(10), new Pause(Duration.ofSeconds(30))),
            new AnalysisPlan(10, null, null, null, List.of(p95)),
            OnFailure.ROLLBACK,
            Duration.ofMinutes(10));
    Sim sim = new Sim(plan, A);
    sim.change(B);
    sim.later(Duration.ofSeconds(1), Observations.none());
    Observations error =
        new Observations(
            Map.of("b", WindowNumbers.of(100, 0)),
            null,
            Map.of("b", List.of(MetricResult.failed("p95", "empty result (no series matched)"))));
    Decision d = sim.later(Duration.ofSeconds(30), error);
    assertThat(d.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(d.state().verdicts().get(0).reason())
        .isEqualTo("metric p95 of b: empty result (no series matched)");

    Observations slow =
        new Observations(
            Map.of("b", WindowNumbers.of(100, 0)),
            null,
            Map.of("b", List.of(MetricResult.value("p95", 0.45))));
    d = sim.later(Duration.ofSeconds(5), slow);
    assertThat(d.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(requireNonNull(d.routeCondition()).message())
        .isEqualTo("b failed metric p95: 0.45 > 0.3");
  }
}
