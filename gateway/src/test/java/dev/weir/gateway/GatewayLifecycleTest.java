package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.snapshot;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.http.client.HttpClient;

/**
 * The gateway's life as an operator sees it, in its own application context: not ready until the
 * first configuration arrives, and on shutdown in-flight requests finish before it stops.
 */
class GatewayLifecycleTest {

  // A fresh connection per request: nothing pooled can outlive the servers under test.
  static final HttpClient http = HttpClient.newConnection();

  record Answer(int status, String body) {}

  static Answer get(int port, String host, String path) {
    return requireNonNull(
        http.headers(h -> h.set("Host", host))
            .get()
            .uri("http://127.0.0.1:" + port + path)
            .responseSingle(
                (res, body) ->
                    body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Answer(res.status().code(), text)))
            .block(Duration.ofSeconds(30)));
  }

  /** The status of a health probe, or -1 if it did not answer within 5 s (polled again). */
  static int probe(int port, String path) {
    try {
      return requireNonNull(
          http.get()
              .uri("http://127.0.0.1:" + port + path)
              .responseSingle((res, body) -> body.then().thenReturn(res.status().code()))
              .block(Duration.ofSeconds(5)));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @Test
  void readyOnlyAfterTheFirstConfigurationAndDrainsOnShutdown() throws Exception {
    try (XdsTestServer xds = new XdsTestServer().start();
        TestBackend slow = TestBackend.start("slow")) {
      SpringApplication application = new SpringApplication(WeirGatewayApplication.class);
      application.addInitializers(new dev.weir.gateway.testing.OwnEventLoops());
      ConfigurableApplicationContext context =
          application.run(
              "--server.address=127.0.0.1",
              "--server.port=0",
              "--management.server.address=127.0.0.1",
              "--management.server.port=0",
              "--weir.xds.address=" + xds.address(),
              "--weir.xds.initial-backoff=50ms",
              "--weir.xds.max-backoff=200ms",
              "--spring.lifecycle.timeout-per-shutdown-phase=20s");
      try {
        int port = requireNonNull(((WebServerApplicationContext) context).getWebServer()).getPort();
        int management =
            Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));

        Answer notReady = get(management, "localhost", "/actuator/health/readiness");
        assertThat(notReady.status()).isEqualTo(503);
        assertThat(notReady.body()).contains("OUT_OF_SERVICE");
        assertThat(get(management, "localhost", "/actuator/health/liveness").status())
            .isEqualTo(200);

        xds.set(
            snapshot(
                "v1",
                List.of(cluster("default/slow-1")),
                List.of(assignment("default/slow-1", endpoint(slow.port()))),
                routes(
                    List.of(vhost("slow.default.example.com", split("default", "slow-1", 100))))));
        Poll.until(
            "ready",
            Duration.ofSeconds(60),
            () -> probe(management, "/actuator/health/readiness") == 200);

        slow.delay(1_500);
        CompletableFuture<Answer> inFlight =
            CompletableFuture.supplyAsync(() -> get(port, "slow.default.example.com", "/"));
        Poll.until("request reached the backend", () -> slow.hits() == 1);
        context.close();
        assertThat(inFlight.get()).isEqualTo(new Answer(200, "slow"));
      } finally {
        context.close();
      }
    }
  }
}
