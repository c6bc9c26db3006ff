package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.gateway.proxy.ListenerPortServers;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.Protocol;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.VirtualHost;
import dev.weir.testing.Poll;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.netty.http.client.HttpClient;

/**
 * Gateway API listener ports other than 80 and 443 end to end: a model whose hosts sit on ports
 * 8080 (mapped by {@code weir.listener-ports.8080=0} to an ephemeral data-plane port), on a free
 * port P (unmapped: served on P itself) and on a port another process holds, translated by the real
 * {@link Translator} and served over xDS. Each port answers its own hosts only, with its own 404s;
 * the port that cannot be bound is NACKed by name while the others serve; redirects name the port
 * the route configuration gives, not the data-plane port; a port whose listener goes is closed.
 */
class ListenerPortsTest extends RouteFeatureTestBase {

  static final int MAPPED = 8080;
  static final String SHARED_HOST = "shared.ports.test";
  static final String MAPPED_HOST = "eight.ports.test";
  static final String FREE_HOST = "free.ports.test";
  static final String BUSY_HOST = "busy.ports.test";

  @Autowired ListenerPortServers servers;

  static HttpRule rule(
      String name, HttpMatch match, List<HttpFilter> filters, @Nullable String backend) {
    return new HttpRule(
        GatewayApiRulesTest.SOURCE,
        "httproute/default/ports/" + name,
        match,
        filters,
        backend == null ? List.of() : List.of(new RuleBackend(backend, 1)),
        0,
        null,
        null);
  }

  static VirtualHost host(String name, int port, String backend) {
    List<HttpRule> rules =
        List.of(
            rule(
                "moved",
                GatewayApiRulesTest.pathPrefix("/moved"),
                List.of(new HttpFilter.Redirect("http", "new.example.com", null, port, 302)),
                null),
            rule(
                "moved-no-port",
                GatewayApiRulesTest.pathPrefix("/keep"),
                List.of(new HttpFilter.Redirect(null, "new.example.com", null, null, 302)),
                null),
            rule("app", GatewayApiRulesTest.pathPrefix("/app"), List.of(), backend));
    return new VirtualHost(
        name, GatewayApiRulesTest.GATEWAY, List.of(), List.of(), rules, port, Set.of());
  }

  /** Serves {@code hosts} as the translator writes them for a gateway, listeners included. */
  void serveModel(List<VirtualHost> hosts) {
    TrafficModel model =
        new TrafficModel(
            versions.incrementAndGet(),
            hosts,
            List.of(
                GatewayApiRulesTest.upstream("a", a.port(), Protocol.HTTP1),
                GatewayApiRulesTest.upstream("b", b.port(), Protocol.HTTP1)));
    XdsResources resources =
        new Translator(8080).translate(model, DataPlaneKind.GATEWAY, GatewayApiRulesTest.HERE);
    xds.set(
        Snapshot.create(
            resources.clusterProtos(),
            resources.endpointProtos(),
            resources.listenerProtos(),
            resources.routeProtos(),
            List.of(),
            "ports-" + versions.get()));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  Response get(int dataPort, String host, String target) {
    return send(dataPort, HttpMethod.GET, host, target, Map.of());
  }

  @Test
  void eachListenerPortServesItsOwnHostsOnItsDataPlanePort() throws Exception {
    int free = freePort();
    try {
      serveModel(
          List.of(
              host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
              host(MAPPED_HOST, MAPPED, "default/a"),
              host(FREE_HOST, free, "default/b")));
      Poll.until(
          "ports " + MAPPED + " and " + free + " bound",
          Duration.ofSeconds(30),
          () -> servers.boundPort(MAPPED) > 0 && servers.boundPort(free) == free);
      int mapped = servers.boundPort(MAPPED);
      assertThat(mapped).isNotEqualTo(MAPPED);
      Poll.until(
          "hosts served on their ports",
          Duration.ofSeconds(30),
          () ->
              get(mapped, MAPPED_HOST, "/app").status() == 200
                  && get(free, FREE_HOST, "/app").status() == 200
                  && get(port, SHARED_HOST, "/app").status() == 200);

      // Each port answers its own hosts only.
      assertThat(get(mapped, MAPPED_HOST, "/app/x").backend()).isEqualTo("a");
      assertThat(get(free, FREE_HOST, "/app/x").backend()).isEqualTo("b");
      assertThat(get(port, SHARED_HOST, "/app/x").backend()).isEqualTo("b");
      Response notShared = get(port, MAPPED_HOST, "/app");
      assertThat(notShared.status()).isEqualTo(404);
      assertThat(notShared.body()).isEqualTo("no route for host " + MAPPED_HOST + "\n");
      assertThat(get(mapped, SHARED_HOST, "/app").status()).isEqualTo(404);
      assertThat(get(mapped, FREE_HOST, "/app").status()).isEqualTo(404);
      assertThat(get(free, MAPPED_HOST, "/app").status()).isEqualTo(404);
      // Per-port 404 for a known host where no rule matches.
      Response noRule = get(mapped, MAPPED_HOST, "/nothing");
      assertThat(noRule.status()).isEqualTo(404);
      assertThat(noRule.body()).isEqualTo("no route for host " + MAPPED_HOST + " path /nothing\n");

      // Redirects name the port of the route configuration (the listener's), never the data
      // plane's; without one, no port.
      Response moved = get(mapped, MAPPED_HOST, "/moved/x?q=1");
      assertThat(moved.status()).isEqualTo(302);
      assertThat(moved.headers().get("Location"))
          .isEqualTo("http://new.example.com:" + MAPPED + "/moved/x?q=1");
      assertThat(get(mapped, MAPPED_HOST, "/keep").headers().get("Location"))
          .isEqualTo("http://new.example.com/keep");

      // Port 8080's listener goes: its port closes, the others stay.
      serveModel(
          List.of(
              host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
              host(FREE_HOST, free, "default/b")));
      Poll.until(
          "port " + MAPPED + " closed",
          Duration.ofSeconds(30),
          () -> servers.boundPort(MAPPED) < 0);
      HttpClient fresh = HttpClient.newConnection();
      assertThatThrownBy(
              () -> fresh.get().uri("http://127.0.0.1:" + mapped + "/app").response().block())
          .hasMessageContaining("Connection refused");
      assertThat(get(free, FREE_HOST, "/app").backend()).isEqualTo("b");
      assertThat(get(port, SHARED_HOST, "/app").backend()).isEqualTo("b");

      // A port another process holds: NACKed by name and reason; the others keep serving.
      try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        int held = busy.getLocalPort();
        serveModel(
            List.of(
                host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
                host(FREE_HOST, free, "default/b"),
                host(BUSY_HOST, held, "default/a")));
        Poll.until(
            "the busy port NACKed",
            Duration.ofSeconds(30),
            () -> xds.nackDetails().stream().anyMatch(d -> d.contains("weir-http-" + held)));
        String nack =
            xds.nackDetails().stream()
                .filter(d -> d.contains("weir-http-" + held))
                .reduce((first, last) -> last)
                .orElseThrow();
        assertThat(nack)
            .startsWith(
                "listener weir-http-" + held + ": data-plane port " + held + " (unmapped): ")
            .contains("Address already in use");
        assertThat(servers.boundPort(held)).isEqualTo(-1);
        assertThat(get(free, FREE_HOST, "/app").backend()).isEqualTo("b");
        assertThat(get(port, SHARED_HOST, "/app").backend()).isEqualTo("b");
      }
    } finally {
      // The next class's snapshots carry no port listeners: every port closes.
      serveModel(List.of(host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b")));
      Poll.until("ports closed", Duration.ofSeconds(30), () -> servers.boundPort(free) < 0);
    }
  }

  /**
   * A listener port is the data port's server on another port: it takes Spring Boot's {@code
   * server.*} settings as the data port does, here {@code server.max-http-request-header-size=16KB}
   * from {@code application.properties} (reactor-netty's own default is 8 KB). Requests to a path
   * no rule takes, answered by the gateway itself.
   */
  @Test
  void listenerPortTakesTheDataPortsServerSettings() {
    try {
      serveModel(
          List.of(
              host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
              host(MAPPED_HOST, MAPPED, "default/a")));
      Poll.until(
          "port " + MAPPED + " bound", Duration.ofSeconds(30), () -> servers.boundPort(MAPPED) > 0);
      int mapped = servers.boundPort(MAPPED);
      Map<String, String> twelveKb = Map.of("x-large", "v".repeat(12 * 1024));
      Map<String, String> twentyKb = Map.of("x-large", "v".repeat(20 * 1024));
      Poll.until(
          "host served on its port",
          Duration.ofSeconds(30),
          () -> get(mapped, MAPPED_HOST, "/nothing").status() == 404);

      assertThat(send(port, HttpMethod.GET, SHARED_HOST, "/nothing", twelveKb).status())
          .isEqualTo(404);
      assertThat(send(mapped, HttpMethod.GET, MAPPED_HOST, "/nothing", twelveKb).status())
          .isEqualTo(404);
      assertThat(send(port, HttpMethod.GET, SHARED_HOST, "/nothing", twentyKb).status())
          .isEqualTo(431);
      assertThat(send(mapped, HttpMethod.GET, MAPPED_HOST, "/nothing", twentyKb).status())
          .isEqualTo(431);
    } finally {
      serveModel(List.of(host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b")));
      Poll.until("ports closed", Duration.ofSeconds(30), () -> servers.boundPort(MAPPED) < 0);
    }
  }

  /**
   * A response bringing a port that binds and one that cannot is NACKed, and the control plane
   * keeps the gateway at its last ACK: it would never send the first port's removal. So neither
   * port stays bound; when the port's listener comes again it is served, and closed when its
   * listener goes.
   */
  @Test
  void aNackedResponseLeavesNoPortBound() throws Exception {
    int free = freePort();
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int held = busy.getLocalPort();
      serveModel(
          List.of(
              host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
              host(FREE_HOST, free, "default/b"),
              host(BUSY_HOST, held, "default/a")));
      Poll.until(
          "the busy port NACKed",
          Duration.ofSeconds(30),
          () -> xds.nackDetails().stream().anyMatch(d -> d.contains("weir-http-" + held)));
      String nack =
          xds.nackDetails().stream()
              .filter(d -> d.contains("weir-http-" + held))
              .reduce((first, last) -> last)
              .orElseThrow();
      assertThat(nack)
          .contains("Address already in use")
          .endsWith("not served either, as this response is rejected: weir-http-" + free);
      assertThat(servers.boundPort(free)).isEqualTo(-1);
      assertThat(servers.boundPort(held)).isEqualTo(-1);
    }
    try {
      serveModel(List.of(host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b")));
      serveModel(
          List.of(
              host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
              host(FREE_HOST, free, "default/b")));
      Poll.until(
          "port " + free + " bound", Duration.ofSeconds(30), () -> servers.boundPort(free) == free);
      Poll.until(
          "host served on its port",
          Duration.ofSeconds(30),
          () -> "b".equals(get(free, FREE_HOST, "/app").backend()));
      serveModel(List.of(host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b")));
      Poll.until(
          "port " + free + " closed", Duration.ofSeconds(30), () -> servers.boundPort(free) < 0);
    } finally {
      serveModel(List.of(host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b")));
    }
  }

  /**
   * A port NACKed because another process held it is bound once the port is free and its listener
   * is sent again, as Envoy retries a rejected resource when the control plane sends it again: here
   * on a new stream (the xDS server restarts), whose first listener response carries every port
   * listener the gateway does not hold, the very same listener as before.
   */
  @Test
  void aPortNackedWhileBusyIsBoundWhenItsListenerComesAgainOnANewStream() throws Exception {
    int held;
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      held = busy.getLocalPort();
      serveModel(
          List.of(
              host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b"),
              host(BUSY_HOST, held, "default/a")));
      Poll.until(
          "the busy port NACKed",
          Duration.ofSeconds(30),
          () -> xds.nackDetails().stream().anyMatch(d -> d.contains("weir-http-" + held)));
      assertThat(servers.boundPort(held)).isEqualTo(-1);
    }
    try {
      // The port is free now; the control plane sends the same listener again on a new stream.
      xds.stop();
      xds.start();
      Poll.until(
          "port " + held + " bound on the new stream",
          Duration.ofSeconds(30),
          () -> servers.boundPort(held) == held);
      Poll.until(
          "host served on its port",
          Duration.ofSeconds(30),
          () -> "a".equals(get(held, BUSY_HOST, "/app").backend()));
    } finally {
      serveModel(List.of(host(SHARED_HOST, VirtualHost.SHARED_PORT, "default/b")));
      Poll.until("ports closed", Duration.ofSeconds(30), () -> servers.boundPort(held) < 0);
    }
  }
}
