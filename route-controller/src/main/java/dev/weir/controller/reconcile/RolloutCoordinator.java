package dev.weir.controller.reconcile;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.BuildResult;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.ResolvedTarget;
import dev.weir.controller.pipeline.RolloutObject;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.ServedRoute;
import dev.weir.controller.pipeline.TrafficGate;
import dev.weir.controller.rollout.Action;
import dev.weir.controller.rollout.Applied;
import dev.weir.controller.rollout.Decision;
import dev.weir.controller.rollout.Inputs;
import dev.weir.controller.rollout.MetricResult;
import dev.weir.controller.rollout.Observations;
import dev.weir.controller.rollout.Phase;
import dev.weir.controller.rollout.RolloutMachine;
import dev.weir.controller.rollout.RolloutPlan;
import dev.weir.controller.rollout.RolloutState;
import dev.weir.controller.rollout.RolloutStatusCodec;
import dev.weir.controller.rollout.RolloutValidation;
import dev.weir.controller.rollout.RouteCondition;
import dev.weir.controller.rollout.Split;
import dev.weir.controller.rollout.SplitEntry;
import dev.weir.controller.rollout.Transition;
import dev.weir.controller.rollout.Verdict;
import dev.weir.controller.rollout.WindowNumbers;
import dev.weir.controller.rollout.prometheus.PrometheusProvider;
import dev.weir.controller.status.RolloutTarget;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.Nack;
import dev.weir.xds.lrs.LatencyHistogram;
import dev.weir.xds.lrs.LoadStore;
import dev.weir.xds.lrs.LoadTotals;
import dev.weir.xds.lrs.LoadWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the Rollouts of the config clusters: the {@link TrafficGate} of every build, so that a
 * governed Route serves the split its Rollout decided instead of its spec's, and everything a
 * decision sets off (status, Events, the state file, metrics, the next look).
 *
 * <p>Per build, on the rebuild loop's thread: {@link #prepare} reads the Rollouts of the build's
 * inputs and the actions asked since; the build asks {@link #gate} once per governed Route with its
 * spec split resolved (T), which gathers the inputs of {@link RolloutMachine#next} (the data
 * planes' ACKs of the split served now, the load reports of the open analysis window, the
 * Prometheus metrics last fetched, one action) and serves the decision's split; {@link #built}
 * commits the decisions and hands their effects to a writer thread. A decision's {@code
 * callAgainAt}, a data plane's ACK while a step waits for one, an action and a Prometheus answer
 * each ask the loop for a build: the loop batches them, and a build with no input changed costs one
 * pass over the memo.
 *
 * <p>A controller that may not write a cluster's status (Kubernetes, not the leader) does not
 * decide: it serves the split the leader's status records, so every replica serves the same.
 */
public final class RolloutCoordinator implements TrafficGate, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RolloutCoordinator.class);

  /** How long an admin API action waits for the build that decides it. */
  public static final Duration ACTION_TIMEOUT = Duration.ofSeconds(10);

  /** How often Prometheus metrics are fetched again while a window is open. */
  public static final Duration METRICS_REFRESH = Duration.ofSeconds(5);

  /**
   * How long an ACK that completes no waiting step waits before a build shows it (the Rollout's
   * {@code applied}, n of m): the other data planes' ACKs usually follow within it, and then one
   * build shows them all, so that a step costs one build for its decision and one for its last ACK
   * instead of one per data plane. An ACK that completes a step, a NACK and a data plane connecting
   * or leaving ask for a build at once.
   */
  public static final Duration PARTIAL_ACK_DELAY = Duration.ofMillis(250);

  /** A Rollout as the admin API shows it. */
  public record RolloutView(
      String cluster,
      String namespace,
      String name,
      @Nullable String route,
      long generation,
      @Nullable String phase,
      @Nullable Integer step,
      @Nullable Integer weight,
      List<TrafficStatus> split,
      List<TrafficStatus> stable,
      List<TrafficStatus> target,
      RolloutStatus.@Nullable Applied applied,
      List<RolloutStatus.Verdict> verdicts,
      List<RolloutStatus.HistoryEntry> history,
      @Nullable String decidedAt,
      @Nullable String stepStartedAt,
      @Nullable String message,
      List<String> errors) {}

  /** What an action got. */
  public record ActionResult(
      int httpStatus, @Nullable RolloutView rollout, @Nullable String error) {}

  private static final class Entry {
    final RouteKey key;
    RolloutObject object;
    RolloutValidation.Result validation;
    @Nullable RolloutState state;
    @Nullable RolloutStatus written;
    @Nullable Decision pending; // decided in the build under way
    @Nullable Action pendingAction;
    @Nullable CompletableFuture<ActionResult> pendingReply;
    @Nullable ScheduledFuture<?> timer;
    @Nullable Instant timerAt;
    @Nullable String conflict; // another Rollout governs its Route (set when the Rollouts change)
    @Nullable String problem; // why it decides nothing in this build (conflict, no Route, ...)
    // Prometheus results per candidate for the window starting at metricsWindow.
    @Nullable Instant metricsWindow;
    @Nullable Instant metricsAt;
    boolean metricsInFlight;
    Map<String, List<MetricResult>> metrics = Map.of();
    final List<io.micrometer.core.instrument.Meter.Id> meters = new ArrayList<>();
    final Map<String, Double> gaugeValues = new ConcurrentHashMap<>();

    Entry(RouteKey key, RolloutObject object) {
      this.key = key;
      this.object = object;
      this.validation = RolloutValidation.validate(object.spec());
    }
  }

  private record Asked(
      String namespace, String name, Action action, CompletableFuture<ActionResult> reply) {}

  private final Map<String, RolloutTarget> targets;
  private final DataPlaneRegistry registry;
  private final @Nullable LoadStore loads;
  private final @Nullable PrometheusProvider prometheus;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Runnable requestBuild;
  private final Runnable requestBuildNow;
  private final ScheduledExecutorService timers;
  private final ExecutorService writer;
  private final ExecutorService queries;
  private final Timer stepApply;

  // Loop thread only.
  private final Map<RouteKey, Entry> entries = new HashMap<>();
  private final Map<RouteKey, Entry> byRoute = new HashMap<>();
  // Routes whose Rollout went (deleted, or it names another Route now): still "governed" for the
  // build that lets them go, so that the build resolves them anew and serves their spec at once
  // rather than the gated split its memo holds.
  private final Set<RouteKey> released = new HashSet<>();
  // Rollouts deleted in this run: one created again never takes the recorded state, even if the
  // writer has not yet removed it from the target.
  private final Set<RouteKey> forgotten = new HashSet<>();
  private List<List<RolloutObject>> seenLists = List.of();
  private Map<RouteKey, ServedRoute> lastServed = Map.of();
  private Set<String> staleClusters = Set.of();
  private List<DataPlane> dataPlanes = List.of();
  private Instant now = Instant.EPOCH;

  private final ConcurrentLinkedQueue<Asked> asked = new ConcurrentLinkedQueue<>();
  private volatile boolean awaitingAcks;
  // What the last build saw of the data planes, for the steps that wait for ACKs: set before
  // awaitingAcks, read by the registry's listener on any thread.
  private volatile @Nullable AckWatch ackWatch;
  private final Object partialLock = new Object();
  private @Nullable ScheduledFuture<?> partialBuild; // guarded by partialLock
  private volatile List<RolloutView> views = List.of();
  private final Map<RouteKey, AtomicReference<RolloutStatus>> toWrite = new ConcurrentHashMap<>();

  /**
   * @param targets where each config cluster's Rollout state goes, by cluster name
   * @param loads the data planes' load reports; null: no window ever has numbers (Inconclusive)
   * @param prometheus runs {@code analysis.metrics[]}; null: those metrics are Inconclusive
   * @param requestBuild asks the rebuild loop for a build; never blocks
   * @param requestBuildNow asks the rebuild loop for a build without its hold-off (the last ACK of
   *     a step: the step is timed to that build); never blocks
   */
  public RolloutCoordinator(
      Map<String, RolloutTarget> targets,
      DataPlaneRegistry registry,
      @Nullable LoadStore loads,
      @Nullable PrometheusProvider prometheus,
      MeterRegistry meters,
      Clock clock,
      Runnable requestBuild,
      Runnable requestBuildNow) {
    this.targets = Map.copyOf(targets);
    this.registry = requireNonNull(registry, "registry");
    this.loads = loads;
    this.prometheus = prometheus;
    this.meters = requireNonNull(meters, "meters");
    this.clock = requireNonNull(clock, "clock");
    this.requestBuild = requireNonNull(requestBuild, "requestBuild");
    this.requestBuildNow = requireNonNull(requestBuildNow, "requestBuildNow");
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("weir-rollout-timer"));
    this.writer = Executors.newSingleThreadExecutor(daemon("weir-rollout-writer"));
    this.queries = Executors.newFixedThreadPool(2, daemon("weir-rollout-metrics"));
    this.stepApply =
        Timer.builder("weir.rollout.step.apply")
            .description(
                "Time from a rollout step's decision to every connected data plane applying it")
            .publishPercentileHistogram()
            .register(meters);
    registry.addListener(this::dataPlanesChanged);
  }

  /**
   * The registry's listener (any thread): while a step waits for ACKs, a change that can decide it
   * (see {@link AckWatch#decides}) asks for a build at once; an ACK short of every data plane asks
   * for one after {@link #PARTIAL_ACK_DELAY}; a change that moves no count asks for none.
   */
  private void dataPlanesChanged() {
    if (!awaitingAcks) {
      return;
    }
    AckWatch watch = ackWatch;
    List<DataPlane> now = registry.dataPlanes();
    if (watch == null || watch.decides(now)) {
      requestBuildNow.run();
    } else if (watch.progressed(now)) {
      requestBuildSoon();
    }
  }

  private void requestBuildSoon() {
    synchronized (partialLock) {
      if (partialBuild != null && !partialBuild.isDone()) {
        return;
      }
      try {
        partialBuild =
            timers.schedule(requestBuild, PARTIAL_ACK_DELAY.toNanos(), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // closed
      }
    }
  }

  /**
   * What the data planes had applied when a build ended, against the model revisions the steps
   * waiting for ACKs were first served in ({@code Long.MAX_VALUE}: not served yet).
   */
  private record AckWatch(List<Long> since, Set<String> staleClusters, Seen seen) {

    /** The counted data planes (not of stale clusters) and what they applied and rejected. */
    record Seen(Map<String, Long> applied, Map<String, Optional<Nack>> nacks) {}

    static Seen see(List<DataPlane> dataPlanes, Set<String> staleClusters) {
      Map<String, Long> applied = new HashMap<>();
      Map<String, Optional<Nack>> nacks = new HashMap<>();
      for (DataPlane d : dataPlanes) {
        if (!staleClusters.contains(d.nodeCluster())) {
          applied.put(d.nodeId(), d.appliedModelRevision());
          nacks.put(d.nodeId(), d.lastNack());
        }
      }
      return new Seen(applied, nacks);
    }

    /**
     * True when {@code now} may change a decision: a data plane connected or left, one has a new
     * NACK, or every counted data plane has applied a waiting step (or a step is not served yet).
     */
    boolean decides(List<DataPlane> now) {
      Seen s = see(now, staleClusters);
      if (!s.applied().keySet().equals(seen.applied().keySet())
          || !s.nacks().equals(seen.nacks())) {
        return true;
      }
      for (long r : since) {
        if (r == Long.MAX_VALUE || count(s, r) == s.applied().size()) {
          return true;
        }
      }
      return false;
    }

    /** True when more data planes have applied a waiting step than the build saw (n of m). */
    boolean progressed(List<DataPlane> now) {
      Seen s = see(now, staleClusters);
      for (long r : since) {
        if (count(s, r) != count(seen, r)) {
          return true;
        }
      }
      return false;
    }

    private static int count(Seen s, long since) {
      int n = 0;
      for (long applied : s.applied().values()) {
        if (applied >= since) {
          n++;
        }
      }
      return n;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------- admin API (any thread)

  /**
   * Every Rollout of every config cluster, as of the last build, sorted by cluster, namespace,
   * name.
   */
  public List<RolloutView> rollouts() {
    return views;
  }

  /**
   * Asks for {@code action} on the Rollout {@code namespace}/{@code name} (in every config cluster
   * that has one) and waits for the build that decides it.
   *
   * @return 200 with the Rollout after the decision, 404 when there is no such Rollout, 409 when no
   *     decision came (the Rollout governs no resolvable Route now, or this replica does not lead)
   */
  public ActionResult act(String namespace, String name, Action action) {
    boolean known =
        views.stream().anyMatch(v -> v.namespace().equals(namespace) && v.name().equals(name));
    if (!known) {
      return new ActionResult(
          404, null, "rollout " + namespace + "/" + name + ": not found in any config cluster");
    }
    CompletableFuture<ActionResult> reply = new CompletableFuture<>();
    asked.add(new Asked(namespace, name, action, reply));
    requestBuild.run();
    try {
      return reply.get(ACTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return new ActionResult(
          409,
          null,
          "rollout " + namespace + "/" + name + ": no decision within " + ACTION_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ActionResult(503, null, "interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      return new ActionResult(500, null, String.valueOf(e.getCause()));
    }
  }

  // ---------------------------------------------------------------- the build (loop thread)

  /**
   * Before a build: reads the inputs' Rollouts (config clusters only) and the actions asked since
   * the last build.
   *
   * @param last the last build's result, or null: what each Route served and since which model
   */
  public void prepare(List<ClusterObjects> inputs, @Nullable BuildResult last) {
    now = clock.instant();
    lastServed = last == null ? Map.of() : last.state().served();
    dataPlanes = registry.dataPlanes();
    Set<String> stale = new HashSet<>();
    List<List<RolloutObject>> lists = new ArrayList<>();
    for (ClusterObjects c : inputs) {
      if (c.stale()) {
        stale.add(c.cluster());
      }
      if (c.config()) {
        lists.add(c.rollouts());
      }
    }
    staleClusters = stale;
    if (!sameLists(lists, seenLists)) {
      index(lists);
      seenLists = lists;
      forgetAbsent(inputs);
    }
    for (Entry e : entries.values()) {
      e.problem = e.conflict;
    }
    for (Asked a; (a = asked.poll()) != null; ) {
      boolean found = false;
      for (Entry e : entries.values()) {
        if (e.key.namespace().equals(a.namespace()) && e.key.name().equals(a.name())) {
          found = true;
          if (e.pendingReply != null) {
            e.pendingReply.complete(new ActionResult(409, view(e), "superseded by a later action"));
          }
          e.pendingAction = a.action();
          e.pendingReply = a.reply();
        }
      }
      if (!found) {
        a.reply()
            .complete(
                new ActionResult(
                    404, null, "rollout " + a.namespace() + "/" + a.name() + ": not found"));
      }
    }
  }

  private static boolean sameLists(List<List<RolloutObject>> a, List<List<RolloutObject>> b) {
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

  /**
   * Drops the recorded state of each config cluster's Rollouts that are not there (deleted while no
   * controller ran); a stale cluster's objects may be incomplete, so it keeps its state.
   */
  private void forgetAbsent(List<ClusterObjects> inputs) {
    for (ClusterObjects c : inputs) {
      RolloutTarget target = targets.get(c.cluster());
      if (!c.config() || c.stale() || target == null) {
        continue;
      }
      Set<RouteKey> present = new HashSet<>();
      c.rollouts().forEach(o -> present.add(o.key()));
      String cluster = c.cluster();
      writer.execute(
          () -> {
            try {
              target.forgetAllBut(cluster, present);
            } catch (RuntimeException ex) {
              log.warn(
                  "rollouts of {}: could not drop deleted ones' state: {}", cluster, ex.toString());
            }
          });
    }
  }

  private void index(List<List<RolloutObject>> lists) {
    Set<RouteKey> present = new HashSet<>();
    for (List<RolloutObject> list : lists) {
      for (RolloutObject o : list) {
        present.add(o.key());
        Entry e = entries.get(o.key());
        if (e == null) {
          e = new Entry(o.key(), o);
          e.state = restored(o, forgotten.remove(o.key()));
          entries.put(o.key(), e);
          log.info(
              "rollout {}: governs route {}{}",
              o.key(),
              o.routeKey() == null ? "(none)" : o.routeKey().name(),
              e.state == null ? "" : ", continuing in phase " + e.state.phase().wireName());
        } else if (e.object != o) {
          if (!Objects.equals(e.object.spec(), o.spec())) {
            e.validation = RolloutValidation.validate(o.spec());
          }
          e.object = o;
        }
      }
    }
    for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
      Entry e = it.next().getValue();
      if (!present.contains(e.key)) {
        it.remove();
        forget(e);
      }
    }
    // Which Rollout governs which Route: the oldest (creation time to the second, as Kubernetes
    // keeps it; then name) of those naming it. Folder objects created in one scan tie on time.
    released.addAll(byRoute.keySet());
    byRoute.clear();
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(
        java.util.Comparator.comparing(
                (Entry e) -> e.object.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
            .thenComparing(e -> e.key.name()));
    for (Entry e : sorted) {
      RouteKey route = e.object.routeKey();
      e.conflict = null;
      if (route == null) {
        continue;
      }
      released.remove(route);
      Entry first = byRoute.putIfAbsent(route, e);
      if (first != null) {
        e.conflict =
            "route "
                + route.name()
                + " is governed by rollout "
                + first.key.name()
                + " (the older one); this one is ignored";
      }
    }
  }

  /**
   * The state a Rollout met for the first time continues from: its status, else what its target
   * recorded ({@code deleted}: it was deleted in this run, so what was recorded is no longer its).
   */
  private @Nullable RolloutState restored(RolloutObject o, boolean deleted) {
    RolloutStatus status = o.status();
    if (status == null && !deleted) {
      RolloutTarget t = targets.get(o.key().cluster());
      if (t != null) {
        status = t.recorded(o.key());
      }
    }
    try {
      return RolloutStatusCodec.fromStatus(status);
    } catch (RuntimeException e) {
      log.warn(
          "rollout {}: its recorded state does not read ({}); starting without",
          o.key(),
          e.toString());
      return null;
    }
  }

  private void forget(Entry e) {
    ScheduledFuture<?> t = e.timer;
    if (t != null) {
      t.cancel(false);
    }
    if (e.pendingReply != null) {
      e.pendingReply.complete(new ActionResult(404, null, "rollout " + e.key + " was deleted"));
    }
    e.meters.forEach(meters::remove);
    toWrite.remove(e.key);
    forgotten.add(e.key);
    RolloutTarget target = targets.get(e.key.cluster());
    if (target != null) {
      RouteKey key = e.key;
      writer.execute(
          () -> {
            try {
              target.forget(key);
            } catch (RuntimeException ex) {
              log.warn("rollout {}: could not drop its state: {}", key, ex.toString());
            }
          });
    }
    log.info("rollout {}: deleted; route {} serves its spec", e.key, e.object.routeKey());
  }

  @Override
  public boolean governs(RouteKey route) {
    return byRoute.containsKey(route) || released.contains(route);
  }

  @Override
  public Set<RouteKey> governed() {
    if (released.isEmpty()) {
      return byRoute.keySet();
    }
    Set<RouteKey> all = new HashSet<>(byRoute.keySet());
    all.addAll(released);
    return all;
  }

  @Override
  public @Nullable Gated gate(RouteObject route, List<ResolvedTarget> target) {
    Entry e = byRoute.get(route.key());
    if (e == null) {
      return null;
    }
    Split t;
    try {
      t = split(target);
    } catch (IllegalArgumentException ex) {
      e.problem = "route " + route.key().name() + ": " + ex.getMessage() + " (not governed)";
      return null;
    }
    RolloutTarget out = targets.get(e.key.cluster());
    if (out != null && !out.mayWrite()) {
      // Not the leader: serve what the leader recorded.
      RolloutState recorded = restored(e.object, false);
      e.state = recorded;
      return recorded == null
          ? null
          : new Gated(targets(recorded.served(), target), condition(recorded));
    }
    RolloutPlan plan = e.validation.plan();
    if (plan == null) {
      RolloutState held = e.state;
      e.problem = "spec: " + String.join("; ", e.validation.errors());
      if (held == null) {
        return null;
      }
      return new Gated(
          targets(held.served(), target),
          new Condition(
              TrafficGate.CONDITION_TYPE,
              Condition.UNKNOWN,
              "RolloutInvalid",
              "rollout " + e.key.name() + " is invalid, holding its current step: " + e.problem,
              null));
    }
    RolloutState state = e.state;
    Action action = e.pendingAction;
    if (action == null && e.object.action() != null) {
      String value = e.object.action();
      if (state == null || !value.equals(state.lastAction())) {
        try {
          action = Action.annotation(value);
        } catch (IllegalArgumentException ex) {
          e.problem = ex.getMessage();
        }
      }
    }
    Inputs in =
        new Inputs(
            plan,
            t,
            route.generation(),
            applied(route.key(), state),
            observations(e, route.key(), plan, state),
            action,
            now);
    Decision d;
    try {
      d = RolloutMachine.next(state, in);
    } catch (RuntimeException ex) {
      // A bug must not stop every Route's build: hold what is served, say so.
      log.error("rollout {}: decision failed; holding the split served now", e.key, ex);
      e.problem = "decision failed: " + ex;
      return state == null ? null : new Gated(targets(state.served(), target), condition(state));
    }
    e.pending = d;
    return new Gated(targets(d.serve(), target), condition(d.routeCondition()));
  }

  /**
   * After the build: commits its decisions, writes what changed, answers the actions it decided,
   * schedules the next looks and publishes the views.
   */
  public void built(BuildResult result) {
    lastServed = result.state().served();
    released.clear();
    boolean waiting = false;
    for (Entry e : entries.values()) {
      Decision d = e.pending;
      e.pending = null;
      RolloutState before = e.state;
      if (d != null) {
        e.state = d.state();
        commit(e, before, d);
      }
      if (e.pendingReply != null) {
        CompletableFuture<ActionResult> reply = e.pendingReply;
        e.pendingReply = null;
        Action a = e.pendingAction;
        e.pendingAction = null;
        reply.complete(
            d == null
                ? new ActionResult(
                    409,
                    view(e),
                    "rollout "
                        + e.key.namespace()
                        + "/"
                        + e.key.name()
                        + ": nothing decided"
                        + (e.problem != null ? ": " + e.problem : "")
                        + (a != null ? " (" + a.verb() + " not acted on)" : ""))
                : new ActionResult(200, view(e), null));
      }
      RolloutState s = e.state;
      if (s != null && waitsForAcks(s)) {
        waiting = true;
      }
      if (e.object.routeKey() != null
          && !lastServed.containsKey(e.object.routeKey())
          && e.problem == null) {
        e.problem = "route " + e.object.routeKey().name() + " is not served (missing or invalid)";
      }
    }
    synchronized (partialLock) {
      // This build shows every ACK so far: a delayed build for earlier ones has nothing to add.
      if (partialBuild != null) {
        partialBuild.cancel(false);
        partialBuild = null;
      }
    }
    AckWatch watch = null;
    if (waiting) {
      List<Long> since = new ArrayList<>();
      for (Entry e : entries.values()) {
        RolloutState s = e.state;
        RouteKey route = e.object.routeKey();
        if (s != null && route != null && waitsForAcks(s)) {
          since.add(servedSince(route, s));
        }
      }
      // What this build's decisions saw (read in prepare): an ACK since then is news.
      Set<String> stale = Set.copyOf(staleClusters);
      watch = new AckWatch(List.copyOf(since), stale, AckWatch.see(dataPlanes, stale));
    }
    ackWatch = watch;
    awaitingAcks = waiting;
    if (watch != null) {
      // A data plane may have applied this build's model while it was published, before this
      // method set awaitingAcks: look again now, or that ACK would wait for the next change.
      List<DataPlane> now = registry.dataPlanes();
      if (watch.decides(now)) {
        requestBuildNow.run();
      } else if (watch.progressed(now)) {
        requestBuildSoon();
      }
    }
    List<RolloutView> list = new ArrayList<>();
    for (Entry e : entries.values()) {
      list.add(view(e));
    }
    list.sort(
        java.util.Comparator.comparing(RolloutView::cluster)
            .thenComparing(RolloutView::namespace)
            .thenComparing(RolloutView::name));
    views = List.copyOf(list);
  }

  /**
   * True while ACKs can change the state: a step waits for them, or the split served (a rollback's
   * S, say) is not applied everywhere yet, which status shows.
   */
  private static boolean waitsForAcks(RolloutState s) {
    return (s.phase().active() && s.stepStartedAt() == null) || !s.applied().complete();
  }

  private void commit(Entry e, @Nullable RolloutState before, Decision d) {
    RolloutState s = d.state();
    for (Transition t : d.transitions()) {
      log.info(
          "rollout {}: {} (step {}, phase {}, by {}): {}",
          e.key,
          t.reason(),
          t.step(),
          t.phase().wireName(),
          t.source().wireName(),
          t.message());
    }
    // The step waited for ACKs since its decision; now it counts (the same decision may also have
    // entered the pause after it, with a decision time of its own).
    if (before != null
        && before.phase().active()
        && before.stepStartedAt() == null
        && s.stepStartedAt() != null
        && s.target().equals(before.target())) {
      stepApply.record(Duration.between(before.decidedAt(), s.stepStartedAt()));
    }
    countVerdicts(before, s);
    List<Verdict> oldVerdicts = before == null ? List.of() : before.verdicts();
    for (Verdict v : s.verdicts()) {
      if (!oldVerdicts.contains(v)) {
        log.info(
            "rollout {}: {} {} over {}: {}",
            e.key,
            v.revision(),
            v.outcome().wireName(),
            v.window(),
            v.reason());
      }
    }
    gauges(e, s);
    schedule(e, d.callAgainAt());
    RolloutStatus status = RolloutStatusCodec.toStatus(s, e.object.generation());
    if (!status.equals(e.written) || !d.transitions().isEmpty()) {
      e.written = status;
      write(e, status, d.transitions());
    }
  }

  private void write(Entry e, RolloutStatus status, List<Transition> transitions) {
    RolloutTarget target = targets.get(e.key.cluster());
    if (target == null) {
      return;
    }
    RouteKey key = e.key;
    String acted = status.lastAction();
    String annotation = e.object.action();
    AtomicReference<RolloutStatus> latest =
        toWrite.computeIfAbsent(key, k -> new AtomicReference<>());
    latest.set(status);
    List<Transition> events = List.copyOf(transitions);
    writer.execute(
        () -> {
          try {
            if (!target.mayWrite()) {
              return;
            }
            RolloutStatus next = latest.getAndSet(null);
            if (next != null) {
              target.write(key, next);
            }
            for (Transition t : events) {
              target.event(
                  key,
                  t.phase() == Phase.ROLLED_BACK || t.reason().contains("Fail")
                      ? "Warning"
                      : "Normal",
                  t.reason(),
                  t.message(),
                  t.at());
            }
            if (annotation != null && annotation.equals(acted)) {
              target.removeAction(key, annotation);
            }
          } catch (RuntimeException ex) {
            log.warn("rollout {}: could not write its state: {}", key, ex.toString());
          }
        });
  }

  private void schedule(Entry e, @Nullable Instant at) {
    ScheduledFuture<?> old = e.timer;
    if (Objects.equals(at, e.timerAt) && old != null && !old.isDone()) {
      return; // already set for that instant
    }
    if (old != null) {
      old.cancel(false);
    }
    e.timerAt = at;
    e.timer = null;
    if (at != null) {
      // Never before the instant (a look that comes early decides nothing and asks for the same
      // instant again): the delay in nanoseconds, plus a millisecond for the clock's rounding.
      long delay = Math.max(0, Duration.between(clock.instant(), at).toNanos()) + 1_000_000;
      try {
        e.timer = timers.schedule(requestBuild, delay, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // closed
      }
    }
  }

  // ---------------------------------------------------------------- inputs

  /** The spec's targets as a split. */
  static Split split(List<ResolvedTarget> targets) {
    List<SplitEntry> entries = new ArrayList<>(targets.size());
    for (ResolvedTarget t : targets) {
      entries.add(new SplitEntry(t.target().tag(), t.revision(), t.target().percentOrZero()));
    }
    return new Split(entries);
  }

  /**
   * The split as traffic targets: the spec's target of the same tag and revision with the split's
   * percent, or a {@code revisionName} target for a revision the spec no longer names.
   */
  static List<ResolvedTarget> targets(Split split, List<ResolvedTarget> spec) {
    Map<SplitEntry.Key, ResolvedTarget> byKey = new LinkedHashMap<>();
    for (ResolvedTarget t : spec) {
      byKey.putIfAbsent(new SplitEntry.Key(t.target().tag(), t.revision()), t);
    }
    List<ResolvedTarget> out = new ArrayList<>(split.entries().size());
    for (SplitEntry s : split.entries()) {
      ResolvedTarget t = byKey.get(s.key());
      TrafficTarget target =
          t == null
              ? new TrafficTarget(s.tag(), s.revision(), null, null, s.percent())
              : new TrafficTarget(
                  t.target().tag(),
                  t.target().revisionName(),
                  t.target().configurationName(),
                  t.target().latestRevision(),
                  s.percent());
      out.add(new ResolvedTarget(target, s.revision()));
    }
    return out;
  }

  private static @Nullable Condition condition(@Nullable RouteCondition c) {
    return c == null
        ? null
        : new Condition(TrafficGate.CONDITION_TYPE, c.status(), c.reason(), c.message(), null);
  }

  private static @Nullable Condition condition(RolloutState s) {
    if (s.failure() != null) {
      return new Condition(
          TrafficGate.CONDITION_TYPE,
          Condition.FALSE,
          s.failure().reason(),
          s.failure().message(),
          null);
    }
    return s.phase().active()
        ? new Condition(
            TrafficGate.CONDITION_TYPE,
            Condition.UNKNOWN,
            RouteCondition.IN_PROGRESS,
            "rollout at step " + s.step() + " (weight " + s.weight() + ")",
            null)
        : null;
  }

  /**
   * How many connected data planes (not of stale clusters) have applied the split {@code state}
   * serves: the Route's served routing in the last build must be that split, and a data plane must
   * have applied the model revision it first appeared in.
   */
  private Applied applied(RouteKey route, @Nullable RolloutState state) {
    long since = servedSince(route, state);
    int applied = 0;
    int connected = 0;
    boolean nacked = false;
    Map<String, int[]> byCluster = new TreeMap<>();
    for (DataPlane d : dataPlanes) {
      if (staleClusters.contains(d.nodeCluster())) {
        continue;
      }
      connected++;
      int[] c = byCluster.computeIfAbsent(d.nodeCluster(), k -> new int[2]);
      c[1]++;
      if (d.appliedModelRevision() >= since) {
        applied++;
        c[0]++;
      } else if (state != null
          && d.lastNack().isPresent()
          && nacks(d.lastNack().get(), since, state)) {
        nacked = true;
      }
    }
    Map<String, Applied.ClusterCount> clusters = new TreeMap<>();
    byCluster.forEach((k, v) -> clusters.put(k, new Applied.ClusterCount(v[0], v[1])));
    return new Applied(applied, connected, nacked, clusters);
  }

  /**
   * The model revision since which the last build serves the split {@code state} serves for {@code
   * route}; {@code Long.MAX_VALUE} when it does not serve it (not applied by anyone yet).
   */
  private long servedSince(RouteKey route, @Nullable RolloutState state) {
    ServedRoute served = lastServed.get(route);
    if (state != null && served != null) {
      try {
        if (split(served.targets()).equals(state.served())) {
          return served.sinceModelRevision();
        }
      } catch (IllegalArgumentException e) {
        // not a split: not applied
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * True when {@code nack} rejected the split served since model revision {@code since}: by the
   * model revision it names, else (unknown) by its time.
   */
  private static boolean nacks(Nack nack, long since, RolloutState state) {
    if (nack.rejectedModelRevision() > 0) {
      return since != Long.MAX_VALUE && nack.rejectedNewerThan(since - 1);
    }
    return !nack.at().isBefore(state.decidedAt());
  }

  private Observations observations(
      Entry e, RouteKey route, RolloutPlan plan, @Nullable RolloutState state) {
    Instant from = state == null ? null : state.analysisWindowStart();
    LoadStore store = loads;
    if (state == null || from == null || from.isAfter(now)) {
      return Observations.none();
    }
    Map<String, WindowNumbers> candidates = new HashMap<>();
    WindowNumbers stable = null;
    if (store != null) {
      for (String revision : state.candidates()) {
        candidates.put(revision, numbers(store.window(route.namespace(), revision, from, now)));
      }
      List<LoadWindow> stables = new ArrayList<>();
      for (String revision : state.stableRevisions()) {
        stables.add(store.window(route.namespace(), revision, from, now));
      }
      stable = stables.isEmpty() ? null : sum(stables);
    }
    return new Observations(candidates, stable, metrics(e, route, plan, state, from));
  }

  private WindowNumbers numbers(LoadWindow w) {
    Map<String, WindowNumbers> clusters = new TreeMap<>();
    w.byCluster()
        .forEach(
            (cluster, totals) -> {
              if (!staleClusters.contains(cluster)) {
                clusters.put(cluster, numbers(totals, Map.of()));
              }
            });
    return numbers(w.total(), clusters);
  }

  private static WindowNumbers numbers(LoadTotals t, Map<String, WindowNumbers> clusters) {
    LatencyHistogram h = t.latency();
    DoubleUnaryOperator latency = h.count() == 0 ? WindowNumbers.NO_LATENCY : h::percentile;
    long requests = Math.max(t.requests(), t.completed());
    return new WindowNumbers(requests, t.successes(), t.errors(), latency, clusters);
  }

  private static WindowNumbers sum(List<LoadWindow> windows) {
    long requests = 0;
    long successes = 0;
    long errors = 0;
    long[] buckets = new long[dev.weir.xds.dialect.LatencyBuckets.count()];
    for (LoadWindow w : windows) {
      LoadTotals t = w.total();
      requests += Math.max(t.requests(), t.completed());
      successes += t.successes();
      errors += t.errors();
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] += t.latency().bucketCount(i);
      }
    }
    LatencyHistogram h = LatencyHistogram.of(buckets);
    DoubleUnaryOperator latency = h.count() == 0 ? WindowNumbers.NO_LATENCY : h::percentile;
    return new WindowNumbers(requests, successes, errors, latency, Map.of());
  }

  /**
   * The Prometheus results last fetched for this window; starts a fetch (off the loop) when they
   * are older than {@link #METRICS_REFRESH}. Until the first answer, every metric is Inconclusive.
   */
  private Map<String, List<MetricResult>> metrics(
      Entry e, RouteKey route, RolloutPlan plan, RolloutState state, Instant from) {
    RolloutPlan.AnalysisPlan analysis = plan.analysis();
    if (analysis == null || analysis.metrics().isEmpty()) {
      return Map.of();
    }
    if (!from.equals(e.metricsWindow)) {
      e.metricsWindow = from;
      e.metrics = Map.of();
      e.metricsAt = null;
    }
    PrometheusProvider provider = prometheus;
    if (provider != null
        && !e.metricsInFlight
        && (e.metricsAt == null || !e.metricsAt.plus(METRICS_REFRESH).isAfter(now))) {
      e.metricsInFlight = true;
      List<String> candidates = state.candidates();
      Duration window = Duration.between(from, now);
      Instant asked = now;
      CompletableFuture.supplyAsync(
              () -> {
                Map<String, List<MetricResult>> results = new HashMap<>();
                for (String revision : candidates) {
                  results.put(
                      revision,
                      provider.queryAll(
                          analysis,
                          new PrometheusProvider.QueryContext(
                              route.namespace(), route.name(), revision, window)));
                }
                return results;
              },
              queries)
          .whenComplete(
              (results, error) -> {
                // Back on any thread: hand over through the loop (the next build reads it).
                asked(e, from, asked, results, error);
              });
    }
    Map<String, List<MetricResult>> out = new HashMap<>();
    for (String revision : state.candidates()) {
      List<MetricResult> r = e.metrics.get(revision);
      if (r == null) {
        List<MetricResult> none = new ArrayList<>();
        for (RolloutPlan.MetricRule m : analysis.metrics()) {
          none.add(MetricResult.failed(m.name(), "no answer from Prometheus yet"));
        }
        r = none;
      }
      out.put(revision, r);
    }
    return out;
  }

  private final ConcurrentLinkedQueue<Runnable> fromQueries = new ConcurrentLinkedQueue<>();

  private void asked(
      Entry e,
      Instant window,
      Instant at,
      @Nullable Map<String, List<MetricResult>> results,
      @Nullable Throwable error) {
    fromQueries.add(
        () -> {
          e.metricsInFlight = false;
          if (!window.equals(e.metricsWindow)) {
            return;
          }
          e.metricsAt = at;
          if (results != null) {
            e.metrics = Map.copyOf(results);
          } else {
            log.warn("rollout {}: Prometheus metrics failed: {}", e.key, String.valueOf(error));
          }
        });
    requestBuild.run();
  }

  /** Runs what metric fetches handed over; on the loop thread, before {@link #prepare}. */
  public void drainQueries() {
    for (Runnable r; (r = fromQueries.poll()) != null; ) {
      r.run();
    }
  }

  // ---------------------------------------------------------------- metrics

  private void countVerdicts(@Nullable RolloutState before, RolloutState s) {
    List<Verdict> old = before == null ? List.of() : before.verdicts();
    for (Verdict v : s.verdicts()) {
      if (!old.contains(v)) {
        Counter.builder("weir.rollout.verdicts")
            .description("Verdicts on rollout candidates")
            .tag("verdict", v.outcome().wireName())
            .register(meters)
            .increment();
      }
    }
  }

  private void gauges(Entry e, RolloutState s) {
    Map<String, Double> values = new HashMap<>();
    for (Phase p : Phase.values()) {
      values.put("phase|" + p.wireName(), s.phase() == p ? 1.0 : 0.0);
    }
    values.put("weight|desired", (double) s.weight());
    if (s.applied().complete()) {
      values.put("weight|applied", (double) s.weight());
    } else {
      values.put("weight|applied", e.gaugeValues.getOrDefault("weight|applied", 0.0));
    }
    for (Verdict v : s.verdicts()) {
      for (Verdict.Check c : v.checks()) {
        if (c.cluster() == null) {
          values.put("value|" + v.revision() + "|" + c.metric(), c.value());
          if (c.threshold() != null) {
            values.put("threshold|" + v.revision() + "|" + c.metric(), c.threshold());
          }
        }
      }
    }
    for (Map.Entry<String, Double> v : values.entrySet()) {
      if (e.gaugeValues.put(v.getKey(), v.getValue()) == null) {
        register(e, v.getKey());
      }
    }
  }

  private void register(Entry e, String key) {
    String[] parts = key.split("\\|");
    Tags tags = Tags.of("namespace", e.key.namespace(), "name", e.key.name());
    String name;
    String description;
    switch (parts[0]) {
      case "phase" -> {
        name = "weir.rollout.phase";
        description = "1 for the rollout's phase, 0 for the others";
        tags = tags.and("phase", parts[1]);
      }
      case "weight" -> {
        name = "weir.rollout.weight";
        description =
            "The rollout's step weight (0..100): desired, and applied by every data plane";
        tags = tags.and("kind", parts[1]);
      }
      case "value" -> {
        name = "weir.rollout.analysis.value";
        description = "A candidate's value of an analysis metric in its last verdict";
        tags = tags.and("revision", parts[1], "metric", parts[2]);
      }
      default -> {
        name = "weir.rollout.analysis.threshold";
        description = "The threshold an analysis metric's value is judged against";
        tags = tags.and("revision", parts[1], "metric", parts[2]);
      }
    }
    Map<String, Double> values = e.gaugeValues;
    Gauge g =
        Gauge.builder(name, values, m -> m.getOrDefault(key, Double.NaN))
            .description(description)
            .tags(tags)
            .strongReference(true)
            .register(meters);
    e.meters.add(g.getId());
  }

  // ---------------------------------------------------------------- views

  private RolloutView view(Entry e) {
    RolloutState s = e.state;
    RolloutStatus st = s == null ? null : RolloutStatusCodec.toStatus(s, e.object.generation());
    RouteKey route = e.object.routeKey();
    List<String> errors = e.validation.errors();
    return new RolloutView(
        e.key.cluster(),
        e.key.namespace(),
        e.key.name(),
        route == null ? null : route.name(),
        e.object.generation(),
        st == null ? null : st.phase(),
        st == null ? null : st.currentStep(),
        st == null ? null : st.currentWeight(),
        st == null ? List.of() : st.traffic(),
        st == null ? List.of() : st.stableTraffic(),
        st == null ? List.of() : st.targetTraffic(),
        st == null ? null : st.applied(),
        st == null ? List.of() : st.verdicts(),
        st == null ? List.of() : st.history(),
        st == null ? null : st.decidedAt(),
        st == null ? null : st.stepStartedAt(),
        e.problem != null ? e.problem : st == null ? null : st.failureMessage(),
        errors);
  }

  @Override
  public void close() {
    timers.shutdownNow();
    queries.shutdownNow();
    writer.shutdown();
    try {
      writer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
