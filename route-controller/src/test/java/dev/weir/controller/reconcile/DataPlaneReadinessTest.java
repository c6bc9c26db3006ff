package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.ServiceObject;
import dev.weir.controller.testing.FakeDataPlanes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A data plane's ACK or NACK recomputes the Routes' readiness and hands the statuses on, without a
 * model build: the loop never reads its inputs for it.
 */
class DataPlaneReadinessTest {

  private static final RouteKey HELLO = new RouteKey("east", "default", "hello");
  private static final RouteKey BYE = new RouteKey("east", "default", "bye");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final FakeDataPlanes planes = new FakeDataPlanes();
  private final AtomicInteger builds = new AtomicInteger();
  private final AtomicInteger handedOn = new AtomicInteger();
  private final AtomicReference<Map<RouteKey, RouteStatus>> statuses =
      new AtomicReference<>(Map.of());
  private final AtomicReference<Integer> byePercent = new AtomicReference<>(100);

  private RebuildLoop loop() {
    return loop(Duration.ofMillis(5), Duration.ofMillis(50));
  }

  private RebuildLoop loop(Duration holdOff, Duration maxDelay) {
    RebuildLoop loop =
        new RebuildLoop(
            "example.com",
            () -> {
              builds.incrementAndGet(); // a model build reads its inputs once
              return List.of(cluster(java.util.Objects.requireNonNull(byePercent.get())));
            },
            planes,
            planes,
            built -> {
              statuses.set(built.result().statuses());
              handedOn.incrementAndGet();
            },
            holdOff,
            maxDelay,
            meters,
            Clock.systemUTC());
    planes.addListener(loop::requestStatus); // as WeirController wires it
    return loop;
  }

  @Test
  void anAckFlipsIngressReadyWithoutABuild() {
    try (RebuildLoop loop = loop()) {
      loop.requestRebuild();
      eventually(() -> assertThat(handedOn).hasValue(1));
      assertThat(summary(HELLO)).isEqualTo("IngressReady=Unknown/NoDataPlane Ready=Unknown");

      planes.connectUpToDate("gw-1"); // it ACKed the model just published
      eventually(() -> assertThat(summary(HELLO)).isEqualTo("IngressReady=True Ready=True"));
      assertThat(summary(BYE)).isEqualTo("IngressReady=True Ready=True");
      assertThat(builds).hasValue(1);
      assertThat(meters.get("weir.controller.rebuilds").counter().count()).isEqualTo(1);
      assertThat(meters.get("weir.controller.status.recomputes").counter().count()).isEqualTo(1);
      assertThat(meters.get("weir.controller.routes").tag("state", "ready").gauge().value())
          .isEqualTo(2);
      assertThat(java.util.Objects.requireNonNull(loop.last()).result().statuses())
          .isEqualTo(statuses.get());
    }
  }

  @Test
  void aNackKeepsTheLastGoodStatusWithoutABuild() {
    try (RebuildLoop loop = loop()) {
      loop.requestRebuild();
      eventually(() -> assertThat(handedOn).hasValue(1));
      planes.connectUpToDate("gw-1");
      eventually(() -> assertThat(summary(HELLO)).isEqualTo("IngressReady=True Ready=True"));
      RouteStatus helloReady = java.util.Objects.requireNonNull(statuses.get()).get(HELLO);

      byePercent.set(90); // a new model: bye's routing changes, hello's does not
      loop.requestRebuild();
      eventually(() -> assertThat(builds).hasValue(2));
      eventually(
          () -> assertThat(summary(BYE)).isEqualTo("IngressReady=False/Pending Ready=False"));
      int handed = handedOn.get();

      planes.nack("gw-1"); // it rejects the new model and stays on the last one
      eventually(
          () ->
              assertThat(meters.get("weir.controller.status.recomputes").counter().count())
                  .isEqualTo(2));
      assertThat(builds).hasValue(2);
      // Nothing a NACK changes: hello keeps its Ready status (the same object), bye stays Pending.
      assertThat(handedOn).hasValue(handed);
      assertThat(java.util.Objects.requireNonNull(statuses.get()).get(HELLO)).isSameAs(helloReady);
      assertThat(summary(BYE)).isEqualTo("IngressReady=False/Pending Ready=False");
      assertThat(
              java.util.Objects.requireNonNull(
                      java.util.Objects.requireNonNull(statuses.get()).get(BYE))
                  .condition(Condition.INGRESS_READY)
                  .message())
          .isEqualTo("waiting for data planes to apply model revision 2: gw-1");
    }
  }

  @Test
  void aRebuildRequestInTheSameBatchBuilds() {
    // A hold-off long enough that each pair of requests below surely falls in one batch, on any
    // machine: a request that finds the loop idle after the hold-off runs alone, at once.
    try (RebuildLoop loop = loop(Duration.ofSeconds(2), Duration.ofSeconds(4))) {
      loop.requestRebuild();
      eventually(() -> assertThat(handedOn).hasValue(1));
      loop.requestStatus();
      loop.requestRebuild();
      eventually(() -> assertThat(builds).hasValue(2));
      loop.requestStatus();
      eventually(
          () ->
              assertThat(meters.get("weir.controller.status.recomputes").counter().count())
                  .isEqualTo(1));
      assertThat(builds).hasValue(2);
    }
  }

  private String summary(RouteKey key) {
    var all = statuses.get();
    RouteStatus found = all == null ? null : all.get(key);
    assertThat(found).as("status of %s", key).isNotNull();
    RouteStatus status = java.util.Objects.requireNonNull(found);
    StringBuilder b = new StringBuilder();
    for (Condition c : status.conditions()) {
      if (c.type().equals(Condition.INGRESS_READY) || c.type().equals(Condition.READY)) {
        b.append(b.isEmpty() ? "" : " ")
            .append(c.type())
            .append('=')
            .append(c.status())
            .append(
                c.type().equals(Condition.INGRESS_READY) && c.reason() != null
                    ? "/" + c.reason()
                    : "");
      }
    }
    return b.toString();
  }

  private static ClusterObjects cluster(int byePercent) {
    List<TrafficTarget> bye =
        byePercent == 100
            ? List.of(TrafficTarget.revision("bye-00001", 100))
            : List.of(
                TrafficTarget.revision("bye-00001", byePercent),
                TrafficTarget.revision("hello-00001", 100 - byePercent));
    return new ClusterObjects(
        "east",
        dev.weir.model.Locality.UNKNOWN,
        true,
        false,
        List.of(
            new RouteObject(
                HELLO,
                1,
                Instant.EPOCH,
                new RouteSpec(List.of(TrafficTarget.revision("hello-00001", 100))),
                null),
            new RouteObject(
                BYE, byePercent == 100 ? 1 : 2, Instant.EPOCH, new RouteSpec(bye), null)),
        List.of(service("hello-00001"), service("bye-00001")),
        List.of(slice("hello-00001", "10.0.0.1"), slice("bye-00001", "10.0.0.2")));
  }

  private static ServiceObject service(String name) {
    return new ServiceObject(
        "default", name, Instant.EPOCH, Map.of(), List.of(new ServiceObject.Port("http", 80)));
  }

  private static EndpointSliceObject slice(String service, String address) {
    return new EndpointSliceObject(
        "default",
        service + "-a",
        service,
        List.of(new EndpointSliceObject.Port("http", 8080)),
        List.of(address),
        false);
  }
}
