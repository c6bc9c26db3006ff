package dev.weir.controller.admin;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.reconcile.RebuildLoop;
import dev.weir.controller.reconcile.RolloutCoordinator;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.xds.DataPlaneRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Notices what the console shows changed: Routes (their specs or statuses), Rollouts, data planes
 * or clusters. It looks every {@code weir.admin.events-interval} (200 ms) and, when something
 * changed, publishes new {@link Versions}: one counter per kind, so a client fetches only what
 * changed, and never 10,000 Routes per notice. Looking is cheap when nothing changed (identity
 * checks; a data plane change is flagged by the registry's listener).
 */
@Component
public final class ConsoleEvents implements SmartLifecycle, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConsoleEvents.class);

  /**
   * How many times each kind changed since the controller started; {@code version} counts every
   * notice.
   */
  public record Versions(
      long version, long routes, long rollouts, long dataplanes, long clusters) {}

  private final WeirController controller;
  private final ScheduledExecutorService ticker;
  private final Sinks.Many<Versions> sink = Sinks.many().replay().latest();
  private final Sinks.Empty<Void> closed = Sinks.empty();
  private final AtomicBoolean dataPlanesChanged = new AtomicBoolean();
  private volatile Versions versions = new Versions(0, 0, 0, 0, 0);
  private volatile boolean running;
  // Touched by the ticker thread only.
  private @Nullable Map<RouteKey, RouteStatus> lastStatuses;
  private @Nullable List<RolloutCoordinator.RolloutView> lastRollouts;
  private @Nullable List<ClusterHealth> lastClusters;

  /**
   * @param interval how often to look for changes ({@code weir.admin.events-interval})
   */
  public ConsoleEvents(
      WeirController controller,
      DataPlaneRegistry registry,
      @Value("${weir.admin.events-interval:200ms}") Duration interval) {
    this.controller = controller;
    sink.tryEmitNext(versions);
    registry.addListener(() -> dataPlanesChanged.set(true));
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-console-events");
              t.setDaemon(true);
              return t;
            });
    long millis = Math.max(10, interval.toMillis());
    ticker.scheduleWithFixedDelay(this::look, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** The current versions. */
  public Versions versions() {
    return versions;
  }

  /** The current versions, then each new one; completes when the controller closes. */
  public Flux<Versions> changes() {
    return sink.asFlux();
  }

  /** Completes when the controller closes (ends open event streams). */
  public reactor.core.publisher.Mono<Void> closed() {
    return closed.asMono();
  }

  private void look() {
    try {
      RebuildLoop.Built built = controller.lastBuild();
      Map<RouteKey, RouteStatus> statuses = built == null ? Map.of() : built.result().statuses();
      // Equal statuses after a rebuild (same conditions, same transition times) are no change.
      boolean routes = statuses != lastStatuses && !statuses.equals(lastStatuses);
      lastStatuses = statuses;
      List<RolloutCoordinator.RolloutView> rollouts = controller.rollouts();
      boolean rolloutsChanged = rollouts != lastRollouts && !rollouts.equals(lastRollouts);
      lastRollouts = rollouts;
      List<ClusterHealth> clusters = controller.clusters();
      boolean clustersChanged = !clusters.equals(lastClusters);
      lastClusters = clusters;
      boolean dataPlanes = dataPlanesChanged.getAndSet(false);
      if (!routes && !rolloutsChanged && !clustersChanged && !dataPlanes) {
        return;
      }
      Versions v = versions;
      v =
          new Versions(
              v.version() + 1,
              v.routes() + (routes ? 1 : 0),
              v.rollouts() + (rolloutsChanged ? 1 : 0),
              v.dataplanes() + (dataPlanes ? 1 : 0),
              v.clusters() + (clustersChanged ? 1 : 0));
      versions = v;
      sink.tryEmitNext(v);
    } catch (RuntimeException e) {
      log.warn("console events: looking for changes failed; will look again", e);
    }
  }

  @Override
  public void start() {
    running = true;
  }

  /**
   * Ends every open event stream. Its phase stops it before the web server's graceful shutdown,
   * which would otherwise wait for streams that never end.
   */
  @Override
  public void stop() {
    running = false;
    closed.tryEmitEmpty();
    sink.tryEmitComplete();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public void close() {
    stop();
    ticker.shutdownNow();
  }
}
