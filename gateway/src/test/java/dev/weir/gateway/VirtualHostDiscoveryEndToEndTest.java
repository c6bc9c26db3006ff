package dev.weir.gateway;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.Poll;
import dev.weir.xds.DataPlane;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import dev.weir.xds.server.XdsServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The real control plane and the real gateway over VHDS: the gateway asks for virtual hosts ({@code
 * weir.dev/vhds}), so a weight change reaches it as one VirtualHost resource, no route
 * configuration, and is served exactly.
 */
class VirtualHostDiscoveryEndToEndTest {

  static final String NODE = "vhds-e2e-gateway";
  static final String HELLO = "hello.default.example.com";
  static final String BYE = "bye.default.example.com";
  static final Locality EAST = Locality.of("us-east", "us-east-1a");

  static TestBackend hello1;
  static TestBackend hello2;
  static TestBackend bye1;
  static SimpleMeterRegistry serverMeters = new SimpleMeterRegistry();
  static XdsServer xds;
  static ConfigurableApplicationContext gateway;
  static int dataPort;

  @BeforeAll
  static void start() {
    hello1 = TestBackend.start("hello-1");
    hello2 = TestBackend.start("hello-2");
    bye1 = TestBackend.start("bye-1");
    xds = XdsServer.builder().port(0).meterRegistry(serverMeters).build().start();
    xds.publish(model(1, 90));
    gateway =
        new SpringApplicationBuilder(WeirGatewayApplication.class)
            .initializers(new dev.weir.gateway.testing.OwnEventLoops())
            .run(
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--weir.gateway.warm-up.requests=0",
                "--weir.node.id=" + NODE,
                "--weir.node.region=" + EAST.region(),
                "--weir.node.zone=" + EAST.zone(),
                "--weir.xds.address=127.0.0.1:" + xds.port(),
                "--weir.xds.initial-backoff=50ms",
                "--weir.xds.max-backoff=500ms");
    dataPort = requireNonNull(((WebServerApplicationContext) gateway).getWebServer()).getPort();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (xds != null) {
      xds.close();
    }
    for (TestBackend backend : new TestBackend[] {hello1, hello2, bye1}) {
      if (backend != null) {
        backend.close();
      }
    }
  }

  /** hello split between two revisions, hello-00001 at {@code weight}; bye on one revision. */
  static TrafficModel model(long revision, int weight) {
    Upstream h1 = upstream("hello-00001", hello1);
    Upstream h2 = upstream("hello-00002", hello2);
    Upstream b1 = upstream("bye-00001", bye1);
    return new TrafficModel(
        revision,
        List.of(
            new VirtualHost(
                HELLO,
                new RouteRef("east", "default", "hello", 1),
                List.of(),
                List.of(
                    new WeightedUpstream(h1.name(), weight),
                    new WeightedUpstream(h2.name(), 100 - weight))),
            new VirtualHost(
                BYE,
                new RouteRef("east", "default", "bye", 1),
                List.of(),
                List.of(new WeightedUpstream(b1.name(), 100)))),
        List.of(h1, h2, b1));
  }

  static Upstream upstream(String revision, TestBackend backend) {
    return new Upstream(
        "default",
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint("127.0.0.1", backend.port(), "east", EAST, false)));
  }

  static void awaitApplied(long revision) {
    Poll.until(
        "the gateway applies model revision " + revision,
        Duration.ofSeconds(30),
        () ->
            xds.dataPlanes().stream()
                .anyMatch(d -> d.nodeId().equals(NODE) && d.appliedModelRevision() == revision));
    DataPlane node =
        xds.dataPlanes().stream().filter(d -> d.nodeId().equals(NODE)).findFirst().orElseThrow();
    assertThat(node.lastNack()).isEqualTo(Optional.empty());
    assertThat(node.ackedVersions()).containsKey(VirtualHostDiscovery.TYPE_URL);
  }

  static double serverPushes(String type) {
    Counter counter = serverMeters.find("weir.xds.pushes").tag("type", type).counter();
    return counter == null ? 0 : counter.count();
  }

  static double gatewayUpdates(String type) {
    Counter counter =
        gateway
            .getBean(MeterRegistry.class)
            .find("weir.gateway.xds.updates")
            .tag("type", type)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** Sends {@code n} requests for {@code host} one after another; each must answer 200. */
  static void send(String host, int n) {
    ConnectionProvider pool = ConnectionProvider.builder("vhds-e2e").maxConnections(1).build();
    try {
      HttpClient client =
          HttpClient.create(pool)
              .baseUrl("http://127.0.0.1:" + dataPort)
              .headers(h -> h.set("Host", host));
      for (int i = 0; i < n; i++) {
        Integer status =
            client
                .get()
                .uri("/")
                .response()
                .map(r -> r.status().code())
                .block(Duration.ofSeconds(10));
        assertThat(status).as("request %d to %s", i, host).isEqualTo(200);
      }
    } finally {
      pool.dispose();
    }
  }

  @Test
  void aWeightChangeIsOneVirtualHostAndIsServedExactly() {
    awaitApplied(1);
    hello1.resetHits();
    hello2.resetHits();
    send(HELLO, 100);
    assertThat(hello1.hits()).isEqualTo(90);
    assertThat(hello2.hits()).isEqualTo(10);

    double virtualHosts = serverPushes("virtual_host");
    double routes = serverPushes("route");
    double gatewayVirtualHosts = gatewayUpdates("vhds");
    double gatewayRoutes = gatewayUpdates("rds");
    xds.publish(model(2, 70));
    awaitApplied(2);
    assertThat(serverPushes("virtual_host") - virtualHosts).isEqualTo(1);
    assertThat(serverPushes("route") - routes).isZero();
    Poll.until(
        "the gateway applied one VirtualHost response",
        () -> gatewayUpdates("vhds") == gatewayVirtualHosts + 1);
    assertThat(gatewayUpdates("rds")).isEqualTo(gatewayRoutes);

    hello1.resetHits();
    hello2.resetHits();
    send(HELLO, 100);
    assertThat(hello1.hits()).isEqualTo(70);
    assertThat(hello2.hits()).isEqualTo(30);
    bye1.resetHits();
    send(BYE, 5);
    assertThat(bye1.hits()).isEqualTo(5);
  }
}
