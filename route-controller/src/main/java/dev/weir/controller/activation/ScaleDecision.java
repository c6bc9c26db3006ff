package dev.weir.controller.activation;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * When Weir scales a revision's targets, as a pure function of what it knows now. The rules (issue
 * "scale from zero"):
 *
 * <ul>
 *   <li>Weir writes only 0 → 1 and 1 → 0. A target above 1 belongs to whoever put it there (a
 *       person, HPA, KEDA): never scaled down.
 *   <li><b>Up.</b> On demand (a data plane holds a request for the revision), when no target of the
 *       revision is above 0, one target goes to 1: the one in the cluster preferred for the
 *       requesting data plane's locality (same zone, then same region, then any; ties by cluster
 *       name), skipping clusters whose target cannot be scaled (so the next one is tried).
 *   <li><b>Down.</b> A target at exactly 1 goes to 0 when the revision has been idle (no request
 *       started, in flight or held on any data plane) for its {@code scale-to-zero-after}, counted
 *       from the latest of: its last activity, when the controller first saw the target, and when
 *       Weir last woke it; never while a Rollout is judging the revision or a request is held.
 * </ul>
 */
public final class ScaleDecision {

  private ScaleDecision() {}

  /**
   * One cluster's target of the revision.
   *
   * @param cluster the Weir cluster's name
   * @param locality that cluster's locality
   * @param replicas the target's replicas now; -1 when they could not be read
   * @param scalable false when the last read or write failed (the target is skipped for waking)
   */
  public record Target(String cluster, Locality locality, int replicas, boolean scalable) {
    public Target {
      requireNonNull(cluster, "cluster");
      requireNonNull(locality, "locality");
    }
  }

  /**
   * What is known of one revision.
   *
   * @param targets its targets, one per cluster whose Service of the revision asks to be scaled
   * @param demandFrom the locality of a data plane that asked for the revision since the last
   *     decision (held a request for it); null when none did
   * @param held requests held for it now, over all data planes
   * @param lastActivity when a data plane last reported a request started, in flight or held; null
   *     for never
   * @param idleSince the latest of when the controller first saw the targets and when Weir last
   *     woke one: the idle clock never starts before it
   * @param scaleToZeroAfter the idle time before 1 → 0; null for never
   * @param judged true while a Rollout judges the revision
   */
  public record Inputs(
      List<Target> targets,
      @Nullable Locality demandFrom,
      long held,
      @Nullable Instant lastActivity,
      Instant idleSince,
      @Nullable Duration scaleToZeroAfter,
      boolean judged) {
    public Inputs {
      targets = List.copyOf(targets);
      requireNonNull(idleSince, "idleSince");
    }
  }

  /** Set {@code cluster}'s target to {@code replicas}. */
  public record Action(String cluster, int replicas) {}

  /**
   * The scale writes to make now: at most one 0 → 1 on demand, else any number of 1 → 0.
   *
   * @param now the controller's clock
   */
  public static List<Action> decide(Inputs in, Instant now) {
    requireNonNull(in, "in");
    requireNonNull(now, "now");
    boolean anyUp = in.targets().stream().anyMatch(t -> t.replicas() > 0);
    Locality from = in.demandFrom();
    if ((from != null || in.held() > 0) && !anyUp) {
      Target wake = preferred(in.targets(), from);
      return wake == null ? List.of() : List.of(new Action(wake.cluster(), 1));
    }
    Duration after = in.scaleToZeroAfter();
    if (after == null || in.judged() || in.held() > 0 || from != null) {
      return List.of();
    }
    Instant last = in.idleSince();
    if (in.lastActivity() != null && in.lastActivity().isAfter(last)) {
      last = in.lastActivity();
    }
    if (now.isBefore(last.plus(after))) {
      return List.of();
    }
    List<Action> down = new ArrayList<>();
    for (Target t : in.targets()) {
      if (t.replicas() == 1) {
        down.add(new Action(t.cluster(), 0));
      }
    }
    return down;
  }

  /**
   * The scalable target preferred for a data plane in {@code from}: same zone, same region, any;
   * then by cluster name. Null when none is scalable.
   */
  static @Nullable Target preferred(List<Target> targets, @Nullable Locality from) {
    return targets.stream()
        .filter(Target::scalable)
        .min(
            Comparator.comparingInt((Target t) -> distance(t.locality(), from))
                .thenComparing(Target::cluster))
        .orElse(null);
  }

  /** 0 same zone, 1 same region, 2 elsewhere (or no locality asked for). */
  private static int distance(Locality target, @Nullable Locality from) {
    if (from == null) {
      return 2;
    }
    if (!from.region().isEmpty() && from.region().equals(target.region())) {
      return !from.zone().isEmpty() && from.zone().equals(target.zone()) ? 0 : 1;
    }
    return 2;
  }
}
