/**
 * Progressive rollouts, as pure code: a Rollout's spec checked into a {@link
 * dev.weir.controller.rollout.RolloutPlan} ({@link dev.weir.controller.rollout.RolloutValidation}),
 * the split arithmetic ({@link dev.weir.controller.rollout.Splits}), the judge of a candidate's
 * window ({@link dev.weir.controller.rollout.Judge}) and the state machine ({@link
 * dev.weir.controller.rollout.RolloutMachine}).
 *
 * <p>How the controller wires it ({@code dev.weir.controller.reconcile.RolloutCoordinator}, the
 * build's traffic gate), per Rollout and per build (a Route change, a data-plane change while a
 * step waits for ACKs, an action, a Prometheus answer, or the last decision's {@code callAgainAt}):
 *
 * <ol>
 *   <li>Check the spec: {@code RolloutValidation.validate(rollout.getSpec())}; errors go to the
 *       Rollout's status as they are (they name the field).
 *   <li>Read the state: the last decision's, or {@code RolloutStatusCodec.fromStatus(status)} after
 *       a restart (null: none yet).
 *   <li>Gather the inputs ({@link dev.weir.controller.rollout.Inputs}): the Route's resolved spec
 *       split T as a {@link dev.weir.controller.rollout.Split} (each resolved target's {@code tag},
 *       revision name and {@code percent}) and its generation; how many connected data planes ACKed
 *       the split {@code state.served()} ({@link dev.weir.controller.rollout.Applied}); the window
 *       numbers from {@code state.analysisWindowStart()} to now for {@code state.candidates()} and,
 *       summed, {@code state.stableRevisions()} ({@link dev.weir.controller.rollout.WindowNumbers},
 *       from the load-report store), and the metric providers' results per candidate ({@code
 *       prometheus.PrometheusProvider}); a user's action.
 *   <li>Call {@code RolloutMachine.next(state, inputs)} and act on the {@link
 *       dev.weir.controller.rollout.Decision}: serve {@code decision.serve()} in the model instead
 *       of T, show its {@code routeCondition} as the Route's {@code Ready}, write {@code
 *       RolloutStatusCodec.toStatus(decision.state(), generation)}, emit one Event per transition,
 *       and schedule a call at {@code callAgainAt}.
 * </ol>
 *
 * <p>Pure: the JDK, the Rollout API records and this package only. Must not depend on fabric8,
 * Spring, {@code dev.weir.xds}, the sources or the store; I/O (the Prometheus HTTP API) lives in
 * the subpackage {@code prometheus} alone.
 */
@NullMarked
package dev.weir.controller.rollout;

import org.jspecify.annotations.NullMarked;
