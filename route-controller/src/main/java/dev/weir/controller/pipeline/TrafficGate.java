package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Decides, during a build, what a Route governed by something other than its spec serves: a Rollout
 * walks the served split from the one served before to the spec's split step by step. The build
 * asks it once per governed Route whose spec resolved fully, on the build's thread, after resolving
 * the spec's traffic targets (the target split T) and before hosts, upstreams and status.
 *
 * <p>A Route the gate does not govern serves its spec's targets at once, as without a gate. A Route
 * whose generation is invalid or names a missing revision keeps serving what it served before (the
 * gate is not asked).
 */
public interface TrafficGate {

  /** Governs no Route. */
  TrafficGate NONE =
      new TrafficGate() {
        @Override
        public boolean governs(RouteKey route) {
          return false;
        }

        @Override
        public @Nullable Gated gate(RouteObject route, List<ResolvedTarget> target) {
          return null;
        }

        @Override
        public Set<RouteKey> governed() {
          return Set.of();
        }
      };

  /**
   * True when {@link #gate} may change what {@code route} serves. Called for every Route of every
   * build: keep it a lookup.
   */
  boolean governs(RouteKey route);

  /**
   * Every Route {@link #governs} is true for in this build, or null when the gate cannot say (then
   * a build with no input changed still walks every Route). With the set, such a build resolves
   * only these Routes again and keeps every other Route's work: the gate's answers are the only
   * thing that can change then (see {@code ModelBuilder}).
   */
  default @Nullable Set<RouteKey> governed() {
    return null;
  }

  /**
   * What to serve for {@code route} instead of {@code target}.
   *
   * @param target the spec's traffic targets resolved to revisions, in the spec's order
   * @return null to serve {@code target}; else the targets to serve (percents summing to 100; a
   *     revision that is being replaced appears as a {@code revisionName} target) and the condition
   *     the Route's {@code Ready} is composed with
   */
  @Nullable Gated gate(RouteObject route, List<ResolvedTarget> target);

  /**
   * A gate's answer.
   *
   * @param serve the targets to serve
   * @param condition a condition of type {@link #CONDITION_TYPE} shown on the Route and composed
   *     into its {@code Ready}; null for none
   */
  record Gated(List<ResolvedTarget> serve, @Nullable Condition condition) {
    public Gated {
      serve = List.copyOf(serve);
    }
  }

  /**
   * The Route condition a gate adds while it governs what the Route serves: {@code Unknown} while a
   * rollout steps, {@code False} after it failed or was aborted.
   */
  String CONDITION_TYPE = "RolloutReady";

  /** Checks {@code gated} against the rule of {@link #gate}. */
  static Gated check(RouteKey route, Gated gated) {
    requireNonNull(gated, "gated");
    int sum = 0;
    for (ResolvedTarget t : gated.serve()) {
      sum += t.target().percentOrZero();
    }
    if (sum != 100) {
      throw new IllegalStateException(
          "gate of route " + route + ": percents sum to " + sum + " (expected: 100)");
    }
    return gated;
  }
}
