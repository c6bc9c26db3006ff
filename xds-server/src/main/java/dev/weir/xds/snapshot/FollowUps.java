package dev.weir.xds.snapshot;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The snapshot producer's one thread of its own, {@code weir-xds-snapshot}: it runs the checks that
 * follow up on a published model without a new one (held removals to release, staged routes to
 * switch), at a deadline or coalesced behind a flag. Not a batching loop: it never waits for more
 * models. Tasks given after {@link #close()} are dropped.
 */
final class FollowUps implements AutoCloseable {

  static final String THREAD_NAME = "weir-xds-snapshot";

  // A task at a deadline runs this much after it, so that its own "timed out?" check sees it
  // passed.
  private static final long PAST_DEADLINE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
          });

  /** Runs {@code task} just after {@code deadlineNanos} ({@link System#nanoTime()}), or now. */
  void at(long deadlineNanos, Runnable task) {
    try {
      executor.schedule(
          task,
          Math.max(0, deadlineNanos - System.nanoTime()) + PAST_DEADLINE_NANOS,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * Runs {@code task} in {@code delayMillis} ms unless one given with the same {@code pending} flag
   * has not started yet: what triggers it meanwhile is handled by that one run. The flag is cleared
   * just before the task runs.
   */
  void once(AtomicBoolean pending, long delayMillis, Runnable task) {
    if (!pending.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.schedule(
          () -> {
            pending.set(false);
            task.run();
          },
          delayMillis,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** Drops what is scheduled and interrupts what runs. Idempotent. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
