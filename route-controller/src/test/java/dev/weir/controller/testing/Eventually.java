package dev.weir.controller.testing;

import java.time.Duration;

/** Polls an assertion until it holds; generous deadline, short interval, no fixed sleeps. */
public final class Eventually {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Eventually() {}

  /** A check that may throw an {@link AssertionError} (or any exception) until it holds. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }

  public static void eventually(Check check) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() > deadline) {
          if (e instanceof AssertionError a) {
            throw a;
          }
          throw new AssertionError("still failing after " + TIMEOUT, e);
        }
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
