package dev.weir.controller.reconcile;

import static dev.weir.controller.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.build.ClusterObjects;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.model.Locality;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RebuildLoopTest {

  private final AtomicInteger reads = new AtomicInteger();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private RebuildLoop loop(Duration holdOff, Duration maxDelay, CountDownLatch block) {
    FakeDataPlanes planes = new FakeDataPlanes();
    return new RebuildLoop("example.com", () -> {
      reads.incrementAndGet();
      try {
        block.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return List.of(new ClusterObjects("east", Locality.UNKNOWN, true, false, List.of(), List.of(),
          List.of()));
    }, planes, planes, built -> { }, holdOff, maxDelay, meters, Clock.systemUTC());
  }

  @Test
  void aBurstOfRequestsMakesOneBuild() throws InterruptedException {
    try (RebuildLoop loop = loop(Duration.ofMillis(300), Duration.ofSeconds(10), new CountDownLatch(0))) {
      for (int i = 0; i < 100; i++) {
        loop.requestRebuild();
      }
      eventually(() -> assertThat(reads).hasValue(1));
      // Nothing else was asked for, so nothing else runs.
      Thread.sleep(400);
      assertThat(reads).hasValue(1);
      assertThat(meters.get("weir.controller.rebuilds").counter().count()).isEqualTo(1);
      assertThat(loop.last()).isNotNull();
    }
  }

  @Test
  void periodicRebuildsRunWithoutRequests() {
    try (RebuildLoop loop = loop(Duration.ZERO, Duration.ofMillis(100), new CountDownLatch(0))) {
      loop.rebuildEvery(Duration.ofMillis(100));
      eventually(() -> assertThat(reads.get()).isGreaterThanOrEqualTo(3));
    }
  }

  @Test
  void steadyRequestsStillBuildWithinTheMaximumDelay() throws InterruptedException {
    try (RebuildLoop loop = loop(Duration.ofMillis(200), Duration.ofMillis(400), new CountDownLatch(0))) {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      // A request every 20 ms never leaves 200 ms of quiet: only the maximum delay lets builds run.
      while (System.nanoTime() < end) {
        loop.requestRebuild();
        Thread.sleep(20);
      }
      assertThat(reads.get()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void requestsNeverWaitForARunningBuild() {
    CountDownLatch block = new CountDownLatch(1);
    try (RebuildLoop loop = loop(Duration.ZERO, Duration.ofMillis(100), block)) {
      loop.requestRebuild();
      eventually(() -> assertThat(reads).hasValue(1));
      long start = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        loop.requestRebuild();
      }
      // Generous: the point is that the build blocked forever did not block the requests.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      block.countDown();
      eventually(() -> assertThat(reads).hasValue(2));
    }
  }
}
