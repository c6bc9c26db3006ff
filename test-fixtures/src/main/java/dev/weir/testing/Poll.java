package dev.weir.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ThrowingRunnable;

/**
 * Waits for what happens on another thread: short polls (20 ms) and generous deadlines, because
 * tests here run on busy, shared CPUs. The polling is Awaitility's; this class only fixes the
 * project's patience and polls in the calling thread, as a plain loop would.
 */
public final class Poll {

  /** How long {@link #until(String, BooleanSupplier)} waits. */
  public static final Duration PATIENCE = Duration.ofSeconds(20);

  /** How long {@link #eventually(ThrowingRunnable)} retries an assertion. */
  public static final Duration ASSERTION_PATIENCE = Duration.ofSeconds(30);

  private static final Duration INTERVAL = Duration.ofMillis(20);

  private Poll() {}

  /** Waits until {@code condition} holds, at most {@link #PATIENCE}; fails naming {@code what}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, PATIENCE, condition);
  }

  /** Waits until {@code condition} holds, at most {@code timeout}; fails naming {@code what}. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    poll(what, timeout).until(condition::getAsBoolean);
  }

  /**
   * Runs {@code check} until it passes, at most {@link #ASSERTION_PATIENCE}; an {@link
   * AssertionError} or any exception counts as "not yet". After the deadline it fails with the last
   * failure as its cause.
   */
  public static void eventually(ThrowingRunnable check) {
    eventually(ASSERTION_PATIENCE, check);
  }

  /** {@link #eventually(ThrowingRunnable)} with another patience. */
  public static void eventually(Duration patience, ThrowingRunnable check) {
    poll("an assertion to hold", patience).ignoreExceptions().untilAsserted(check);
  }

  /** Sleeps {@code millis}, failing (with the interrupt flag kept) if interrupted. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static ConditionFactory poll(String what, Duration timeout) {
    return await(what)
        .atMost(timeout)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(INTERVAL);
  }
}
