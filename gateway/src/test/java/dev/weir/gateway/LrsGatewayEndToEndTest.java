package dev.weir.gateway;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.lrs.LoadReporter;
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
import dev.weir.xds.dialect.LoadReports;
import dev.weir.xds.lrs.LoadStore;
import dev.weir.xds.lrs.LoadTotals;
import dev.weir.xds.lrs.LoadWindow;
import dev.weir.xds.server.XdsServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Load reports end to end: the real gateway (one Spring context) configured by the real {@link
 * XdsServer}, real HTTP backends, and the server's {@link LoadStore} holding what the gateway
 * reported over LRS: per revision and per Weir cluster (the locality's sub_zone), errors (5xx
 * answers and the gateway's own 503 for a revision without endpoints) and latency.
 */
class LrsGatewayEndToEndTest {

  static final String NODE = "lrs-gateway";
  static final Locality EAST = Locality.of("us-east", "us-east-1a");
  static final Locality WEST = Locality.of("us-west", "us-west-1a");
  static final RouteRef ROUTE = new RouteRef("east", "default", "lrs", 1);
  static final String HELLO = "hello.default.example.com";
  static final String SLOW = "slow.default.example.com";
  static final String EMPTY = "empty.default.example.com";

  static TestBackend east;
  static TestBackend east2;
  static TestBackend west;
  static XdsServer xds;
  static ConfigurableApplicationContext gateway;
  static int dataPort;
  static final HttpClient http = HttpClient.create();

  @BeforeAll
  static void start() {
    east = TestBackend.start("east");
    east2 = TestBackend.start("east-2");
    west = TestBackend.start("west");
    east2.failRandomly(0.3, 500, 7);
    west.delay(25);
    xds = XdsServer.builder().port(0).loadReportingInterval(Duration.ofMillis(200)).build().start();
    xds.publish(model());
    gateway =
        new SpringApplicationBuilder(WeirGatewayApplication.class)
            .initializers(new dev.weir.gateway.testing.OwnEventLoops())
            .run(
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--weir.https.port=-1",
                "--weir.node.id=" + NODE,
                "--weir.node.region=" + EAST.region(),
                "--weir.node.zone=" + EAST.zone(),
                "--weir.xds.address=127.0.0.1:" + xds.port(),
                "--weir.xds.initial-backoff=50ms",
                "--weir.xds.max-backoff=500ms");
    dataPort = requireNonNull(((WebServerApplicationContext) gateway).getWebServer()).getPort();
    Poll.until(
        "the gateway applied the model",
        () ->
            xds.dataPlanes().stream()
                .filter(d -> d.nodeId().equals(NODE))
                .mapToLong(DataPlane::appliedModelRevision)
                .anyMatch(r -> r == 1));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (xds != null) {
      xds.close();
    }
    for (TestBackend backend : new TestBackend[] {east, east2, west}) {
      if (backend != null) {
        backend.close();
      }
    }
  }

  /**
   * hello-00001 in two clusters of one zone (east, east-2, which fails 30% with 500); slow-00001 in
   * the west, answering after 25 ms; empty-00001 without endpoints.
   */
  static TrafficModel model() {
    Upstream hello =
        new Upstream(
            "default",
            "hello-00001",
            Protocol.HTTP1,
            List.of(
                new Endpoint("127.0.0.1", east.port(), "east", EAST, false),
                new Endpoint("127.0.0.1", east2.port(), "east-2", EAST, false)));
    Upstream slow =
        new Upstream(
            "default",
            "slow-00001",
            Protocol.HTTP1,
            List.of(new Endpoint("127.0.0.1", west.port(), "west", WEST, false)));
    Upstream empty = new Upstream("default", "empty-00001", Protocol.HTTP1, List.of());
    return new TrafficModel(
        1,
        List.of(host(HELLO, hello), host(SLOW, slow), host(EMPTY, empty)),
        List.of(hello, slow, empty));
  }

  static VirtualHost host(String host, Upstream upstream) {
    return new VirtualHost(
        host, ROUTE, List.of(), List.of(new WeightedUpstream(upstream.name(), 100)));
  }

  static int get(String host) {
    Integer status =
        http.headers(h -> h.set("Host", host))
            .get()
            .uri("http://127.0.0.1:" + dataPort + "/")
            .responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
            .block(Duration.ofSeconds(10));
    return requireNonNull(status);
  }

  @Test
  void storeHoldsWhatTheGatewayReportedPerRevisionAndCluster() {
    Instant from = Instant.now();
    int helloErrors = 0;
    for (int i = 0; i < 200; i++) {
      int status = get(HELLO);
      assertThat(status).isIn(200, 500);
      if (status == 500) {
        helloErrors++;
      }
    }
    for (int i = 0; i < 20; i++) {
      assertThat(get(SLOW)).isEqualTo(200);
    }
    for (int i = 0; i < 10; i++) {
      assertThat(get(EMPTY)).isEqualTo(503);
    }
    int errors = helloErrors;
    assertThat(errors).as("east-2 failed some").isPositive();
    assertThat(gateway.getBean(LoadReporter.class).reportsSent()).isPositive();

    LoadStore store = xds.loadStore();
    Poll.eventually(
        () -> {
          Instant to = Instant.now();
          LoadWindow hello = store.window("default", "hello-00001", from, to);
          assertThat(hello.total())
              .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
              .containsExactly(200L, 200L - errors, (long) errors);
          assertThat(hello.byCluster()).containsOnlyKeys("east", "east-2");
          assertThat(hello.cluster("east"))
              .extracting(LoadTotals::requests, LoadTotals::errors)
              .containsExactly((long) east.hits(), 0L);
          assertThat(hello.cluster("east-2"))
              .extracting(LoadTotals::requests, LoadTotals::errors)
              .containsExactly((long) east2.hits(), (long) errors);
          assertThat(hello.total().latency().count()).isEqualTo(200);
          assertThat(hello.total().inProgress()).isZero();

          LoadWindow slow = store.window("default", "slow-00001", from, to);
          assertThat(slow.total())
              .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
              .containsExactly(20L, 20L, 0L);
          assertThat(slow.byCluster()).containsOnlyKeys("west");
          assertThat(slow.total().latency().percentile(50)).isBetween(25.0 * 0.9, 500.0);

          LoadWindow empty = store.window("default", "empty-00001", from, to);
          assertThat(empty.total())
              .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
              .containsExactly(10L, 0L, 10L);
          assertThat(empty.byCluster())
              .as("no endpoint tried: the gateway's own locality")
              .containsOnlyKeys(LoadReports.UNKNOWN_CLUSTER);
        });
  }
}
