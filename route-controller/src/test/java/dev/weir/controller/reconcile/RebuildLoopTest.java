package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.SecretObject;
import dev.weir.controller.pipeline.ServiceObject;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import dev.weir.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RebuildLoopTest {

  private final AtomicInteger reads = new AtomicInteger();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private RebuildLoop loop(Duration holdOff, Duration maxDelay, CountDownLatch block) {
    FakeDataPlanes planes = new FakeDataPlanes();
    return new RebuildLoop(
        "example.com",
        () -> {
          reads.incrementAndGet();
          try {
            block.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return List.of(
              new ClusterObjects(
                  "east", Locality.UNKNOWN, true, false, List.of(), List.of(), List.of()));
        },
        planes,
        planes,
        built -> {},
        holdOff,
        maxDelay,
        meters,
        Clock.systemUTC());
  }

  @Test
  void aBurstOfRequestsDuringABuildMakesOneFollowingBuild() throws InterruptedException {
    // Was aBurstOfRequestsMakesOneBuild, which asserted one build for 100 requests from an idle
    // loop: that encoded the old rule (every request waited the hold-off). Now the first request
    // builds at once, and the burst that arrives while that build runs makes one more build.
    CountDownLatch block = new CountDownLatch(1);
    try (RebuildLoop loop = loop(Duration.ofMillis(300), Duration.ofSeconds(10), block)) {
      loop.requestRebuild();
      eventually(() -> assertThat(reads).hasValue(1)); // the first build runs (and blocks)
      for (int i = 0; i < 100; i++) {
        loop.requestRebuild();
      }
      block.countDown();
      eventually(() -> assertThat(reads).hasValue(2));
      // Nothing else was asked for, so nothing else runs.
      Thread.sleep(400);
      assertThat(reads).hasValue(2);
      assertThat(meters.get("weir.controller.rebuilds").counter().count()).isEqualTo(2);
      assertThat(loop.last()).isNotNull();
    }
  }

  @Test
  void aLoneRequestBuildsWithoutWaitingTheHoldOff() {
    // A hold-off and maximum delay of an hour: a build that waited for either would never be seen.
    try (RebuildLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1), new CountDownLatch(0))) {
      loop.requestRebuild();
      // The inputs are read when the build starts; the build is the loop's last when it ends.
      eventually(
          () -> {
            assertThat(reads).hasValue(1);
            assertThat(loop.last()).isNotNull();
          });
    }
  }

  @Test
  void aRequestWithinTheHoldOffAfterABuildIsBatched() throws InterruptedException {
    // An hour's hold-off: the second request, right after the first build, must wait it out.
    try (RebuildLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1), new CountDownLatch(0))) {
      loop.requestRebuild();
      eventually(() -> assertThat(loop.last()).isNotNull());
      loop.requestRebuild();
      Thread.sleep(200);
      assertThat(reads).hasValue(1);
    }
  }

  @Test
  void aRebuildRequestAHoldOffAfterTheLastBuildIsNotHeldBackByStatusRecomputesSince()
      throws InterruptedException {
    // A 3 s hold-off: the build after the recompute comes at once, or only 3 s later.
    Duration holdOff = Duration.ofSeconds(3);
    try (RebuildLoop loop = loop(holdOff, Duration.ofHours(1), new CountDownLatch(0))) {
      loop.requestRebuild();
      eventually(() -> assertThat(loop.last()).isNotNull());
      Thread.sleep(holdOff.toMillis() + 100);
      // A data plane ACKs that build: readiness is recomputed (no build, the inputs are not read).
      loop.requestStatus();
      Thread.sleep(200);
      assertThat(reads).hasValue(1);

      long asked = System.nanoTime();
      loop.requestRebuild();
      while (reads.get() < 2 && System.nanoTime() - asked < holdOff.toNanos() / 2) {
        Thread.sleep(5);
      }
      assertThat(reads).as("a build well before the hold-off after the recompute").hasValue(2);
      // A second change right after that build is part of a burst: it waits the hold-off.
      eventually(
          () -> assertThat(meters.get("weir.controller.rebuilds").counter().count()).isEqualTo(2));
      loop.requestRebuild();
      Thread.sleep(300);
      assertThat(reads).hasValue(2);
    }
  }

  @Test
  void aRequestForABuildNowSkipsTheHoldOffAndTakesTheWaitingBatch() {
    // An hour's hold-off: a batch waiting for it is built only because of the request for now.
    try (RebuildLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1), new CountDownLatch(0))) {
      loop.requestRebuild();
      eventually(() -> assertThat(loop.last()).isNotNull());
      loop.requestStatus(); // opens a batch within the hold-off
      loop.requestRebuildNow();
      eventually(
          () -> {
            assertThat(reads).hasValue(2);
            assertThat(meters.get("weir.controller.rebuilds").counter().count()).isEqualTo(2);
          });
      // And with no batch open: at once again.
      loop.requestRebuildNow();
      eventually(() -> assertThat(reads).hasValue(3));
    }
  }

  @Test
  void aRequestForABuildNowDuringABuildRunsRightAfterIt() {
    CountDownLatch block = new CountDownLatch(1);
    try (RebuildLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1), block)) {
      loop.requestRebuild();
      eventually(() -> assertThat(reads).hasValue(1)); // the first build runs (and blocks)
      loop.requestRebuild(); // would wait the hour's hold-off after the running build
      loop.requestRebuildNow();
      block.countDown();
      eventually(() -> assertThat(reads).hasValue(2));
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
    try (RebuildLoop loop =
        loop(Duration.ofMillis(200), Duration.ofMillis(400), new CountDownLatch(0))) {
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

  @Test
  void aBrokenDefaultCertificateIsLoggedOnceWhenItsStateChanges() {
    Logger logger = (Logger) LoggerFactory.getLogger(RebuildLoop.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    TestPki.Issued wildcard = TestPki.newAuthority("weir test CA").issue("*.default.example.com");
    TestPki.Issued other = TestPki.newAuthority("weir test CA").issue("other.example.com");
    AtomicReference<List<SecretObject>> secrets = new AtomicReference<>(List.of());
    AtomicInteger builds = new AtomicInteger();
    FakeDataPlanes planes = new FakeDataPlanes();
    RouteObject hello =
        new RouteObject(
            new RouteKey("east", "default", "hello"),
            1,
            Instant.EPOCH,
            new RouteSpec(List.of(TrafficTarget.revision("hello-00001", 100))),
            null);
    try (RebuildLoop loop =
        new RebuildLoop(
            "example.com",
            new TlsSettings("default", "wildcard", HttpOption.ENABLED),
            () ->
                List.of(
                    new ClusterObjects(
                        "east",
                        Locality.UNKNOWN,
                        true,
                        false,
                        List.of(hello),
                        List.of(
                            new ServiceObject(
                                "default",
                                "hello-00001",
                                Instant.EPOCH,
                                Map.of(),
                                List.of(new ServiceObject.Port("http", 80)))),
                        List.of(
                            new EndpointSliceObject(
                                "default",
                                "hello-00001-a",
                                "hello-00001",
                                List.of(new EndpointSliceObject.Port("http", 8080)),
                                List.of("10.0.0.1"),
                                false)),
                        java.util.Objects.requireNonNull(secrets.get()))),
            planes,
            planes,
            built -> builds.incrementAndGet(),
            Duration.ZERO,
            Duration.ofMillis(10),
            meters,
            Clock.systemUTC())) {
      for (int i = 1; i <= 3; i++) {
        loop.requestRebuild();
        int n = i;
        eventually(() -> assertThat(builds.get()).isEqualTo(n));
      }
      eventually(
          () ->
              assertThat(warnings(logged))
                  .containsExactly(
                      "default certificate: secret default/wildcard:"
                          + " SecretMissing: not found (expected: a Secret of type kubernetes.io/tls in namespace"
                          + " default of a config cluster) (nothing to serve: Routes without a Secret of their own"
                          + " are not served over HTTPS)"));

      secrets.set(
          List.of(
              new SecretObject(
                  "default", "wildcard", wildcard.chainPem(), wildcard.keyPem(), null)));
      loop.requestRebuild();
      eventually(() -> assertThat(builds.get()).isEqualTo(4));
      assertThat(warnings(logged)).hasSize(1);
      eventually(
          () ->
              assertThat(logged(logged))
                  .extracting(ILoggingEvent::getFormattedMessage)
                  .contains("default certificate: secret default/wildcard is valid again"));

      secrets.set(
          List.of(
              new SecretObject("default", "wildcard", wildcard.chainPem(), other.keyPem(), null)));
      for (int i = 5; i <= 6; i++) {
        loop.requestRebuild();
        int n = i;
        eventually(() -> assertThat(builds.get()).isEqualTo(n));
      }
      eventually(() -> assertThat(warnings(logged)).hasSize(2));
      assertThat(warnings(logged).get(1))
          .startsWith(
              "default certificate: secret default/wildcard:"
                  + " KeyMismatch: tls.key: does not match")
          .endsWith("(serving its last valid version)")
          .doesNotContain(other.keyBody().substring(10, 40));
    } finally {
      logger.detachAppender(logged);
    }
  }

  private static List<String> warnings(ListAppender<ILoggingEvent> logged) {
    return logged(logged).stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /**
   * A copy of what {@code logged} holds now, taken under the appender's lock: the rebuild thread
   * appends while the test reads ({@code AppenderBase.doAppend} is synchronized on the appender).
   */
  private static List<ILoggingEvent> logged(ListAppender<ILoggingEvent> logged) {
    synchronized (logged) {
      return List.copyOf(logged.list);
    }
  }
}
