package dev.weir.xds.server;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something that happens on another thread, patiently: machines here are busy. */
final class Poll {

  static final Duration PATIENCE = Duration.ofSeconds(20);

  private Poll() {}

  static void until(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + PATIENCE + ": " + what);
      }
      Thread.sleep(10);
    }
  }
}
