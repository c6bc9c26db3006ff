package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.pipeline.RouteKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of Route status. Takes the statuses of each build, and on its own thread writes
 * those that differ from what it last wrote to the cluster the Route came from. Failed writes are
 * retried after {@code retryDelay}; Routes of clusters without a target (folders) are not written.
 */
public final class StatusWriter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

  private final Map<String, StatusTarget> targets;
  private final Duration retryDelay;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private final Counter written;
  private final Counter failed;

  private volatile Map<RouteKey, RouteStatus> desired = Map.of();
  private final Map<RouteKey, RouteStatus> lastWritten = new HashMap<>(); // writer thread only
  private boolean retryScheduled; // writer thread only

  public StatusWriter(
      Map<String, StatusTarget> targets, Duration retryDelay, MeterRegistry meters) {
    this.targets = Map.copyOf(targets);
    this.retryDelay = requireNonNull(retryDelay, "retryDelay");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-status-writer");
              t.setDaemon(true);
              return t;
            });
    this.written =
        Counter.builder("weir.controller.status.writes").tag("result", "written").register(meters);
    this.failed =
        Counter.builder("weir.controller.status.writes").tag("result", "failed").register(meters);
  }

  /** Hands over the statuses of a build; returns at once. */
  public void submit(Map<RouteKey, RouteStatus> statuses) {
    desired = Map.copyOf(statuses);
    queueDrain();
  }

  /** Forgets what was written to {@code cluster} and writes again: leadership changed hands. */
  public void resync(String cluster) {
    executor.execute(() -> lastWritten.keySet().removeIf(k -> k.cluster().equals(cluster)));
    queueDrain();
  }

  private void queueDrain() {
    if (drainQueued.compareAndSet(false, true)) {
      try {
        executor.execute(
            () -> {
              drainQueued.set(false);
              drain();
            });
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  private void drain() {
    Map<RouteKey, RouteStatus> want = desired;
    lastWritten.keySet().retainAll(want.keySet());
    boolean retry = false;
    // Only what changed is sorted (for a stable write order): a build hands over every Route's
    // status, and most are the very objects written before.
    Map<RouteKey, RouteStatus> changed = new TreeMap<>();
    for (Map.Entry<RouteKey, RouteStatus> e : want.entrySet()) {
      if (targets.containsKey(e.getKey().cluster())
          && !e.getValue().equals(lastWritten.get(e.getKey()))) {
        changed.put(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<RouteKey, RouteStatus> e : changed.entrySet()) {
      RouteKey key = e.getKey();
      StatusTarget target = targets.get(key.cluster());
      if (!target.mayWrite()) {
        continue;
      }
      try {
        if (target.write(key, e.getValue())) {
          written.increment();
          log.debug("status of {} written", key);
        }
        lastWritten.put(key, e.getValue());
      } catch (RuntimeException ex) {
        failed.increment();
        retry = true;
        log.warn("status of {} not written ({}); retrying in {}", key, ex.toString(), retryDelay);
      }
    }
    if (retry && !retryScheduled) {
      retryScheduled = true;
      executor.schedule(
          () -> {
            retryScheduled = false;
            drain();
          },
          retryDelay.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
