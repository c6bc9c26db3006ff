package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.gateway.routing.ActivationSpec;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.testing.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

/**
 * The holding queue on its own, over real routing tables: release order, a full queue, a client
 * that leaves, a revision that cannot be woken, and the held count on the load counters.
 */
class ActivatorTest {

  static final String COLD = "default/cold-1";

  final RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
  final RoutingTableHolder holder = new RoutingTableHolder();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Activator activator = new Activator(holder, Duration.ofSeconds(30), 3, registry);

  RoutingTable table(ActivationSpec activation, int endpoints) {
    List<EndpointSpec> specs =
        java.util.stream.IntStream.range(0, endpoints)
            .mapToObj(i -> new EndpointSpec("127.0.0.1", 9000 + i, 0, "east", "r", "z", "east"))
            .toList();
    return builder.build(
        new RouteConfigSpec("weir-http", List.of()),
        List.of(new ClusterSpec(COLD, false, 1_000, OutlierSpec.DISABLED, 1024, 3, activation)),
        Map.of(COLD, new LoadAssignmentSpec(COLD, specs)));
  }

  Upstream swapIn(ActivationSpec activation, int endpoints) {
    RoutingTable table = table(activation, endpoints);
    holder.swap(table, true);
    return requireNonNull(table.upstream(COLD));
  }

  @Test
  void releasesInArrivalOrderWithTheNewUpstream() {
    Upstream cold = swapIn(new ActivationSpec(true, 0, ""), 0);
    assertThat(cold.cold()).isTrue();
    List<String> released = new CopyOnWriteArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String name = "r" + i;
      activator
          .hold(cold, System.nanoTime())
          .subscribe(u -> released.add(name + ":" + u.endpointCount()));
    }
    assertThat(activator.held(COLD)).isEqualTo(3);
    assertThat(cold.load().own().held()).isEqualTo(3);
    Upstream warm = swapIn(new ActivationSpec(true, 0, ""), 2);
    assertThat(warm.cold()).isFalse();
    Poll.until("released", Duration.ofSeconds(5), () -> released.size() == 3);
    assertThat(released).containsExactly("r1:2", "r2:2", "r3:2");
    assertThat(activator.held(COLD)).isZero();
    assertThat(cold.load().own().held()).isZero();
    assertThat(
            requireNonNull(registry.find(Activator.COLD_START).tag("revision", COLD).timer())
                .count())
        .isEqualTo(3);
  }

  @Test
  void withConnectionsOpenedAheadTheReleaseWaitsForThemAndKeepsTheArrivalOrder() {
    Sinks.Empty<Void> connected = Sinks.empty();
    List<Upstream> opened = new CopyOnWriteArrayList<>();
    Activator ahead =
        new Activator(
            holder,
            Duration.ofSeconds(30),
            3,
            new SimpleMeterRegistry(),
            upstream -> {
              opened.add(upstream);
              return connected.asMono();
            },
            Duration.ofSeconds(30));
    Upstream cold = swapIn(new ActivationSpec(true, 0, ""), 0);
    List<String> released = new CopyOnWriteArrayList<>();
    ahead.hold(cold, System.nanoTime()).subscribe(u -> released.add("held"));
    Upstream warm = swapIn(new ActivationSpec(true, 0, ""), 1);
    // Opened from the held request's executor (its event loop, in the gateway).
    Poll.until("connecting ahead", Duration.ofSeconds(5), () -> !opened.isEmpty());
    assertThat(opened).containsExactly(warm);
    // Arrives with the revision ready, while the connections are opened: behind the held one.
    ahead.hold(warm, System.nanoTime()).subscribe(u -> released.add("later"));
    assertThat(ahead.held(COLD)).isEqualTo(2);
    assertThat(released).isEmpty();
    connected.tryEmitEmpty();
    Poll.until("released", Duration.ofSeconds(5), () -> released.size() == 2);
    assertThat(released).containsExactly("held", "later");
    assertThat(ahead.held(COLD)).isZero();
    assertThat(warm.load().own().held()).isZero();
    // Ready and not connecting ahead: no longer held.
    ahead.hold(warm, System.nanoTime()).subscribe(u -> released.add("warm"));
    Poll.until("answered", Duration.ofSeconds(5), () -> released.size() == 3);
    assertThat(opened).hasSize(1);
  }

  @Test
  void aFullQueueRefusesAndALeavingClientFreesItsPlace() {
    Upstream cold = swapIn(new ActivationSpec(true, 0, ""), 0);
    Disposable first = activator.hold(cold, System.nanoTime()).subscribe();
    activator.hold(cold, System.nanoTime()).subscribe();
    activator.hold(cold, System.nanoTime()).subscribe();
    assertThatThrownBy(() -> activator.hold(cold, System.nanoTime()).block())
        .isInstanceOf(Activator.Refusal.class)
        .hasMessage("too many requests waiting for revision default/cold-1");
    first.dispose();
    assertThat(activator.held(COLD)).isEqualTo(2);
    assertThat(cold.load().own().held()).isEqualTo(2);
    activator.hold(cold, System.nanoTime()).subscribe();
    assertThat(activator.held(COLD)).isEqualTo(3);
    assertThat(
            requireNonNull(
                    registry
                        .find(Activator.REJECTIONS)
                        .tag("revision", COLD)
                        .tag("reason", "queue_full")
                        .counter())
                .count())
        .isEqualTo(1);
  }

  @Test
  void aRevisionThatCannotBeWokenRefusesHeldAndNewRequests() {
    Upstream cold = swapIn(new ActivationSpec(true, 0, ""), 0);
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    activator.hold(cold, System.nanoTime()).subscribe(u -> {}, errors::add);
    Upstream broken = swapIn(new ActivationSpec(true, 0, "deployment/cold-1 not found"), 0);
    Poll.until("refused", Duration.ofSeconds(5), () -> errors.size() == 1);
    assertThat(errors.get(0))
        .hasMessage("revision default/cold-1 cannot be woken: deployment/cold-1 not found");
    assertThatThrownBy(() -> activator.hold(broken, System.nanoTime()).block())
        .hasMessage("revision default/cold-1 cannot be woken: deployment/cold-1 not found");
    assertThat(activator.held(COLD)).isZero();
  }

  @Test
  void aTableSwappedInWhileEnqueuingIsNotMissed() {
    Upstream cold = swapIn(new ActivationSpec(true, 0, ""), 0);
    // The table already has endpoints when the request (which saw the cold one) queues.
    Upstream warm = swapIn(new ActivationSpec(true, 0, ""), 1);
    assertThat(activator.hold(cold, System.nanoTime()).block(Duration.ofSeconds(1))).isSameAs(warm);
    assertThat(activator.held(COLD)).isZero();
  }

  @Test
  void settingsOutOfRangeAreRefused() {
    assertThatThrownBy(() -> new Activator(holder, Duration.ofMillis(1500), 1, registry))
        .hasMessage("weir.activation.timeout: PT1.5S (expected: whole seconds, at least 1s)");
    assertThatThrownBy(() -> new Activator(holder, Duration.ofSeconds(60), 0, registry))
        .hasMessage("weir.activation.max-held: 0 (expected: > 0)");
  }
}
