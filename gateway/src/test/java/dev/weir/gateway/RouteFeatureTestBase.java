package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.XdsResources;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.testing.Poll;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The whole gateway (one Spring context, shared by the subclasses: one per feature area of Envoy's
 * route fields) against real backends on loopback, configured by a real xDS server in-process with
 * route configurations written as Envoy protos, as a Gateway API translator would write them. Each
 * test serves the full snapshot it needs and waits until the gateway has applied it. The xDS server
 * and backends live as long as the JVM, like the context they serve.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "management.server.address=127.0.0.1",
      "management.server.port=0",
      "weir.node.id=route-feature-test",
      "weir.xds.warming-timeout=1s",
      "weir.xds.initial-backoff=50ms",
      "weir.xds.max-backoff=500ms",
      "weir.gateway.circuit-breaker.wait-duration-in-open-state=60s",
      // Gateway API listener port 8080 on an ephemeral data-plane port (ListenerPortsTest).
      "weir.listener-ports.8080=0"
    })
abstract class RouteFeatureTestBase {

  static final XdsTestServer xds = new XdsTestServer();
  static final TestBackend a = TestBackend.start("a");
  static final TestBackend b = TestBackend.start("b");
  static final AtomicInteger versions = new AtomicInteger();
  static ConnectionProvider connections = newConnections();
  static HttpClient http = HttpClient.create(connections).followRedirect(false);

  @LocalServerPort int port;
  @Autowired RoutingTableHolder tables;

  /**
   * The test client starts again for each class. The shared backends stay up: restarting them left
   * the cached gateway context's pooled connections to them half-closed. (What once took them down,
   * a test's own gateway application disposing reactor-netty's global event loops when closed, is
   * gone: such tests give their application its own loops, {@code OwnEventLoops}.)
   */
  @BeforeAll
  static void clientUp() {
    connections.dispose();
    connections = newConnections();
    http = HttpClient.create(connections).followRedirect(false);
  }

  /** Starts {@code backend} again (a class's own backend, in its {@code @BeforeAll}). */
  static void restart(TestBackend backend) {
    backend.stop();
    backend.start();
  }

  private static ConnectionProvider newConnections() {
    return ConnectionProvider.builder("route-features").maxConnections(16).build();
  }

  @DynamicPropertySource
  static void xdsAddress(DynamicPropertyRegistry registry) throws Exception {
    if (xds.address().endsWith(":0")) {
      xds.start();
    }
    registry.add("weir.xds.address", xds::address);
  }

  record Response(int status, HttpHeaders headers, String body) {
    String backend() {
      return headers.get("x-backend");
    }

    /** What the backend received as header {@code name} (values joined), or null. */
    String echoed(String name) {
      return headers.get("x-echo-" + name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** The clusters {@code default/a} and {@code default/b}, on backends a and b. */
  static final String A = "default/a";

  static final String B = "default/b";

  /**
   * Serves virtual hosts over the clusters {@code default/a} and {@code default/b} (and {@code
   * extra} ones), and waits until the gateway routes its marker host.
   */
  void serve(List<Cluster> extra, VirtualHost... vhosts) {
    serve(extra, List.of(), vhosts);
  }

  /** As above, with the endpoints of some of the extra clusters. */
  void serve(
      List<Cluster> extra, List<ClusterLoadAssignment> extraAssignments, VirtualHost... vhosts) {
    String version = "v" + versions.incrementAndGet();
    String marker = "marker-" + version + ".test";
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    clusters.add(cluster(A));
    assignments.add(assignment(A, endpoint(a.port())));
    clusters.add(cluster(B));
    assignments.add(assignment(B, endpoint(b.port())));
    clusters.addAll(extra);
    assignments.addAll(extraAssignments);
    List<VirtualHost> all = new ArrayList<>(List.of(vhosts));
    all.add(vhost(marker, "test/marker", List.of(), List.of(split("default", "a", 100))));
    xds.set(XdsResources.snapshot(version, clusters, assignments, routes(all)));
    Poll.until(
        "gateway applies " + version,
        Duration.ofSeconds(30),
        () ->
            servesExactly(tables.current(), marker)
                && tables.current().upstream(A) != null
                && !tables.current().upstream(A).endpoints().isEmpty()
                && tables.current().upstream(B) != null
                && !tables.current().upstream(B).endpoints().isEmpty());
  }

  /**
   * Whether {@code table} has a virtual host of its own for {@code marker}: a wildcard of the last
   * configuration ({@code *}) matches the marker too, so it must not be the one another name gets.
   */
  private static boolean servesExactly(dev.weir.gateway.routing.RoutingTable table, String marker) {
    var entry = table.virtualHost(marker);
    return entry != null && entry != table.virtualHost("not-" + marker);
  }

  void serve(VirtualHost... vhosts) {
    serve(List.of(), vhosts);
  }

  /** A virtual host named after its first domain, with routes tried in order. */
  static VirtualHost host(List<String> domains, Route... routes) {
    return VirtualHost.newBuilder()
        .setName(domains.get(0))
        .addAllDomains(domains)
        .addAllRoutes(List.of(routes))
        .build();
  }

  static VirtualHost host(String domain, Route... routes) {
    return host(List.of(domain), routes);
  }

  /** A route to {@code cluster} for {@code match}, changed by {@code action}. */
  static Route route(
      String name,
      RouteMatch.Builder match,
      String cluster,
      UnaryOperator<RouteAction.Builder> action) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(match)
        .setRoute(action.apply(RouteAction.newBuilder().setCluster(cluster)))
        .build();
  }

  static Route route(String name, RouteMatch.Builder match, String cluster) {
    return route(name, match, cluster, UnaryOperator.identity());
  }

  static RouteMatch.Builder prefix(String prefix) {
    return RouteMatch.newBuilder().setPrefix(prefix);
  }

  Response send(HttpMethod method, String host, String target, Map<String, String> headers) {
    return send(port, method, host, target, headers);
  }

  /** As above, to data-plane port {@code dataPort} of the gateway. */
  Response send(
      int dataPort, HttpMethod method, String host, String target, Map<String, String> headers) {
    return requireNonNull(
        http.headers(
                h -> {
                  h.set("Host", host);
                  headers.forEach(h::add);
                })
            .request(method)
            .uri("http://127.0.0.1:" + dataPort + target)
            .responseSingle(
                (res, body) ->
                    body.asString()
                        .defaultIfEmpty("")
                        .map(
                            text -> new Response(res.status().code(), res.responseHeaders(), text)))
            .block(Duration.ofSeconds(30)));
  }

  Response get(String host, String target) {
    return send(HttpMethod.GET, host, target, Map.of());
  }

  Response get(String host, String target, Map<String, String> headers) {
    return send(HttpMethod.GET, host, target, headers);
  }
}
