package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.RouteKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says which objects' current generations are rejected, once per object and generation: a WARN line
 * in the log naming the object, its generation, reason and message (and, for a folder cluster, the
 * file it came from), an INFO line once that generation no longer is (or once the object is
 * deleted: its rejection no longer applies), and in a Kubernetes config cluster a Warning Event on
 * the object (written by the leader only, see {@link EventTarget}). The rejections are read from
 * the statuses each build computed ({@link Rejection}), and from the build's routes whose {@code
 * parentRefs} name a Gateway that does not exist ({@link GatewayApiResult#unresolvedParents}),
 * which no status shows: each such route is said once, apart from what its status says (a route
 * with one parent attached and another unresolved gets both), and said again should it break again
 * after it was said resolved.
 *
 * <p>Like {@link StatusWriter}, it takes each build's statuses and returns at once; its own thread
 * reads the latest statuses handed over (builds in between are skipped) and writes the Events one
 * at a time. A failed Event is logged and dropped, never retried: Events are a courtesy, status is
 * the record. A replica that does not lead logs but writes no Event; once it leads, it writes the
 * Events of the rejections still in force that it has not written (the old leader may have, so a
 * change of leader, like a restart, may repeat one).
 */
public final class RejectionReporter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RejectionReporter.class);

  /**
   * Drains at most this often: a drain looks at every status (10,000 HTTPRoutes at 10,000 hosts),
   * and builds under a stream of changes come every few tens of milliseconds, sharing the cores
   * with the build whose time to the data planes' ACK is what matters. A rejection is still said
   * within this long of the build that found it.
   */
  static final Duration MIN_DRAIN_INTERVAL = Duration.ofMillis(500);

  /** Where a rejected object was read from, for the log line. */
  @FunctionalInterface
  public interface Origins {

    /** The file a folder cluster's object came from, or null (Kubernetes, or not known). */
    @Nullable String fileOf(Rejection rejection);
  }

  /** No origins known. */
  public static final Origins NO_ORIGINS = rejection -> null;

  /** Which objects a build's config clusters hold, Weir's or not. */
  @FunctionalInterface
  public interface Presence {

    /**
     * True when the build's config cluster {@code cluster} holds the object.
     *
     * @param kind {@code Route}, {@code GatewayClass}, {@code Gateway}, {@code HTTPRoute} or {@code
     *     GRPCRoute}
     * @param namespace {@code ""} for a GatewayClass
     */
    boolean holds(String cluster, String kind, String namespace, String name);
  }

  private record Submitted(
      Map<RouteKey, RouteStatus> routes, GatewayApiResult gatewayApi, Presence presence) {}

  /** The key of a route's unresolved parentRefs: said apart from what its status says. */
  private record UnresolvedKey(ObjectKey route) {}

  private final Map<String, EventTarget> targets;
  private final Origins origins;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final String threadName;

  /** How many reporters this JVM made, for their threads' names. */
  private static final java.util.concurrent.atomic.AtomicInteger REPORTERS =
      new java.util.concurrent.atomic.AtomicInteger();

  private volatile long lastDrainNanos = System.nanoTime() - MIN_DRAIN_INTERVAL.toNanos();
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private volatile @Nullable Submitted desired;
  private final Rejections rejections = new Rejections(); // reporter thread only

  /**
   * @param targets the Event target of each Kubernetes config cluster, by cluster name
   * @param origins where a folder cluster's object came from, for the log line
   * @param clock the Events' time
   */
  public RejectionReporter(
      Map<String, ? extends EventTarget> targets, Origins origins, Clock clock) {
    this.targets = Map.copyOf(targets);
    this.origins = requireNonNull(origins, "origins");
    this.clock = requireNonNull(clock, "clock");
    this.threadName = "weir-rejections-" + REPORTERS.incrementAndGet();
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  /** How many reporters this JVM has made: the next one's thread is {@code weir-rejections-N+1}. */
  static int created() {
    return REPORTERS.get();
  }

  /**
   * Hands over the statuses of a build; returns at once. The maps are kept as they are (not
   * copied), so they must not change afterwards, as a build's never do.
   *
   * @param routes every Route's status
   * @param gatewayApi the build's Gateway API result (Weir's GatewayClasses, Gateways and routes,
   *     and the routes with unresolved parentRefs)
   * @param presence which objects the build's config clusters hold: asked only for an object that
   *     was rejected and left the statuses, to tell deleted from no longer Weir's or resolved
   */
  public void submit(
      Map<RouteKey, RouteStatus> routes, GatewayApiResult gatewayApi, Presence presence) {
    desired =
        new Submitted(
            requireNonNull(routes, "routes"),
            requireNonNull(gatewayApi, "gatewayApi"),
            requireNonNull(presence, "presence"));
    queueDrain();
  }

  /**
   * Leadership of {@code cluster} was gained: the Events due there (rejections in force not yet
   * written by this replica) are written now rather than with the next build.
   */
  public void resync(String cluster) {
    queueDrain();
  }

  private void queueDrain() {
    if (drainQueued.compareAndSet(false, true)) {
      try {
        long wait = lastDrainNanos + MIN_DRAIN_INTERVAL.toNanos() - System.nanoTime();
        executor.schedule(
            () -> {
              drainQueued.set(false);
              lastDrainNanos = System.nanoTime();
              drain();
            },
            Math.max(0, wait),
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  // Every status is looked at on every drain: a look is a few comparisons (10,000 Routes: well
  // under a millisecond, on this thread); keeping what was looked at would cost as much.
  private void drain() {
    Submitted s = desired;
    if (s == null) {
      return;
    }
    for (Map.Entry<RouteKey, RouteStatus> e : s.routes().entrySet()) {
      report(e.getKey(), Rejection.of(e.getKey(), e.getValue()));
    }
    GatewayApiResult g = s.gatewayApi();
    g.gatewayClasses().forEach((k, v) -> report(k, Rejection.of(k, v)));
    g.gateways().forEach((k, v) -> report(k, Rejection.of(k, v)));
    g.httpRoutes().forEach((k, v) -> report(k, Rejection.ofRoute(k, v.getParents())));
    g.grpcRoutes().forEach((k, v) -> report(k, Rejection.ofRoute(k, v.getParents())));
    g.unresolvedParents()
        .forEach((k, v) -> report(new UnresolvedKey(k), Rejection.ofUnresolvedParents(k, v)));
    List<Rejections.Forgotten> gone =
        rejections.forget(
            k ->
                k instanceof ObjectKey o
                    ? g.gatewayClasses().containsKey(o)
                        || g.gateways().containsKey(o)
                        || g.httpRoutes().containsKey(o)
                        || g.grpcRoutes().containsKey(o)
                    : k instanceof UnresolvedKey u
                        ? g.unresolvedParents().containsKey(u.route())
                        : s.routes().containsKey(k));
    for (Rejections.Forgotten f : gone) {
      Rejection was = f.rejection();
      if (s.presence().holds(was.cluster(), was.kind(), was.namespace(), was.name())) {
        // Still there, out of Weir's statuses (another controller's now) or fixed (a Gateway a
        // route named now exists): the rejection is over.
        resolved(was);
      } else {
        log.info(
            "{} {} in cluster {}{}: deleted; its {} of generation {} no longer applies",
            was.kind(),
            was.object(),
            was.cluster(),
            f.file() == null ? "" : " (file " + f.file() + ")",
            was.reason(),
            was.generation());
      }
    }
  }

  private static void resolved(Rejection was) {
    log.info(
        "{} {} in cluster {}: {} of generation {} is resolved",
        was.kind(),
        was.object(),
        was.cluster(),
        was.reason(),
        was.generation());
  }

  private void report(Object key, @Nullable Rejection r) {
    switch (rejections.see(key, r)) {
      case NEW -> {
        Rejection n = requireNonNull(r, "rejection");
        String file = origins.fileOf(n);
        rejections.file(key, file);
        log.warn(
            "{} {} generation {} in cluster {}{}: {}: {}",
            n.kind(),
            n.object(),
            n.generation(),
            n.cluster(),
            file == null ? "" : " (file " + file + ")",
            n.reason(),
            n.message());
      }
      case RESOLVED -> resolved(requireNonNull(rejections.last(key), "rejection"));
      case NONE -> {}
    }
    if (r == null || !rejections.eventDue(key)) {
      return;
    }
    EventTarget target = targets.get(r.cluster());
    if (target == null || !target.mayWrite()) {
      return;
    }
    rejections.evented(key);
    try {
      target.warn(r, clock.instant());
      log.debug("{} {} in cluster {}: event {} written", r.kind(), r.object(), r.cluster(), r);
    } catch (RuntimeException e) {
      log.warn(
          "{} {} in cluster {}: Warning Event {} not written ({}); dropped",
          r.kind(),
          r.object(),
          r.cluster(),
          r.reason(),
          e.toString());
    }
  }

  /**
   * Waits until the work handed over so far is done (for tests: drains run on this reporter's
   * thread, one after the other).
   */
  void awaitIdle() throws InterruptedException, ExecutionException {
    // A queued drain may be scheduled up to MIN_DRAIN_INTERVAL ahead; the empty task after it
    // runs once it has (one thread).
    while (drainQueued.get()) {
      Thread.sleep(5);
    }
    executor.submit(() -> {}).get();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      // A drain under way finishes first: nothing is logged or written after close returns.
      if (!executor.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
        log.warn("rejection reports: a drain did not end within 5 s of close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
