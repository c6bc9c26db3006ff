package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.snapshot;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.testing.Poll;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.UserAgents;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ADS client against a real java-control-plane server on loopback. */
class XdsClientTest {

  private static final String HOST = "hello.default.example.com";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RoutingTableHolder holder = new RoutingTableHolder();
  private XdsTestServer server;
  private XdsClient client;

  @BeforeEach
  void start() throws Exception {
    server = new XdsTestServer().start();
    server.set(
        snapshot(
            "v1",
            List.of(cluster("default/hello-1")),
            List.of(assignment("default/hello-1", endpoint(9001))),
            routes(List.of(vhost(HOST, split("default", "hello-1", 100))))));
    client =
        new XdsClient(
            new XdsSettings(
                server.address(),
                "gw-1",
                "weir-gateway",
                "us-east",
                "us-east-1a",
                ResourceNames.ROUTE_CONFIGURATION,
                Duration.ofMillis(500),
                Duration.ofMillis(50),
                Duration.ofMillis(200),
                XdsSettings.Tls.NONE),
            new ResourceDecoder(2),
            RoutingTableBuilder.withDefaults(),
            holder,
            registry);
    client.start();
    Poll.until("first configuration", holder::configured);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void appliesConfigurationAndIdentifiesItself() {
    assertThat(holder.current().virtualHost("Hello.Default.Example.COM:8080")).isNotNull();
    Upstream upstream = holder.current().upstream("default/hello-1");
    assertThat(upstream).isNotNull();
    Endpoint endpoint = requireNonNull(requireNonNull(upstream).pick(System.nanoTime(), null));
    assertThat(endpoint.port()).isEqualTo(9001);
    assertThat(endpoint.sourceCluster()).isEqualTo("east");

    Node node = server.nodes().get(0);
    assertThat(node.getId()).isEqualTo("gw-1");
    assertThat(node.getCluster()).isEqualTo("weir-gateway");
    assertThat(node.getUserAgentName()).isEqualTo(UserAgents.GATEWAY);
    assertThat(node.getLocality().getRegion()).isEqualTo("us-east");
    assertThat(node.getLocality().getZone()).isEqualTo("us-east-1a");
    Poll.until("ACKs of cds, eds and rds", () -> client.appliedVersions().size() == 3);
    assertThat(client.appliedVersions()).containsValues("v1");
    assertThat(server.nackDetails()).isEmpty();
    assertThat(registry.get("weir.gateway.xds.connected").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void endpointChangesArriveAlone() {
    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-1")),
            List.of(assignment("default/hello-1", endpoint(9002))),
            routes(List.of(vhost(HOST, split("default", "hello-1", 100))))));
    Poll.until("new endpoint", () -> port("default/hello-1") == 9002);
  }

  @Test
  void nackKeepsTheLastGoodConfigurationAndReportsWhy() {
    // The translator's virtual host with a regex path match, which it never sends.
    VirtualHost bad =
        vhost(HOST, split("default", "hello-1", 100)).toBuilder()
            .setRoutes(
                0,
                vhost(HOST, split("default", "hello-1", 100)).getRoutes(0).toBuilder()
                    .setMatch(
                        RouteMatch.newBuilder()
                            .setSafeRegex(RegexMatcher.newBuilder().setRegex("/("))))
            .build();
    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-1")),
            List.of(assignment("default/hello-1", endpoint(9001))),
            RouteConfiguration.newBuilder()
                .setName(ResourceNames.ROUTE_CONFIGURATION)
                .addVirtualHosts(bad)
                .build()));

    String expected =
        "route "
            + ResourceNames.ROUTE_CONFIGURATION
            + " vhost hello.default.example.com route "
            + ResourceNames.DEFAULT_ROUTE
            + ": "
            + "safe_regex \"/(\" invalid: error parsing regexp: missing closing ): `/(`";
    Poll.until("NACK at the server", () -> server.nackDetails().contains(expected));
    assertThat(client.lastNack()).isEqualTo(expected);
    assertThat(holder.current().virtualHost(HOST)).isNotNull();
    assertThat(requireNonNull(holder.current().virtualHost(HOST)).match("/x", name -> null))
        .isNotNull();
    assertThat(registry.get("weir.gateway.xds.nacks").tag("type", "rds").counter().count())
        .isEqualTo(1);

    // The next good version is applied again.
    server.set(
        snapshot(
            "v3",
            List.of(cluster("default/hello-1")),
            List.of(assignment("default/hello-1", endpoint(9001))),
            routes(
                List.of(
                    vhost(HOST, split("default", "hello-1", 100)),
                    vhost("other.default.example.com", split("default", "hello-1", 100))))));
    Poll.until(
        "v3 applied", () -> holder.current().virtualHost("other.default.example.com") != null);
  }

  @Test
  void routesNamingAnUnknownClusterAreNackedAfterWarming() {
    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-1")),
            List.of(assignment("default/hello-1", endpoint(9001))),
            routes(
                List.of(vhost(HOST, split("default", "hello-1", 50), split("default", "x", 50))))));
    String expected =
        "route "
            + ResourceNames.ROUTE_CONFIGURATION
            + " vhost hello.default.example.com: weighted cluster default/x unknown";
    Poll.until("NACK for the unknown cluster", () -> server.nackDetails().contains(expected));
    // Still the single-target configuration of v1.
    assertThat(route(HOST).pick().cluster()).isEqualTo("default/hello-1");
  }

  @Test
  void routesWaitForNewClustersInsteadOfFailing() {
    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-1"), cluster("default/hello-2")),
            List.of(
                assignment("default/hello-1", endpoint(9001)),
                assignment("default/hello-2", endpoint(9002))),
            routes(
                List.of(
                    vhost(
                        HOST, split("default", "hello-1", 50), split("default", "hello-2", 50))))));
    Poll.until(
        "split applied",
        () -> {
          var route = route(HOST);
          // two picks of a 50/50 split: one of them is hello-2 once the split is applied
          return java.util.stream.Stream.generate(route::pick)
              .limit(2)
              .anyMatch(target -> target.cluster().equals("default/hello-2"));
        });
    // Applied only once both clusters and their endpoints were there: no pick finds a gap.
    var route = route(HOST);
    for (int i = 0; i < 4; i++) {
      assertThat(upstreamOf(route).endpointCount()).isEqualTo(1);
    }
    assertThat(port("default/hello-2")).isEqualTo(9002);
    assertThat(server.nackDetails()).isEmpty();
  }

  @Test
  void keepsServingWhileTheControlPlaneIsAwayAndResyncsWhenItReturns() throws Exception {
    server.stop();
    Poll.until("disconnect noticed", () -> !client.connected());
    assertThat(holder.current().virtualHost(HOST)).isNotNull();

    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-1")),
            List.of(assignment("default/hello-1", endpoint(9003))),
            routes(List.of(vhost("moved.default.example.com", split("default", "hello-1", 100))))));
    server.start();
    // Routes and endpoints arrive as separate responses; both must catch up.
    Poll.until(
        "resync",
        () ->
            holder.current().virtualHost("moved.default.example.com") != null
                && port("default/hello-1") == 9003);
    assertThat(client.connected()).isTrue();
    assertThat(holder.current().virtualHost(HOST)).isNull();
    // The new stream declared what the client held, so a server could send only what changed.
    assertThat(server.requests())
        .filteredOn(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER))
        .anySatisfy(
            r -> assertThat(r.getInitialResourceVersionsMap()).containsKey("default/hello-1"));
    assertThat(server.requests())
        .filteredOn(r -> r.getTypeUrl().equals(TypeUrls.ROUTE))
        .anySatisfy(
            r ->
                assertThat(r.getInitialResourceVersionsMap())
                    .containsKey(ResourceNames.ROUTE_CONFIGURATION));
  }

  @Test
  void aResyncIsSwappedInWholeAndDropsWhatTheNewServerNoLongerHas() throws Exception {
    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-1"), cluster("default/old-1")),
            List.of(
                assignment("default/hello-1", endpoint(9001)),
                assignment("default/old-1", endpoint(9004))),
            routes(
                List.of(
                    vhost(HOST, split("default", "hello-1", 100)),
                    vhost("old.default.example.com", split("default", "old-1", 100))))));
    Poll.until("old host", () -> holder.current().virtualHost("old.default.example.com") != null);
    server.stop();
    Poll.until("disconnect noticed", () -> !client.connected());

    // The new server has hello-1 unchanged, no old-1, and a new host on a new cluster.
    server.set(
        snapshot(
            "v3",
            List.of(cluster("default/hello-1"), cluster("default/new-1")),
            List.of(
                assignment("default/hello-1", endpoint(9001)),
                assignment("default/new-1", endpoint(9005))),
            routes(
                List.of(
                    vhost(HOST, split("default", "hello-1", 100)),
                    vhost("new.default.example.com", split("default", "new-1", 100))))));
    server.start();
    Poll.until("resync", () -> holder.current().virtualHost("new.default.example.com") != null);
    // One table: the new host came with its cluster and endpoints, the old host went with old-1
    // (the server resent hello-1 at the version held, so it sent its whole set).
    assertThat(upstreamOf(route("new.default.example.com")).endpointCount()).isEqualTo(1);
    assertThat(holder.current().virtualHost("old.default.example.com")).isNull();
    assertThat(holder.current().upstream("default/old-1")).isNull();
    assertThat(port("default/hello-1")).isEqualTo(9001);
    assertThat(server.nackDetails()).isEmpty();
  }

  @Test
  void aClusterTheServerRemovedStaysWhileTheAppliedRoutesNameIt() {
    // The moment between a CDS answer without hello-1 and the RDS answer that stops naming it:
    // routes that still name hello-1, clusters that no longer have it.
    server.set(
        snapshot(
            "v2",
            List.of(cluster("default/hello-2")),
            List.of(assignment("default/hello-2", endpoint(9002))),
            routes(List.of(vhost(HOST, split("default", "hello-1", 100))))));
    Poll.until("hello-2 arrives", () -> holder.current().upstream("default/hello-2") != null);
    Upstream kept = holder.current().upstream("default/hello-1");
    assertThat(kept).as("hello-1 while the routes name it").isNotNull();
    assertThat(requireNonNull(requireNonNull(kept).pick(System.nanoTime(), null)).port())
        .isEqualTo(9001);
    assertThat(route(HOST).pick().upstream()).isSameAs(kept);

    server.set(
        snapshot(
            "v3",
            List.of(cluster("default/hello-2")),
            List.of(assignment("default/hello-2", endpoint(9002))),
            routes(List.of(vhost(HOST, split("default", "hello-2", 100))))));
    Poll.until(
        "hello-1 goes with the routes that named it",
        () -> holder.current().upstream("default/hello-1") == null);
    assertThat(route(HOST).pick().cluster()).isEqualTo("default/hello-2");
    assertThat(server.nackDetails()).isEmpty();
  }

  /** The port the served table picks for {@code cluster}; fails the test without one. */
  private int port(String cluster) {
    Upstream upstream = requireNonNull(holder.current().upstream(cluster), cluster);
    return requireNonNull(upstream.pick(System.nanoTime(), null), cluster).port();
  }

  /** The route the served table matches for {@code /} on {@code host}; fails the test without. */
  private RouteEntry route(String host) {
    return requireNonNull(
        requireNonNull(holder.current().virtualHost(host), host).match("/", n -> null), host);
  }

  /** The upstream of the route's next pick; fails the test without one. */
  private static Upstream upstreamOf(RouteEntry route) {
    return requireNonNull(route.pick().upstream(), route.name());
  }
}
