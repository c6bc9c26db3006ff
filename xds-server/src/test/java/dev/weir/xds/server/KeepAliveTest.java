package dev.weir.xds.server;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.node;
import static dev.weir.xds.server.Models.threeWay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.testing.DeltaClient;
import dev.weir.testing.Poll;
import dev.weir.testing.SotwClient;
import dev.weir.xds.DataPlane;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's keepalive against real gRPC ADS clients whose connections run through a {@link
 * FreezableRelay}: a frozen connection (sockets open, nothing forwarded) loses its data plane
 * within keepalive time + timeout, a healthy idle one keeps it.
 */
class KeepAliveTest {

  // gRPC's shortest keepalive time (it raises shorter ones to it); a short timeout.
  static final Duration TIME = Duration.ofSeconds(10);
  static final Duration TIMEOUT = Duration.ofMillis(500);
  // time + timeout after the last byte, plus generous slack for a loaded build machine
  static final Duration BOUND = Duration.ofSeconds(20);

  final List<AutoCloseable> resources = new ArrayList<>();
  XdsServer server;

  @BeforeEach
  void start() {
    server = XdsServer.builder().port(0).keepAlive(TIME, TIMEOUT).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    server.close();
  }

  @Test
  void frozenPeersAreDroppedAndAHealthyIdleOneIsNot() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    FreezableRelay frozen = relay();
    FreezableRelay healthy = relay();

    // The idle client connects first, so the server pings it first.
    SotwClient idle = sotw(healthy, "envoy-idle");
    SotwClient envoy = sotw(frozen, "envoy-frozen");
    DeltaClient gateway = delta(frozen, "gw-frozen");
    Poll.until(
        "three data planes applied revision 1",
        () -> server.dataPlanes().stream().filter(d -> d.appliedModelRevision() == 1).count() == 3);

    frozen.freeze();
    long frozenAt = System.nanoTime();
    Poll.until(
        "the frozen data planes are dropped", BOUND, () -> nodeIds().equals(Set.of("envoy-idle")));
    Duration dropped = Duration.ofNanos(System.nanoTime() - frozenAt);
    assertThat(dropped).as("dropped after").isGreaterThanOrEqualTo(TIMEOUT);
    assertThat(envoy.error()).as("the frozen client's stream").isNull(); // it never heard

    // The idle one was pinged before the frozen ones and answered: it is still there after
    // its timeout, and a while later.
    Poll.sleep(TIMEOUT.multipliedBy(4).toMillis());
    assertThat(nodeIds()).containsExactly("envoy-idle");
    assertThat(idle.error()).isNull();
    idle.expectNothingFor(Duration.ofMillis(100));
    assertThat(gateway.error()).isNull();
  }

  @Test
  void defaultsDropADeadPeerWithin30Seconds() {
    assertThat(XdsServer.DEFAULT_KEEP_ALIVE_TIME.plus(XdsServer.DEFAULT_KEEP_ALIVE_TIMEOUT))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(XdsServer.DEFAULT_PERMIT_KEEP_ALIVE_TIME).isLessThan(Duration.ofSeconds(25));
  }

  @Test
  void keepAliveRejectsWhatGrpcWouldSilentlyRaise() {
    XdsServer.Builder builder = XdsServer.builder();
    assertThatThrownBy(() -> builder.keepAlive(Duration.ofMillis(9_999), TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepAlive time: PT9.999S (expected: >= 10 s, gRPC's minimum)");
    assertThatThrownBy(() -> builder.keepAlive(TIME, Duration.ofMillis(9)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepAlive timeout: PT0.009S (expected: >= 10 ms, gRPC's minimum)");
    assertThatThrownBy(() -> builder.permitKeepAliveTime(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permitKeepAliveTime: PT-1S (expected: >= 0)");
  }

  Set<String> nodeIds() {
    return server.dataPlanes().stream().map(DataPlane::nodeId).collect(Collectors.toSet());
  }

  FreezableRelay relay() throws Exception {
    FreezableRelay relay = new FreezableRelay(server.port());
    resources.add(relay);
    return relay;
  }

  ManagedChannel channel(NettyChannelBuilder builder) {
    ManagedChannel channel = builder.build();
    resources.add(channel::shutdownNow);
    return channel;
  }

  SotwClient sotw(FreezableRelay relay, String id) throws Exception {
    ManagedChannel channel =
        channel(NettyChannelBuilder.forAddress("127.0.0.1", relay.port()).usePlaintext());
    SotwClient client = new SotwClient(channel, node(id, "envoy", EAST));
    resources.add(client);
    client.ack(client.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
    return client;
  }

  DeltaClient delta(FreezableRelay relay, String id) throws Exception {
    ManagedChannel channel =
        channel(NettyChannelBuilder.forAddress("127.0.0.1", relay.port()).usePlaintext());
    DeltaClient client = new DeltaClient(channel, node(id, "weir-gateway", EAST));
    resources.add(client);
    client.ack(client.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
    return client;
  }
}
