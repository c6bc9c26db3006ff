package dev.weir.controller.reconcile;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.activation.ScaleDecision;
import dev.weir.controller.activation.Scaler;
import dev.weir.controller.activation.Scaler.ScaleException;
import dev.weir.controller.activation.Scaling;
import dev.weir.controller.pipeline.ActivationView;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.ServiceObject;
import dev.weir.model.Locality;
import dev.weir.xds.lrs.Demand;
import dev.weir.xds.lrs.LoadStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale from zero, the controller's side: wakes a revision whose Service asks for it ({@code
 * weir.dev/scale-target}) when a data plane holds a request for it, and puts it back to zero when
 * it has been idle for its {@code weir.dev/scale-to-zero-after}, by the rules of {@link
 * ScaleDecision}.
 *
 * <p>Demand comes from the data planes' load reports ({@link LoadStore#addDemandListener}): a
 * report holding requests for a revision is handled at once on this controller's own thread (the
 * scale write follows within the time of one read and one write to the cluster), not at the next
 * periodic look, and that look reads only the revisions asked for (so the write does not wait for
 * every other target's read). Every {@code interval} it looks at every revision; a target's
 * replicas are read again when its last read is older than {@link #READ_EVERY} (a Kubernetes
 * cluster gets one {@code GET .../scale} per target per that period, not per look), and read afresh
 * before any write, so a decision never acts on a stale count. What it learns is the {@link
 * ActivationView} the build reads; when it changes, the controller rebuilds, so {@code
 * status.traffic[].activation} and the xDS {@code activation_error} follow.
 *
 * <p>Metrics: {@code weir.controller.scale.operations{direction=up|down,result=ok|error}}.
 */
public final class ScaleController implements ActivationView, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ScaleController.class);

  /** A revision: its namespace and name. */
  record Revision(String namespace, String name) {}

  /** One cluster's target of a revision. */
  record TargetRef(
      String cluster, Locality locality, String deployment, @Nullable Duration scaleToZeroAfter) {}

  /** What this controller remembers of a revision between looks; only its thread touches it. */
  private static final class State {
    final Instant firstSeen;
    @Nullable Instant lastWake;
    final Map<String, Integer> replicas = new HashMap<>();
    final Map<String, String> errors = new HashMap<>();

    /** When each cluster's target was last read. */
    final Map<String, Instant> readAt = new HashMap<>();

    /** The locality of the data plane that last asked for the revision; null: none yet. */
    @Nullable Locality lastDemandFrom;

    /** Periodic looks that saw held requests but no demand event yet (see {@code look}). */
    int heldWithoutDemand;

    State(Instant firstSeen) {
      this.firstSeen = firstSeen;
    }
  }

  private final Map<String, Scaler> scalers;
  private final @Nullable LoadStore loads;
  private final Predicate<Revision> judged;
  private final BooleanSupplier leading;

  /** How often idle revisions are looked at, by default. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

  /**
   * How old a target's last read may be before a periodic look reads it again; reads before a write
   * and on demand are always fresh. Someone else's scale shows within this period.
   */
  public static final Duration READ_EVERY = Duration.ofSeconds(5);

  private final MeterRegistry meters;
  private final Clock clock;
  private final Runnable rebuild;
  private final Duration interval;
  private final ScheduledExecutorService executor;

  /** The revisions to look after and their targets, from the last build's objects. */
  private volatile Map<Revision, List<TargetRef>> targets = Map.of();

  /** Demand since the last look: revision → the locality of the data plane that asked. */
  private final Map<Revision, Locality> demand = new ConcurrentHashMap<>();

  private final AtomicBoolean lookQueued = new AtomicBoolean();

  /** True when the queued look must look at every revision (its targets changed). */
  private final AtomicBoolean fullLookQueued = new AtomicBoolean();

  /** This controller's demand listener, one object so that it can be removed. */
  private final dev.weir.xds.lrs.DemandListener listener = this::demand;

  // Only the executor's thread.
  private final Map<Revision, State> states = new HashMap<>();

  /** What the build reads; replaced whole. */
  private volatile Map<Revision, RevisionScale> view = Map.of();

  /**
   * @param scalers each cluster's scaler, by cluster name (clusters without one are never scaled)
   * @param loads the data planes' load reports; null: no demand and no activity are known, so
   *     nothing is ever woken and idle clocks run from when a target was first seen
   * @param judged true for a revision a Rollout is judging now (never scaled down then)
   * @param leading true while this replica leads (or runs without leader election): only the leader
   *     scales to zero; any replica wakes a revision its data planes ask for
   * @param rebuild asks the controller for a build, when what the build reads changed
   * @param interval how often replicas are read and idle revisions looked at
   */
  public ScaleController(
      Map<String, Scaler> scalers,
      @Nullable LoadStore loads,
      Predicate<Revision> judged,
      BooleanSupplier leading,
      MeterRegistry meters,
      Clock clock,
      Runnable rebuild,
      Duration interval) {
    this.scalers = Map.copyOf(scalers);
    this.loads = loads;
    this.judged = requireNonNull(judged, "judged");
    this.leading = requireNonNull(leading, "leading");
    this.meters = requireNonNull(meters, "meters");
    this.clock = requireNonNull(clock, "clock");
    this.rebuild = requireNonNull(rebuild, "rebuild");
    this.interval = requireNonNull(interval, "interval");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-scale");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the periodic looks and listens for demand. */
  public void start() {
    if (loads != null) {
      loads.addDemandListener(listener);
    }
    executor.scheduleWithFixedDelay(
        this::look, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the revisions to look after from the objects a build read: every Service with valid scale
   * annotations, in a cluster that has a scaler. Cheap when nothing is activatable.
   */
  public void update(List<ClusterObjects> inputs) {
    // The stores hand out the same list while nothing changed: then neither did the targets.
    List<List<ServiceObject>> services = inputs.stream().map(ClusterObjects::services).toList();
    if (sameLists(services, lastServices)) {
      return;
    }
    lastServices = services;
    Map<Revision, List<TargetRef>> next =
        new TreeMap<>(
            java.util.Comparator.comparing(Revision::namespace).thenComparing(Revision::name));
    for (ClusterObjects c : inputs) {
      if (!scalers.containsKey(c.cluster())) {
        continue;
      }
      for (ServiceObject s : c.services()) {
        Scaling scaling = s.scaling();
        if (scaling == null || !scaling.valid()) {
          continue;
        }
        next.computeIfAbsent(new Revision(s.namespace(), s.name()), r -> new ArrayList<>())
            .add(
                new TargetRef(
                    c.cluster(), c.locality(), scaling.deployment(), scaling.scaleToZeroAfter()));
      }
    }
    if (!next.equals(targets)) {
      targets = Map.copyOf(next);
      lookSoon();
    }
  }

  /** The Services lists of the last update, compared by identity. */
  private volatile List<List<ServiceObject>> lastServices = List.of();

  private static boolean sameLists(List<List<ServiceObject>> a, List<List<ServiceObject>> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public @Nullable RevisionScale scale(String namespace, String revision) {
    return view.get(new Revision(namespace, revision));
  }

  private void demand(Demand d) {
    Revision r = new Revision(d.namespace(), d.revision());
    if (!targets.containsKey(r)) {
      return;
    }
    demand.put(r, d.nodeLocality());
    lookSoon(true);
  }

  private void lookSoon() {
    lookSoon(false);
  }

  /**
   * Queues one look on this controller's thread: at the demanded revisions only when {@code
   * demandedOnly}, else at all (a queued full look covers a demand look).
   */
  private void lookSoon(boolean demandedOnly) {
    if (!demandedOnly) {
      fullLookQueued.set(true);
    }
    if (lookQueued.compareAndSet(false, true)) {
      try {
        executor.execute(
            () -> {
              lookQueued.set(false);
              if (fullLookQueued.getAndSet(false)) {
                look();
              } else {
                lookDemanded();
              }
            });
      } catch (RejectedExecutionException e) {
        lookQueued.set(false); // closed
      }
    }
  }

  /** One look at every revision: read replicas, decide, write, publish the view. */
  private void look() {
    try {
      Instant now = clock.instant();
      Map<Revision, List<TargetRef>> all = targets;
      states.keySet().retainAll(all.keySet());
      Map<Revision, RevisionScale> next = new HashMap<>();
      for (Map.Entry<Revision, List<TargetRef>> e : all.entrySet()) {
        next.put(e.getKey(), look(e.getKey(), e.getValue(), now));
      }
      publish(Map.copyOf(next));
    } catch (RuntimeException e) {
      log.error("scale look failed; will look again", e);
    }
  }

  /** A look at the revisions data planes asked for since the last look, and at no other. */
  private void lookDemanded() {
    try {
      Instant now = clock.instant();
      Map<Revision, List<TargetRef>> all = targets;
      Map<Revision, RevisionScale> next = new HashMap<>(view);
      for (Revision r : List.copyOf(demand.keySet())) {
        List<TargetRef> refs = all.get(r);
        if (refs == null) {
          demand.remove(r);
          continue;
        }
        next.put(r, look(r, refs, now));
      }
      next.keySet().retainAll(all.keySet());
      publish(Map.copyOf(next));
    } catch (RuntimeException e) {
      log.error("scale look failed; will look again", e);
    }
  }

  private void publish(Map<Revision, RevisionScale> published) {
    if (!published.equals(view)) {
      view = published;
      rebuild.run();
    }
  }

  private RevisionScale look(Revision r, List<TargetRef> refs, Instant now) {
    State st = states.computeIfAbsent(r, k -> new State(now));
    Locality from = demand.remove(r);
    boolean fresh = from != null;
    for (TargetRef t : refs) {
      Instant readAt = st.readAt.get(t.cluster());
      if (fresh
          || readAt == null
          || st.errors.containsKey(t.cluster())
          || !readAt.plus(READ_EVERY).isAfter(now)) {
        read(r, t, st, now);
      }
    }
    LoadStore l = loads;
    long held = l == null ? 0 : l.held(r.namespace(), r.name());
    if (from == null) {
      // A data plane's held count is stored just before its demand is told: a demand that landed
      // during the reads is taken now.
      from = demand.remove(r);
    }
    boolean deferWake = false;
    if (from != null) {
      st.lastDemandFrom = from;
      st.heldWithoutDemand = 0;
    } else if (held > 0) {
      if (st.lastDemandFrom != null) {
        from = st.lastDemandFrom; // still held: wake where it was asked for, not by name
      } else if (st.heldWithoutDemand++ < 2) {
        deferWake = true; // its demand (with the locality) follows at once; wake on that
      }
    }
    Instant lastActivity = l == null ? null : l.lastActivity(r.namespace(), r.name());
    Instant idleSince =
        st.lastWake != null && st.lastWake.isAfter(st.firstSeen) ? st.lastWake : st.firstSeen;
    Duration after = null;
    for (TargetRef t : refs) {
      if (t.scaleToZeroAfter() != null
          && (after == null || t.scaleToZeroAfter().compareTo(after) > 0)) {
        after = t.scaleToZeroAfter();
      }
    }
    boolean isJudged = judged.test(r);
    boolean mayWrite = leading.getAsBoolean();
    // A failed write marks its target unscalable; deciding again falls back to the next cluster.
    for (int attempt = 0; attempt <= refs.size(); attempt++) {
      List<ScaleDecision.Target> known = new ArrayList<>();
      for (TargetRef t : refs) {
        known.add(
            new ScaleDecision.Target(
                t.cluster(),
                t.locality(),
                st.replicas.getOrDefault(t.cluster(), -1),
                !st.errors.containsKey(t.cluster())));
      }
      List<ScaleDecision.Action> actions =
          ScaleDecision.decide(
              new ScaleDecision.Inputs(known, from, held, lastActivity, idleSince, after, isJudged),
              now);
      if (deferWake) {
        actions = actions.stream().filter(a -> a.replicas() == 0).toList();
      }
      if (!actions.isEmpty() && !fresh) {
        // Decided on reads up to READ_EVERY old: read every target now and decide again.
        fresh = true;
        for (TargetRef t : refs) {
          read(r, t, st, now);
        }
        attempt--;
        continue;
      }
      boolean failed = false;
      for (ScaleDecision.Action a : actions) {
        // Any replica wakes a revision a data plane connected to it asks for (0 → 1 is safe from
        // anyone: the write is conditional on the version read); only the leader puts to sleep.
        if (a.replicas() == 0 && !mayWrite) {
          continue;
        }
        failed |= !write(r, refs, a, st, now);
      }
      if (!failed) {
        break;
      }
    }
    int replicas = st.replicas.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    String error = "";
    if (!refs.isEmpty() && refs.stream().allMatch(t -> st.errors.containsKey(t.cluster()))) {
      error = st.errors.get(refs.get(0).cluster());
    }
    return new RevisionScale(replicas, error == null ? "" : error);
  }

  private void read(Revision r, TargetRef t, State st, Instant now) {
    Scaler scaler = scalers.get(t.cluster());
    if (scaler == null) {
      return;
    }
    st.readAt.put(t.cluster(), now);
    try {
      st.replicas.put(t.cluster(), scaler.replicas(r.namespace(), t.deployment()));
      st.errors.remove(t.cluster());
    } catch (ScaleException e) {
      st.replicas.remove(t.cluster());
      st.errors.put(t.cluster(), e.getMessage());
    } catch (RuntimeException e) {
      st.replicas.remove(t.cluster());
      st.errors.put(t.cluster(), "deployment/" + t.deployment() + ": " + e);
    }
  }

  /** Makes one scale write; false when it failed (the target is then marked unscalable). */
  private boolean write(
      Revision r, List<TargetRef> refs, ScaleDecision.Action a, State st, Instant now) {
    TargetRef t =
        refs.stream().filter(x -> x.cluster().equals(a.cluster())).findFirst().orElseThrow();
    Scaler scaler = requireNonNull(scalers.get(t.cluster()), "scaler");
    String direction = a.replicas() > 0 ? "up" : "down";
    try {
      scaler.scale(r.namespace(), t.deployment(), a.replicas());
      st.replicas.put(t.cluster(), a.replicas());
      if (a.replicas() > 0) {
        st.lastWake = now;
      }
      count(direction, "ok");
      log.info(
          "revision {}/{}: scaled deployment/{} in cluster {} to {} ({})",
          r.namespace(),
          r.name(),
          t.deployment(),
          t.cluster(),
          a.replicas(),
          a.replicas() > 0 ? "demand" : "idle");
      return true;
    } catch (ScaleException | RuntimeException e) {
      st.errors.put(t.cluster(), e.getMessage() == null ? e.toString() : e.getMessage());
      count(direction, "error");
      log.warn(
          "revision {}/{}: cannot scale deployment/{} in cluster {} to {}: {}",
          r.namespace(),
          r.name(),
          t.deployment(),
          t.cluster(),
          a.replicas(),
          e.getMessage());
      return false;
    }
  }

  private void count(String direction, String result) {
    Counter.builder("weir.controller.scale.operations")
        .description("Scale writes Weir made to revisions' targets (scale from zero)")
        .tag("direction", direction)
        .tag("result", result)
        .register(meters)
        .increment();
  }

  /** The revisions looked after, for tests and the admin API. */
  Set<Revision> revisions() {
    return targets.keySet();
  }

  @Override
  public void close() {
    if (loads != null) {
      loads.removeDemandListener(listener);
    }
    executor.shutdownNow();
  }
}
