package dev.weir.controller.rollout;

import dev.weir.controller.rollout.RolloutPlan.AnalysisPlan;
import dev.weir.controller.rollout.RolloutPlan.OnFailure;
import dev.weir.controller.rollout.RolloutPlan.Pause;
import dev.weir.controller.rollout.RolloutPlan.SetWeight;
import dev.weir.controller.rollout.RolloutState.Failure;
import dev.weir.controller.rollout.Verdict.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The rollout state machine as one pure function, {@link #next}: state and inputs (the plan, the
 * Route's resolved target split, the data planes' applied state, the window's numbers, a user's
 * action, the clock) in; the next state, the split to serve, the transitions, the Route's condition
 * and when to be called again out. No I/O, no clock of its own, deterministic.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li><b>Start.</b> Without a state (a Rollout seen for the first time, a Route's first
 *       generation) the target is served at once: phase Succeeded. A rollout starts when the target
 *       split changes (a percent, a revision name, a new newest-ready revision): S is the split
 *       served now, or, when a rollout is under way, the S it recorded (a rollback never returns to
 *       a mixed split met on the way), and it starts from step 0 towards the new T.
 *   <li><b>Steps.</b> {@code setWeight: w} serves {@link Splits#step} of S, T and {@code w}; the
 *       implicit last step serves T. A step counts from the moment every connected data plane has
 *       applied its split ({@link Applied#complete()}); a NACK or a missing ACK holds it. The
 *       analysis window starts there.
 *   <li><b>Pauses.</b> A timed pause holds for its duration from the step's start, then judges
 *       every candidate ({@link Judge}): all Pass → next step; any Fail → {@code onFailure};
 *       otherwise Inconclusive extends the window until the progress deadline. Before its end a
 *       pause fails early when a failure is already certain (see {@link Judge}). A pause without
 *       duration is phase Paused and waits for {@code promote} or {@code resume}.
 *   <li><b>Deadline.</b> {@code progressDeadline} counts from a step's decision: a step not applied
 *       everywhere, or a window still Inconclusive, by then is a failure whose message says why no
 *       verdict came. It is suspended while the user holds the rollout.
 *   <li><b>Failure.</b> {@code onFailure: Rollback} serves S at once (phase RolledBack, Route
 *       {@code Ready=False, RolloutFailed}) until T changes or {@code retry}; {@code onFailure:
 *       Pause} holds the current split (phase Paused, Route {@code Ready=False, RolloutFailed}).
 *   <li><b>Actions.</b> {@code promote} goes to the next step without judging the current one
 *       ({@code promote-full}: straight to T); {@code pause} holds; {@code resume} restarts the
 *       current step (or leaves a pause without duration); {@code abort} serves S (RolledBack,
 *       {@code RolloutAborted} naming who); {@code retry} starts again from step 0 after a failure.
 *       An annotation's value is acted on once: a value equal to the last one acted on is ignored,
 *       whichever rollout it was. Actions that do not apply in the phase are recorded as ignored.
 *   <li><b>Restarts.</b> The whole state is in the Rollout's status; a state read back after a
 *       restart serves the split it served, so candidates never get more than the current step's
 *       weight before the remaining steps pass.
 * </ul>
 */
public final class RolloutMachine {

  /** How often an open window is looked at again (early failure, extended windows). */
  public static final Duration RECHECK = Duration.ofSeconds(5);

  /** How many transitions the state keeps. */
  public static final int HISTORY = 20;

  private RolloutMachine() {}

  /**
   * The next decision.
   *
   * @param state the state of the last decision (from memory or status), or null for none yet
   */
  public static Decision next(@Nullable RolloutState state, Inputs in) {
    Run run = new Run(state, in);
    return run.decide();
  }

  /** One call's working copy of the state. */
  private static final class Run {
    private final Inputs in;
    private final Instant now;
    private final RolloutPlan plan;
    private final @Nullable Split incomingServed;
    private final List<Transition> transitions = new ArrayList<>();
    private @Nullable Instant callAgainAt;

    private Phase phase;
    private int step;
    private int weight;
    private Split stable;
    private Split target;
    private long targetGeneration;
    private Split served;
    private Instant decidedAt;
    private @Nullable Instant stepStartedAt;
    private boolean userPaused;
    private @Nullable Failure failure;
    private List<Verdict> verdicts;
    private final List<Transition> history;
    private @Nullable String lastAction;

    Run(@Nullable RolloutState s, Inputs in) {
      this.in = in;
      this.now = in.now();
      this.plan = in.plan();
      if (s == null) {
        incomingServed = null;
        phase = Phase.SUCCEEDED;
        step = plan.steps().size();
        weight = 100;
        stable = in.target();
        target = in.target();
        targetGeneration = in.targetGeneration();
        served = in.target();
        decidedAt = now;
        stepStartedAt = null;
        userPaused = false;
        failure = null;
        verdicts = List.of();
        history = new ArrayList<>();
        lastAction = null;
        record(
            "TargetServed",
            Source.CONTROLLER,
            "generation " + in.targetGeneration() + " served at once: " + in.target());
      } else {
        incomingServed = s.served();
        phase = s.phase();
        step = Math.min(s.step(), plan.steps().size());
        weight = s.weight();
        stable = s.stable();
        target = s.target();
        targetGeneration = s.targetGeneration();
        served = s.served();
        decidedAt = s.decidedAt();
        stepStartedAt = s.stepStartedAt();
        userPaused = s.userPaused();
        failure = s.failure();
        verdicts = s.verdicts();
        history = new ArrayList<>(s.history());
        lastAction = s.lastAction();
      }
    }

    Decision decide() {
      if (incomingServed != null) {
        if (!in.target().equals(target)) {
          startTowards(in.target(), in.targetGeneration());
        } else {
          targetGeneration = in.targetGeneration();
        }
      }
      Action action = in.action();
      if (action != null) {
        act(action);
      }
      progress();
      RolloutState next =
          new RolloutState(
              phase,
              step,
              weight,
              stable,
              target,
              targetGeneration,
              served,
              decidedAt,
              stepStartedAt,
              userPaused,
              failure,
              served.equals(incomingServed)
                  ? in.applied()
                  : Applied.of(0, in.applied().connected()),
              verdicts,
              history,
              lastAction);
      return new Decision(next, transitions, condition(), callAgainAt);
    }

    /** A new T: start from step 0, from the served split (or the S of a rollout under way). */
    private void startTowards(Split newTarget, long generation) {
      boolean restart = phase.active();
      if (!restart) {
        stable = served;
      }
      target = newTarget;
      targetGeneration = generation;
      userPaused = false;
      failure = null;
      verdicts = List.of();
      phase = Phase.PROGRESSING;
      if (stable.equals(target)) {
        step = plan.steps().size();
        weight = 100;
        served = target;
        decidedAt = now;
        stepStartedAt = null;
        phase = Phase.SUCCEEDED;
        record(
            "TargetServed",
            Source.CONTROLLER,
            "generation "
                + generation
                + " asks for the stable split "
                + target
                + ": served at once");
        return;
      }
      record(
          restart ? "TargetChanged" : "RolloutStarted",
          Source.CONTROLLER,
          (restart
                  ? "generation " + generation + " changed the target mid-rollout: restart from "
                  : "generation " + generation + ": from ")
              + stable
              + " to "
              + target
              + " in "
              + plan.steps().size()
              + " steps");
      enterStep(0);
    }

    /** Decides step {@code i}: its split, its decision time, and whether it is applied already. */
    private void enterStep(int i) {
      step = Math.min(i, plan.steps().size());
      Split next;
      if (step >= plan.steps().size()) {
        weight = 100;
        next = target;
      } else if (plan.steps().get(step) instanceof SetWeight w) {
        weight = w.weight();
        next = Splits.step(stable, target, weight);
      } else {
        next = served;
      }
      // a step that serves what is applied already counts from its decision
      boolean applied = next.equals(served) && (stepStartedAt != null || appliedNow());
      served = next;
      decidedAt = now;
      stepStartedAt = applied ? now : null;
      // The last verdicts stay (status shows the last judgement) until the next judgement.
    }

    /** True when every connected data plane applied the split served now. */
    private boolean appliedNow() {
      return served.equals(incomingServed) && in.applied().complete();
    }

    private void progress() {
      // a rollout paused on its own at a pause without duration still fails early
      if (phase == Phase.PAUSED && !userPaused && failure == null && stepStartedAt != null) {
        if (!judgeEarly() && plan.analysis() != null) {
          callAgain(now.plus(RECHECK));
        }
        return;
      }
      for (int guard = 0; phase == Phase.PROGRESSING && guard <= plan.steps().size() + 1; guard++) {
        Instant deadline = decidedAt.plus(plan.progressDeadline());
        if (stepStartedAt == null) {
          if (!appliedNow()) {
            if (!now.isBefore(deadline)) {
              fail(
                  "step "
                      + step
                      + " ("
                      + weight
                      + "%) was not applied within progressDeadline "
                      + GoDuration.format(plan.progressDeadline())
                      + ": "
                      + in.applied().describe(),
                  "DeadlineExceeded");
            } else {
              callAgain(deadline);
            }
            return;
          }
          stepStartedAt = now;
          record(
              "StepApplied",
              Source.CONTROLLER,
              "step " + step + " (" + weight + "%) applied by " + in.applied().describe());
        }
        if (step >= plan.steps().size()) {
          phase = Phase.SUCCEEDED;
          record("Succeeded", Source.CONTROLLER, "serving " + target);
          return;
        }
        RolloutPlan.Step current = plan.steps().get(step);
        if (current instanceof SetWeight) {
          enterStep(step + 1);
          continue;
        }
        Pause pause = (Pause) current;
        if (judgeEarly()) {
          return;
        }
        Duration d = pause.duration();
        if (d == null) {
          phase = Phase.PAUSED;
          record(
              "PausedAtStep",
              Source.CONTROLLER,
              "step " + step + " is a pause without duration: waiting for promote");
          if (plan.analysis() != null) {
            callAgain(now.plus(RECHECK));
          }
          return;
        }
        Instant start = Objects.requireNonNull(stepStartedAt);
        Instant end = start.plus(d);
        if (now.isBefore(end)) {
          callAgain(end);
          if (plan.analysis() != null) {
            callAgain(now.plus(RECHECK));
          }
          return;
        }
        AnalysisPlan analysis = plan.analysis();
        if (analysis != null) {
          verdicts = judgeAll(analysis, true);
          Verdict failed = first(Outcome.FAIL);
          if (failed != null) {
            fail(failed.reason(), "AnalysisFailed");
            return;
          }
          Verdict open = first(Outcome.INCONCLUSIVE);
          if (open != null) {
            if (!now.isBefore(deadline)) {
              fail(
                  "no verdict on "
                      + open.revision()
                      + " within progressDeadline "
                      + GoDuration.format(plan.progressDeadline())
                      + ": "
                      + open.reason(),
                  "DeadlineExceeded");
            } else {
              callAgain(now.plus(RECHECK));
              callAgain(deadline);
            }
            return;
          }
          record(
              "AnalysisPassed",
              Source.CONTROLLER,
              "step " + step + ": " + String.join(", ", candidates()) + " passed");
        }
        enterStep(step + 1);
      }
    }

    /** Judges an open window for early failure; true when it failed (and was acted on). */
    private boolean judgeEarly() {
      AnalysisPlan analysis = plan.analysis();
      if (analysis == null || stepStartedAt == null) {
        return false;
      }
      List<Verdict> early = judgeAll(analysis, false);
      for (Verdict v : early) {
        if (v.outcome() == Outcome.FAIL) {
          verdicts = early;
          fail(v.reason(), "AnalysisFailed");
          return true;
        }
      }
      return false;
    }

    private List<Verdict> judgeAll(AnalysisPlan analysis, boolean closed) {
      Observations o = in.observations();
      Instant start = stepStartedAt == null ? now : stepStartedAt;
      Duration window = Duration.between(start, now);
      List<Verdict> out = new ArrayList<>();
      for (String revision : candidates()) {
        WindowNumbers numbers = o.candidates().get(revision);
        List<MetricResult> metrics = o.metrics().get(revision);
        out.add(
            Judge.judge(
                analysis,
                revision,
                numbers == null ? WindowNumbers.empty() : numbers,
                o.stable(),
                metrics == null ? List.of() : metrics,
                window,
                closed));
      }
      return out;
    }

    private @Nullable Verdict first(Outcome outcome) {
      for (Verdict v : verdicts) {
        if (v.outcome() == outcome) {
          return v;
        }
      }
      return null;
    }

    private List<String> candidates() {
      return Splits.candidates(stable, target);
    }

    private void fail(String message, String reason) {
      failure = new Failure(RouteCondition.FAILED, message);
      if (plan.onFailure() == OnFailure.ROLLBACK) {
        rollBack();
        record(reason, Source.CONTROLLER, message + "; rolled back to " + stable);
      } else {
        phase = Phase.PAUSED;
        record(reason, Source.CONTROLLER, message + "; paused at step " + step);
      }
    }

    private void rollBack() {
      phase = Phase.ROLLED_BACK;
      served = stable;
      weight = 0;
      decidedAt = now;
      stepStartedAt = null;
      userPaused = false;
    }

    private void act(Action action) {
      if (action.source() == Source.ANNOTATION) {
        if (Objects.equals(action.annotationValue(), lastAction)) {
          return;
        }
        lastAction = action.annotationValue();
      }
      String who = action.source().wireName();
      boolean failedPause = phase == Phase.PAUSED && failure != null;
      switch (action.kind()) {
        case PROMOTE, PROMOTE_FULL -> {
          if (!phase.active()) {
            ignored(action);
            return;
          }
          phase = Phase.PROGRESSING;
          userPaused = false;
          failure = null;
          boolean full = action.kind() == Action.Kind.PROMOTE_FULL;
          enterStep(full ? plan.steps().size() : step + 1);
          record(
              full ? "PromotedFull" : "Promoted",
              action.source(),
              action.verb() + " by " + who + ": step " + step + " (" + weight + "%)");
        }
        case PAUSE -> {
          if (phase != Phase.PROGRESSING) {
            ignored(action);
            return;
          }
          phase = Phase.PAUSED;
          userPaused = true;
          record("Paused", action.source(), "paused by " + who + " at step " + step);
        }
        case RESUME -> {
          if (phase != Phase.PAUSED) {
            ignored(action);
            return;
          }
          boolean atOpenPause =
              !userPaused
                  && failure == null
                  && step < plan.steps().size()
                  && plan.steps().get(step) instanceof Pause p
                  && p.duration() == null;
          phase = Phase.PROGRESSING;
          userPaused = false;
          failure = null;
          enterStep(atOpenPause ? step + 1 : step);
          record("Resumed", action.source(), "resumed by " + who + ": step " + step);
        }
        case ABORT -> {
          if (!phase.active()) {
            ignored(action);
            return;
          }
          failure =
              new Failure(
                  RouteCondition.ABORTED,
                  "aborted by " + who + " at step " + step + " (" + weight + "%)");
          rollBack();
          record("Aborted", action.source(), failure.message() + "; rolled back to " + stable);
        }
        case RETRY -> {
          if (phase != Phase.ROLLED_BACK && !failedPause) {
            ignored(action);
            return;
          }
          if (stable.equals(target)) {
            ignored(action);
            return;
          }
          phase = Phase.PROGRESSING;
          userPaused = false;
          failure = null;
          enterStep(0);
          record(
              "Retried",
              action.source(),
              "retry by " + who + ": from step 0, " + stable + " to " + target);
        }
      }
    }

    private void ignored(Action action) {
      record(
          "ActionIgnored",
          action.source(),
          action.verb()
              + " by "
              + action.source().wireName()
              + " does nothing in phase "
              + phase.wireName());
    }

    private void callAgain(Instant at) {
      Instant current = callAgainAt;
      if (current == null || at.isBefore(current)) {
        callAgainAt = at;
      }
    }

    private void record(String reason, Source source, String message) {
      Transition t = new Transition(now, phase, step, reason, source, message);
      transitions.add(t);
      history.add(t);
      while (history.size() > HISTORY) {
        history.remove(0);
      }
    }

    private @Nullable RouteCondition condition() {
      Failure f = failure;
      return switch (phase) {
        case SUCCEEDED -> null;
        case ROLLED_BACK ->
            f == null
                ? new RouteCondition("False", RouteCondition.FAILED, "rolled back")
                : new RouteCondition("False", f.reason(), f.message());
        case PAUSED ->
            f != null
                ? new RouteCondition(
                    "False",
                    f.reason(),
                    f.message() + " (onFailure: Pause, held at step " + step + ")")
                : new RouteCondition(
                    "Unknown",
                    RouteCondition.PAUSED,
                    "paused at step "
                        + step
                        + " of "
                        + plan.steps().size()
                        + " ("
                        + weight
                        + "%): "
                        + (userPaused ? "waiting for resume" : "waiting for promote"));
        case PROGRESSING ->
            new RouteCondition(
                "Unknown",
                RouteCondition.IN_PROGRESS,
                "step "
                    + step
                    + " of "
                    + plan.steps().size()
                    + " ("
                    + weight
                    + "%): serving "
                    + served
                    + ", applied by "
                    + appliedDescription());
      };
    }

    private String appliedDescription() {
      return served.equals(incomingServed)
          ? in.applied().describe()
          : "0 of " + in.applied().connected() + " data planes";
    }
  }
}
