package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.xds.ResourceDecoder;
import dev.weir.gateway.xds.XdsClient;
import dev.weir.gateway.xds.XdsSettings;
import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.Poll;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.server.XdsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 8: the gateway's first attempt after the control plane's port opens comes within
 * its own maximum backoff (plus jitter), not after gRPC's channel reconnect backoff, which has
 * grown past 10 s once the port has been closed for 20 s.
 */
class XdsReconnectBackoffTest {

  static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  /** Jitter is ±20%; the margin covers a connection, the first answer and a loaded machine. */
  static final Duration BOUND = Duration.ofMillis(MAX_BACKOFF.toMillis() * 12 / 10 + 2_000);

  @Test
  void connectsWithinTheMaximumBackoffOfTheControlPlaneStartingLate() throws Exception {
    int port = freePort();
    RoutingTableHolder holder = new RoutingTableHolder();
    XdsSettings settings =
        new XdsSettings(
            "127.0.0.1:" + port,
            "late-gateway",
            "weir-gateway",
            "us-east",
            "us-east-1a",
            ResourceNames.ROUTE_CONFIGURATION,
            Duration.ofSeconds(5),
            Duration.ofMillis(250),
            MAX_BACKOFF,
            XdsSettings.Tls.NONE);
    try (XdsClient client =
        new XdsClient(
            settings,
            new ResourceDecoder(2),
            RoutingTableBuilder.withDefaults(),
            holder,
            new SimpleMeterRegistry())) {
      client.start();
      long started = System.nanoTime();
      // Meanwhile load the server's classes, so that its first answer is not what is measured.
      try (XdsServer warm = XdsServer.builder().bindAddress("127.0.0.1").port(0).build()) {
        warm.publish(model());
        warm.start();
        Poll.until("a warm-up snapshot", () -> warm.snapshotModelRevision() == 1);
      }
      Poll.sleep(Math.max(0, 20_000 - Duration.ofNanos(System.nanoTime() - started).toMillis()));
      assertThat(client.connected()).isFalse();

      XdsServer xds = XdsServer.builder().bindAddress("127.0.0.1").port(port).build();
      try {
        xds.publish(model());
        xds.start();
        long listening = System.nanoTime();
        Poll.until("the gateway connects", Duration.ofSeconds(60), client::connected);
        Duration took = Duration.ofNanos(System.nanoTime() - listening);
        System.out.printf(
            "connected %d ms after the port began listening (bound %d ms)%n",
            took.toMillis(), BOUND.toMillis());
        assertThat(took).isLessThanOrEqualTo(BOUND);
        Poll.until("the routes apply", holder::configured);
      } finally {
        xds.close();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static TrafficModel model() {
    Locality east = Locality.of("us-east", "us-east-1a");
    Upstream upstream =
        new Upstream(
            "default",
            "late-1",
            Protocol.HTTP1,
            List.of(new Endpoint("127.0.0.1", 9, "east", east, false)));
    VirtualHost host =
        new VirtualHost(
            "late.default.example.com",
            new RouteRef("east", "default", "late", 1),
            List.of(),
            List.of(new WeightedUpstream(upstream.name(), 100)));
    return new TrafficModel(1, List.of(host), List.of(upstream));
  }
}
