package dev.weir.controller.reconcile;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.pipeline.ActivationView;
import dev.weir.controller.pipeline.AppliedModel;
import dev.weir.controller.pipeline.BuildResult;
import dev.weir.controller.pipeline.BuildState;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.DefaultCertificateState;
import dev.weir.controller.pipeline.ModelBuilder;
import dev.weir.controller.pipeline.TrafficGate;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the builder on one thread, at once for a lone request and batched for a burst: a request
 * that finds the loop idle (no build running, none waiting, and the last one ended at least {@code
 * holdOff} ago) is built at once (leading edge), with whatever other requests arrive before the
 * build starts. A request that arrives while a build runs, or within {@code holdOff} after one
 * ended, opens a batch instead: the batch is built when {@code holdOff} has passed without a new
 * request (and the running build, if any, has ended), but never later than {@code maxDelay} after
 * its first request (or the end of the running build, if that is later). So a short burst costs the
 * build it started and one more for the rest, and a lone change is not delayed. A rebuild request
 * at least {@code holdOff} after the last build of the model is a lone change even when status
 * recomputes ran since (the data planes ACKing that build): it is built at once, or right after a
 * running recompute, not held back by them.
 *
 * <p>Two kinds of request share the one batch: {@link #requestRebuild} (an input changed: build the
 * model) and the cheaper {@link #requestStatus} (a data plane connected, left, ACKed or NACKed:
 * recompute only the Routes' {@code IngressReady} and {@code Ready} from the last build, with
 * {@link ModelBuilder#restatus}, and hand the statuses on). A batch with any rebuild request
 * builds, and a build reads the data planes too.
 *
 * <p>With {@link #awaitInitialRead}, nothing is built, published or written before every cluster
 * has completed its initial read (or a timeout passed): a restarted controller never serves part of
 * the world, such as a revision whose endpoints are in a cluster not read yet.
 */
public final class RebuildLoop implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RebuildLoop.class);

  /** The inputs of a build and what it made of them, for the admin API. */
  public record Built(List<ClusterObjects> inputs, BuildResult result) {}

  private final String domain;
  private final TlsSettings tls;
  private final Supplier<List<ClusterObjects>> inputs;
  private final ModelPublisher publisher;
  private final DataPlaneRegistry registry;
  private final Consumer<Built> onBuilt;
  private final long holdOffNanos;
  private final long maxDelayNanos;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final Counter rebuilds;
  private final Counter statusRecomputes;
  private final Timer duration;

  /** The statuses the {@code weir.controller.routes} gauges count, when they are read. */
  private volatile Map<?, RouteStatus> countedStatuses = Map.of();

  private volatile Tally tally = new Tally(Map.of(), 0, 0, 0);

  /** Routes by their Ready condition, counted once per statuses map. */
  private record Tally(Map<?, RouteStatus> of, int ready, int notReady, int unknown) {}

  private final Object lock = new Object();
  private boolean pending; // guarded by lock: a batch is open (requests no build has taken yet)
  private boolean leading; // guarded by lock: the open batch found the loop idle; build at once
  private boolean running; // guarded by lock: a build has taken its batch and not ended yet
  private boolean builtOnce; // guarded by lock: some build has ended
  private long lastBuildEnd; // guarded by lock
  private boolean modelBuiltOnce; // guarded by lock: some run has built a model
  private long lastModelBuildEnd; // guarded by lock: the last run that built a model, not restatus
  private long firstRequest; // guarded by lock: of the open batch
  private long lastRequest; // guarded by lock
  private boolean modelWanted; // guarded by lock: the open batch has a rebuild request

  private Supplier<List<String>> unread = List::of; // set before the first request
  private long initialReadDeadline;
  private Duration initialReadTimeout = Duration.ZERO;
  private boolean initialReadOver; // only on the loop thread
  private BuildState state = BuildState.INITIAL; // only on the loop thread
  private @Nullable DefaultCertificateState defaultCertificate; // only on the loop thread
  private volatile @Nullable Built last;
  private volatile @Nullable RolloutCoordinator rollouts;
  private volatile @Nullable ScaleController activations;
  private volatile List<GatewayAddress> gatewayAddresses = List.of();

  public RebuildLoop(
      String domain,
      Supplier<List<ClusterObjects>> inputs,
      ModelPublisher publisher,
      DataPlaneRegistry registry,
      Consumer<Built> onBuilt,
      Duration holdOff,
      Duration maxDelay,
      MeterRegistry meters,
      Clock clock) {
    this(
        domain,
        TlsSettings.NONE,
        inputs,
        publisher,
        registry,
        onBuilt,
        holdOff,
        maxDelay,
        meters,
        clock);
  }

  public RebuildLoop(
      String domain,
      TlsSettings tls,
      Supplier<List<ClusterObjects>> inputs,
      ModelPublisher publisher,
      DataPlaneRegistry registry,
      Consumer<Built> onBuilt,
      Duration holdOff,
      Duration maxDelay,
      MeterRegistry meters,
      Clock clock) {
    this.domain = requireNonNull(domain, "domain");
    this.tls = requireNonNull(tls, "tls");
    this.inputs = requireNonNull(inputs, "inputs");
    this.publisher = requireNonNull(publisher, "publisher");
    this.registry = requireNonNull(registry, "registry");
    this.onBuilt = requireNonNull(onBuilt, "onBuilt");
    this.holdOffNanos = holdOff.toNanos();
    this.maxDelayNanos = maxDelay.toNanos();
    if (holdOffNanos < 0 || maxDelayNanos < holdOffNanos) {
      throw new IllegalArgumentException(
          "holdOff: "
              + holdOff
              + ", maxDelay: "
              + maxDelay
              + " (expected: 0 <= holdOff <= maxDelay)");
    }
    this.clock = requireNonNull(clock, "clock");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-rebuild");
              t.setDaemon(true);
              return t;
            });
    this.rebuilds =
        Counter.builder("weir.controller.rebuilds")
            .description("Model builds run")
            .register(meters);
    this.statusRecomputes =
        Counter.builder("weir.controller.status.recomputes")
            .description("Route statuses recomputed for a data-plane change, without a build")
            .register(meters);
    this.duration =
        Timer.builder("weir.controller.rebuild.duration")
            .description("Time to read the sources and build the model and statuses")
            .register(meters);
    Map<String, ToIntFunction<Tally>> routesByState =
        Map.of("ready", Tally::ready, "not_ready", Tally::notReady, "unknown", Tally::unknown);
    routesByState.forEach(
        (state, count) ->
            Gauge.builder("weir.controller.routes", this, loop -> count.applyAsInt(loop.tally()))
                .description("Routes by their Ready condition")
                .tag("state", state)
                .strongReference(true)
                .register(meters));
  }

  /**
   * Also asks for a rebuild every {@code period}, for what changes with time alone: certificates
   * expire without any input changing.
   */
  public void rebuildEvery(Duration period) {
    long millis = period.toMillis();
    if (millis <= 0) {
      throw new IllegalArgumentException("period: " + period + " (expected: positive)");
    }
    try {
      executor.scheduleWithFixedDelay(this::requestRebuild, millis, millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * Holds the first build until {@code unread} (the names of the clusters that have not completed
   * their initial read) is empty, or {@code timeout} has passed; then the build goes ahead without
   * the missing clusters' objects and says so at WARN. Call before the first {@link
   * #requestRebuild}; sources request a rebuild when their initial read completes.
   */
  public void awaitInitialRead(Supplier<List<String>> unread, Duration timeout) {
    this.unread = requireNonNull(unread, "unread");
    this.initialReadTimeout = requireNonNull(timeout, "timeout");
    this.initialReadDeadline = System.nanoTime() + timeout.toNanos();
    try {
      executor.schedule(this::requestRebuild, timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * Lets {@code coordinator} govern the Routes its Rollouts name: every build reads the Rollouts
   * first ({@link RolloutCoordinator#prepare}), asks it what governed Routes serve, and hands it
   * the result ({@link RolloutCoordinator#built}). Call before the first request.
   */
  public void rollouts(RolloutCoordinator coordinator) {
    this.rollouts = requireNonNull(coordinator, "coordinator");
  }

  /**
   * Lets {@code scaler} tell every build the scale state of revisions that may sit at zero, and
   * hands it the objects each build read (to find them).
   */
  public void activations(ScaleController scaler) {
    this.activations = requireNonNull(scaler, "scaler");
  }

  /**
   * The addresses clients reach the data planes at ({@code weir.gateway-api.addresses}), written
   * into every served Gateway's {@code status.addresses} from the next build on.
   */
  public void gatewayAddresses(List<GatewayAddress> addresses) {
    this.gatewayAddresses = List.copyOf(addresses);
  }

  /** Asks for a rebuild soon. Never blocks; safe from any thread. */
  public void requestRebuild() {
    request(true, false);
  }

  /**
   * Asks for a rebuild without the hold-off: at once, or as soon as the running build ends, with
   * whatever requests are waiting. For a request on a measured path that is known to stand alone
   * (the last ACK of a rollout step, which is timed from its decision to that build). Never blocks;
   * safe from any thread.
   */
  public void requestRebuildNow() {
    request(true, true);
  }

  /**
   * Asks for the Routes' readiness to be recomputed soon from the last build and the data planes
   * now, without a build (unless a rebuild is asked for in the same batch, or nothing was built
   * yet). For {@link DataPlaneRegistry#addListener}. Never blocks; safe from any thread.
   */
  public void requestStatus() {
    request(false, false);
  }

  private void request(boolean model, boolean now) {
    long at = System.nanoTime();
    boolean atOnce;
    synchronized (lock) {
      lastRequest = at;
      modelWanted |= model;
      // A model change the hold-off after the last model build stands alone, even when data-plane
      // ACKs recomputed statuses in between (the ACKs of that very build, typically): it is not
      // part of a burst of changes, so it is built at once, or right after a running recompute.
      boolean alone = now || (model && (!modelBuiltOnce || at - lastModelBuildEnd >= holdOffNanos));
      if (pending) {
        if (!alone || leading) {
          return; // a batch is open: its check is scheduled, or the running build schedules it
        }
        // The open batch goes at once (or right after the running build).
        leading = true;
        if (running) {
          return;
        }
        atOnce = true;
      } else {
        pending = true;
        firstRequest = at;
        if (running) {
          leading = alone;
          return; // the running build schedules the batch when it ends
        }
        atOnce = alone || !builtOnce || at - lastBuildEnd >= holdOffNanos;
        leading = atOnce;
      }
    }
    schedule(atOnce ? 0 : holdOffNanos);
  }

  private void schedule(long delayNanos) {
    try {
      executor.schedule(this::maybeRun, delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private void maybeRun() {
    long now = System.nanoTime();
    long wait;
    boolean model = false;
    synchronized (lock) {
      if (!pending) {
        return;
      }
      if (leading) {
        wait = 0;
      } else {
        long quietUntil = lastRequest + holdOffNanos;
        long deadline = firstRequest + maxDelayNanos;
        wait = Math.min(quietUntil, deadline) - now;
      }
      if (wait <= 0) {
        pending = false;
        leading = false;
        running = true;
        model = modelWanted;
        modelWanted = false;
      }
    }
    if (wait > 0) {
      schedule(wait);
      return;
    }
    boolean builtModel = false;
    try {
      builtModel = runNow(model);
    } finally {
      boolean next;
      synchronized (lock) {
        running = false;
        builtOnce = true;
        lastBuildEnd = System.nanoTime();
        if (builtModel) {
          modelBuiltOnce = true;
          lastModelBuildEnd = lastBuildEnd;
        }
        next = pending;
      }
      if (next) {
        // Requests arrived during the build: batch them (maybeRun waits out the hold-off).
        schedule(0);
      }
    }
  }

  /** Builds, or only recomputes statuses; true when it built (or tried to build) the model. */
  private boolean runNow(boolean model) {
    if (!initialReadOver) {
      List<String> waiting = unread.get();
      if (!waiting.isEmpty() && System.nanoTime() - initialReadDeadline < 0) {
        log.debug("first build waits for the initial read of clusters {}", waiting);
        return false; // the sources ask again when their read completes, and so does the deadline
      }
      initialReadOver = true;
      if (waiting.isEmpty()) {
        log.info("every cluster completed its initial read; building the first model");
      } else {
        log.warn(
            "clusters {} did not complete their initial read within {}; building without"
                + " their objects (the clusters are marked stale) until they do",
            waiting,
            initialReadTimeout);
      }
    }
    Built before = last;
    if (!model && before != null && restatus(before)) {
      return false;
    }
    try {
      Built built =
          duration.record(
              () -> {
                List<ClusterObjects> in = inputs.get();
                RolloutCoordinator r = rollouts;
                TrafficGate gate = TrafficGate.NONE;
                if (r != null) {
                  r.drainQueries();
                  r.prepare(in, before == null ? null : before.result());
                  gate = r;
                }
                ScaleController a = activations;
                if (a != null) {
                  a.update(in);
                }
                BuildResult result =
                    ModelBuilder.build(
                        domain,
                        tls,
                        in,
                        state,
                        dataPlanes(),
                        clock.instant(),
                        gate,
                        a == null ? ActivationView.NONE : a,
                        gatewayAddresses);
                return new Built(in, result);
              });
      rebuilds.increment();
      BuildResult result = built.result();
      boolean newModel = result.model().revision() != state.model().revision();
      state = result.state();
      last = built;
      if (newModel) {
        log.info(
            "model revision {}: {} hosts, {} upstreams, {} certificates",
            result.model().revision(),
            result.model().virtualHosts().size(),
            result.model().upstreams().size(),
            result.model().certificates().size());
        publisher.publish(result.model());
      }
      RolloutCoordinator r = rollouts;
      if (r != null) {
        r.built(result);
      }
      count(result.statuses());
      report(result.defaultCertificate());
      onBuilt.accept(built);
    } catch (RuntimeException e) {
      log.error("rebuild failed; will retry on the next change", e);
    }
    return true;
  }

  /**
   * Recomputes readiness from {@code before} and the data planes now; false when only a build can
   * (the last build kept no per-Route work).
   */
  private boolean restatus(Built before) {
    try {
      BuildResult result = ModelBuilder.restatus(before.result(), dataPlanes(), clock.instant());
      if (result == null) {
        return false;
      }
      statusRecomputes.increment();
      if (result != before.result()) {
        Built built = new Built(before.inputs(), result);
        state = result.state();
        last = built;
        count(result.statuses());
        onBuilt.accept(built);
      }
    } catch (RuntimeException e) {
      log.error("status recompute failed; will retry on the next change", e);
    }
    return true;
  }

  /** What each connected data plane has applied, as the builder sees it. */
  private List<AppliedModel> dataPlanes() {
    return registry.dataPlanes().stream()
        .map(d -> new AppliedModel(d.nodeId(), d.appliedModelRevision()))
        .toList();
  }

  /** Says once, not on every build, that the default certificate went bad (or came back). */
  private void report(@Nullable DefaultCertificateState now) {
    if (Objects.equals(now, defaultCertificate)) {
      return;
    }
    if (now != null && !now.valid()) {
      log.warn(
          "default certificate: secret {}: {}: {}{}",
          now.secret(),
          now.reason(),
          now.message(),
          now.servingLastValid()
              ? " (serving its last valid version)"
              : " (nothing to serve: Routes without a Secret of their own are not served over HTTPS)");
    } else if (now != null && defaultCertificate != null && !defaultCertificate.valid()) {
      log.info("default certificate: secret {} is valid again", now.secret());
    }
    defaultCertificate = now;
  }

  /**
   * Hands the statuses to the {@code weir.controller.routes} gauges, which count them when read (a
   * scrape), not on every build: counting 10,000 Routes per change is work on the change's path.
   */
  private void count(Map<?, RouteStatus> statuses) {
    countedStatuses = statuses;
  }

  private Tally tally() {
    Map<?, RouteStatus> statuses = countedStatuses;
    Tally t = tally;
    if (t.of() == statuses) {
      return t;
    }
    int ready = 0;
    int notReady = 0;
    int unknown = 0;
    for (RouteStatus s : statuses.values()) {
      Condition c = s.condition(Condition.READY);
      if (c == null || Condition.UNKNOWN.equals(c.status())) {
        unknown++;
      } else if (Condition.TRUE.equals(c.status())) {
        ready++;
      } else {
        notReady++;
      }
    }
    t = new Tally(statuses, ready, notReady, unknown);
    tally = t;
    return t;
  }

  /** The last build, or null before the first. */
  public @Nullable Built last() {
    return last;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
