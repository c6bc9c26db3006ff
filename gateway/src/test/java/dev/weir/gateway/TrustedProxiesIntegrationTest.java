package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.redirectedVhost;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.XdsResources;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.testing.Poll;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.netty.http.client.HttpClient;

/**
 * A gateway behind one trusted TLS-terminating load balancer ({@code
 * weir.gateway.xff-num-trusted-hops=1}, issue 12 item 5): the balancer's {@code X-Forwarded-For} is
 * appended to, the client address is taken one hop left of the peer, {@code X-Forwarded-Proto} is
 * kept, and a request that reached the balancer over HTTPS is not redirected to HTTPS again. Other
 * hop counts are tabled in {@code WeirHeadersFilterTest}.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "management.server.address=127.0.0.1",
      "management.server.port=0",
      "weir.node.id=trusted-proxies-test",
      "weir.https.port=-1",
      "weir.https.redirect-port=443",
      "weir.gateway.xff-num-trusted-hops=1",
      "weir.xds.initial-backoff=50ms",
      "weir.xds.max-backoff=500ms"
    })
class TrustedProxiesIntegrationTest {

  static final XdsTestServer xds = new XdsTestServer();
  static final TestBackend backend = TestBackend.start("app");

  @LocalServerPort int port;
  @Autowired RoutingTableHolder tables;

  @DynamicPropertySource
  static void xdsAddress(DynamicPropertyRegistry registry) throws Exception {
    if (xds.address().endsWith(":0")) {
      xds.start();
      serve();
    }
    registry.add("weir.xds.address", xds::address);
  }

  @AfterAll
  static void stopAll() throws Exception {
    xds.close();
    backend.close();
  }

  static void serve() {
    VirtualHost secure =
        redirectedVhost(
            "secure.default.example.com", "default/secure", split("default", "app-1", 100));
    xds.set(
        XdsResources.snapshot(
            "trusted-1",
            List.of(cluster("default/app-1")),
            List.of(assignment("default/app-1", endpoint(backend.port()))),
            routes(
                List.of(
                    secure, vhost("hello.default.example.com", split("default", "app-1", 100))))));
  }

  @BeforeEach
  void routesApplied() {
    Poll.until(
        "routes applied",
        Duration.ofSeconds(30),
        () -> tables.current().virtualHost("secure.default.example.com") != null);
  }

  record Response(int status, HttpHeaders headers) {}

  Response get(String host, Map<String, String> headers) {
    return requireNonNull(
        HttpClient.create()
            .headers(
                h -> {
                  h.set("Host", host);
                  headers.forEach(h::set);
                })
            .get()
            .uri("http://127.0.0.1:" + port + "/a?b=1")
            .responseSingle(
                (res, body) ->
                    body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Response(res.status().code(), res.responseHeaders())))
            .block(Duration.ofSeconds(30)));
  }

  @Test
  void theBalancersForwardedHeadersAreKeptAndAppendedTo() {
    Response response =
        get(
            "hello.default.example.com",
            Map.of(
                "X-Forwarded-For",
                "6.6.6.6, 203.0.113.7",
                "X-Forwarded-Proto",
                "https",
                "X-Forwarded-Port",
                "443"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers().get("x-seen-for")).isEqualTo("[6.6.6.6, 203.0.113.7, 127.0.0.1]");
    assertThat(response.headers().get("x-seen-real-ip")).isEqualTo("203.0.113.7");
    assertThat(response.headers().get("x-seen-proto")).isEqualTo("https");
    assertThat(response.headers().get("x-seen-forwarded-port")).isEqualTo("443");
  }

  @Test
  void withoutForwardedHeadersTheConnectionSpeaks() {
    Response response = get("hello.default.example.com", Map.of());
    assertThat(response.headers().get("x-seen-for")).isEqualTo("[127.0.0.1]");
    assertThat(response.headers().get("x-seen-real-ip")).isEqualTo("127.0.0.1");
    assertThat(response.headers().get("x-seen-proto")).isEqualTo("http");
  }

  @Test
  void httpsAtTheBalancerIsNotRedirectedAgain() {
    Response viaHttps = get("secure.default.example.com", Map.of("X-Forwarded-Proto", "https"));
    assertThat(viaHttps.status()).isEqualTo(200);
    assertThat(viaHttps.headers().get("x-backend")).isEqualTo("app");

    Response viaHttp = get("secure.default.example.com", Map.of("X-Forwarded-Proto", "http"));
    assertThat(viaHttp.status()).isEqualTo(301);
    assertThat(viaHttp.headers().get("location"))
        .isEqualTo("https://secure.default.example.com/a?b=1");

    Response direct = get("secure.default.example.com", Map.of());
    assertThat(direct.status()).isEqualTo(301);
  }
}
