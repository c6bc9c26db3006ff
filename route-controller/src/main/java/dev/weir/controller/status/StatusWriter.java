package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of one sort of status: Route status, or Gateway API status. Takes the statuses of
 * each build, and on its own thread works out those that differ from what it last wrote to the
 * cluster the object came from; up to {@value #WRITES_IN_FLIGHT} of them are written at once, each
 * object's by one write at a time. Failed writes are retried after {@code retryDelay}; objects of
 * clusters without a target (folders) are not written.
 *
 * <p>Writes run in parallel because a write is two round trips to the API server (read, then update
 * the status subresource): one at a time, 10,000 new Routes at 5 ms a round trip would wait 100 s
 * for their first status.
 */
public final class StatusWriter<K extends Comparable<? super K>, S> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

  private final Map<String, StatusTarget<K, S>> targets;
  private final Function<K, String> clusterOf;
  private final Duration retryDelay;

  /** Status writes in flight at once, across Routes. */
  public static final int WRITES_IN_FLIGHT = 8;

  private final ScheduledExecutorService executor;
  private final ExecutorService writers;
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private final Counter written;
  private final Counter failed;

  private volatile Map<K, S> desired = Map.of();
  private final Map<K, S> lastWritten = new HashMap<>(); // writer thread only
  private boolean retryScheduled; // writer thread only

  /**
   * A writer: its targets by cluster name, the cluster of a key ({@code RouteKey::cluster}), and
   * the delay before failed writes are tried again.
   */
  public StatusWriter(
      Map<String, ? extends StatusTarget<K, S>> targets,
      Function<K, String> clusterOf,
      Duration retryDelay,
      MeterRegistry meters) {
    this.targets = Map.copyOf(targets);
    this.clusterOf = requireNonNull(clusterOf, "clusterOf");
    this.retryDelay = requireNonNull(retryDelay, "retryDelay");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-status-writer");
              t.setDaemon(true);
              return t;
            });
    AtomicInteger writerThreads = new AtomicInteger();
    this.writers =
        Executors.newFixedThreadPool(
            WRITES_IN_FLIGHT,
            r -> {
              Thread t = new Thread(r, "weir-status-write-" + writerThreads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.written =
        Counter.builder("weir.controller.status.writes").tag("result", "written").register(meters);
    this.failed =
        Counter.builder("weir.controller.status.writes").tag("result", "failed").register(meters);
  }

  /**
   * Hands over the statuses of a build; returns at once.
   *
   * @param statuses every object's status; kept as it is (not copied: a build's map has 10,000
   *     entries at scale), so it must not change afterwards, as a build's result's never does
   */
  public void submit(Map<K, S> statuses) {
    desired = requireNonNull(statuses, "statuses");
    if (!targets.isEmpty()) {
      // Folder clusters only: nothing to write, so no walk of every status per build.
      queueDrain();
    }
  }

  /** Forgets what was written to {@code cluster} and writes again: leadership changed hands. */
  public void resync(String cluster) {
    executor.execute(() -> lastWritten.keySet().removeIf(k -> clusterOf.apply(k).equals(cluster)));
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
    Map<K, S> want = desired;
    lastWritten.keySet().retainAll(want.keySet());
    boolean retry = false;
    // Only what changed is sorted (for a stable write order): a build hands over every Route's
    // status, and most are the very objects written before.
    Map<K, S> changed = new TreeMap<>();
    for (Map.Entry<K, S> e : want.entrySet()) {
      if (targets.containsKey(clusterOf.apply(e.getKey()))
          && !e.getValue().equals(lastWritten.get(e.getKey()))) {
        changed.put(e.getKey(), e.getValue());
      }
    }
    List<Map.Entry<K, S>> writes = new ArrayList<>(changed.size());
    List<Future<Boolean>> results = new ArrayList<>(changed.size());
    for (Map.Entry<K, S> e : changed.entrySet()) {
      StatusTarget<K, S> target = targets.get(clusterOf.apply(e.getKey()));
      if (target.mayWrite()) {
        writes.add(e);
        results.add(writers.submit(() -> target.write(e.getKey(), e.getValue())));
      }
    }
    for (int i = 0; i < writes.size(); i++) {
      K key = writes.get(i).getKey();
      try {
        if (results.get(i).get()) {
          written.increment();
          log.debug("status of {} written", key);
        }
        lastWritten.put(key, writes.get(i).getValue());
      } catch (ExecutionException ex) {
        failed.increment();
        retry = true;
        log.warn("status of {} not written ({}); retrying in {}", key, ex.getCause(), retryDelay);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt(); // closing
        results.forEach(r -> r.cancel(true));
        return;
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
    writers.shutdownNow();
  }
}
