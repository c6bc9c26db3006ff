package dev.weir.controller.rollout;

import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link RolloutState} into a Rollout's status and reads it back, so that a restarted
 * controller or a new leader goes on where the last one was. What is written is read back equal,
 * except that non-finite numbers of verdict checks are written as absent (JSON has no NaN) and
 * times keep their full precision as RFC 3339 strings.
 */
public final class RolloutStatusCodec {

  private RolloutStatusCodec() {}

  /**
   * The status for {@code state}.
   *
   * @param observedGeneration the Rollout generation the state was decided from, or null
   */
  public static RolloutStatus toStatus(RolloutState state, @Nullable Long observedGeneration) {
    List<RolloutStatus.ClusterApplied> clusters = new ArrayList<>();
    state
        .applied()
        .byCluster()
        .forEach(
            (c, n) ->
                clusters.add(new RolloutStatus.ClusterApplied(c, n.applied(), n.connected())));
    List<RolloutStatus.Verdict> verdicts = new ArrayList<>();
    for (Verdict v : state.verdicts()) {
      List<RolloutStatus.Check> checks = new ArrayList<>();
      for (Verdict.Check c : v.checks()) {
        checks.add(
            new RolloutStatus.Check(
                c.metric(),
                c.cluster(),
                finite(c.value()),
                c.threshold(),
                c.stableValue(),
                c.requests(),
                c.outcome().wireName(),
                c.reason()));
      }
      verdicts.add(
          new RolloutStatus.Verdict(
              v.revision(),
              v.outcome().wireName(),
              v.reason(),
              v.window().isZero() ? "0s" : GoDuration.format(v.window()),
              checks));
    }
    List<RolloutStatus.HistoryEntry> history = new ArrayList<>();
    for (Transition t : state.history()) {
      history.add(
          new RolloutStatus.HistoryEntry(
              t.at().toString(),
              t.phase().wireName(),
              t.step(),
              t.reason(),
              t.source().wireName(),
              t.message()));
    }
    RolloutState.Failure failure = state.failure();
    Instant started = state.stepStartedAt();
    return new RolloutStatus(
        observedGeneration,
        state.phase().wireName(),
        state.step(),
        state.weight(),
        traffic(state.stable()),
        traffic(state.target()),
        state.targetGeneration(),
        traffic(state.served()),
        state.decidedAt().toString(),
        started == null ? null : started.toString(),
        state.userPaused() ? Boolean.TRUE : null,
        failure == null ? null : failure.reason(),
        failure == null ? null : failure.message(),
        new RolloutStatus.Applied(
            state.applied().applied(),
            state.applied().connected(),
            state.applied().nacked(),
            clusters),
        verdicts,
        history,
        state.lastAction());
  }

  /**
   * The state in {@code status}; null when the status holds none (no phase yet).
   *
   * @throws IllegalArgumentException when the status is malformed (a split that does not sum to
   *     100, an unknown phase, a bad time)
   */
  public static @Nullable RolloutState fromStatus(@Nullable RolloutStatus status) {
    if (status == null || status.phase() == null) {
      return null;
    }
    RolloutStatus.Applied a = status.applied();
    Applied applied = Applied.of(0, 0);
    if (a != null) {
      Map<String, Applied.ClusterCount> clusters = new LinkedHashMap<>();
      for (RolloutStatus.ClusterApplied c : a.clusters()) {
        clusters.put(
            c.cluster(), new Applied.ClusterCount(orZero(c.applied()), orZero(c.connected())));
      }
      applied =
          new Applied(
              orZero(a.applied()),
              orZero(a.connected()),
              Boolean.TRUE.equals(a.nacked()),
              clusters);
    }
    List<Verdict> verdicts = new ArrayList<>();
    for (RolloutStatus.Verdict v : status.verdicts()) {
      List<Verdict.Check> checks = new ArrayList<>();
      for (RolloutStatus.Check c : v.checks()) {
        checks.add(
            new Verdict.Check(
                c.metric(),
                c.cluster(),
                c.value() == null ? Double.NaN : c.value(),
                c.threshold(),
                c.stableValue(),
                c.requests() == null ? 0 : c.requests(),
                Verdict.Outcome.ofWireName(c.outcome()),
                c.reason()));
      }
      verdicts.add(
          new Verdict(
              v.revision(),
              Verdict.Outcome.ofWireName(v.verdict()),
              v.reason(),
              v.window() == null || v.window().equals("0s")
                  ? Duration.ZERO
                  : GoDuration.parse(v.window()),
              checks));
    }
    List<Transition> history = new ArrayList<>();
    for (RolloutStatus.HistoryEntry h : status.history()) {
      history.add(
          new Transition(
              Instant.parse(h.time()),
              Phase.ofWireName(h.phase()),
              orZero(h.step()),
              h.reason(),
              Source.ofWireName(h.source()),
              h.message()));
    }
    return new RolloutState(
        Phase.ofWireName(status.phase()),
        orZero(status.currentStep()),
        orZero(status.currentWeight()),
        split(status.stableTraffic()),
        split(status.targetTraffic()),
        status.targetGeneration() == null ? 0 : status.targetGeneration(),
        split(status.traffic()),
        Instant.parse(status.decidedAt()),
        status.stepStartedAt() == null ? null : Instant.parse(status.stepStartedAt()),
        Boolean.TRUE.equals(status.userPaused()),
        status.failureReason() == null
            ? null
            : new RolloutState.Failure(
                status.failureReason(),
                status.failureMessage() == null ? "" : status.failureMessage()),
        applied,
        verdicts,
        history,
        status.lastAction());
  }

  /** {@code split} as {@code status.traffic} entries (tag, revision name, percent). */
  public static List<TrafficStatus> traffic(Split split) {
    List<TrafficStatus> out = new ArrayList<>();
    for (SplitEntry e : split.entries()) {
      out.add(new TrafficStatus(e.tag(), e.revision(), null, null, e.percent(), null));
    }
    return out;
  }

  /** The split of {@code status.traffic}-shaped entries. */
  public static Split split(List<TrafficStatus> traffic) {
    List<SplitEntry> entries = new ArrayList<>();
    for (TrafficStatus t : traffic) {
      entries.add(new SplitEntry(t.tag(), t.revisionName(), t.percent() == null ? 0 : t.percent()));
    }
    return new Split(entries);
  }

  private static @Nullable Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static int orZero(@Nullable Integer v) {
    return v == null ? 0 : v;
  }
}
