package dev.weir.xds.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.Endpoint;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpMatch.PathMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.Poll;
import dev.weir.testing.ProxylessGrpc;
import dev.weir.xds.DataPlane;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A model with Gateway API hosts (rules with every kind of match and action) beside a Route's host,
 * against grpc-java's proxyless xDS client: the one route configuration must stay acceptable to it,
 * and a GRPCRoute-style rule (exact {@code /service/method}) must route its calls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcXdsRuleHostsTest {

  static final Locality EAST = Models.EAST;
  static final String HOST = "hello.default.example.com";
  static final String RULES_HOST = "rpc.example.com";
  static final String SCHEME = "weir-rules-xds";
  static final String NODE_ID = "grpc-rules";
  static final HttpRule.RuleSource SOURCE =
      new HttpRule.RuleSource("GRPCRoute", "east", "default", "rpc", 1);

  @SuppressWarnings("NullAway.Init")
  Server b1;

  @SuppressWarnings("NullAway.Init")
  Server b2;

  @SuppressWarnings("NullAway.Init")
  XdsServer xds;

  @BeforeAll
  void start() throws IOException {
    b1 = ProxylessGrpc.startBackend("b1");
    b2 = ProxylessGrpc.startBackend("b2");
    xds = XdsServer.builder().port(0).build().start();
    ProxylessGrpc.registerScheme(
        SCHEME, ProxylessGrpc.bootstrap(xds.port(), NODE_ID, "e2e", EAST.region(), EAST.zone()));
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (xds != null) {
      xds.close();
    }
    for (Server backend : new Server[] {b1, b2}) {
      if (backend != null) {
        backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static HttpRule rule(String name, HttpMatch match, List<HttpFilter> filters, int status) {
    return new HttpRule(
        SOURCE,
        "grpcroute/default/rpc/" + name,
        match,
        filters,
        status == 0 ? List.of(new RuleBackend("default/r2", 1)) : List.of(),
        status,
        null,
        null);
  }

  static HttpMatch path(PathMatch.Type type, String value) {
    return new HttpMatch(new PathMatch(type, value), List.of(), List.of(), null);
  }

  TrafficModel model() {
    Upstream r1 =
        new Upstream(
            "default",
            "r1",
            Protocol.HTTP2,
            List.of(new Endpoint("127.0.0.1", b1.getPort(), "east", EAST, false)));
    Upstream r2 =
        new Upstream(
            "default",
            "r2",
            Protocol.HTTP2,
            List.of(new Endpoint("127.0.0.1", b2.getPort(), "east", EAST, false)));
    VirtualHost route =
        new VirtualHost(
            HOST,
            new RouteRef("east", "default", "hello", 1),
            List.of(),
            List.of(new WeightedUpstream(r1.name(), 100)));
    List<HttpRule> rules =
        List.of(
            rule(
                "redirect",
                path(PathMatch.Type.PREFIX, "/web"),
                List.of(new HttpFilter.Redirect("https", null, null, 443, 301)),
                0),
            rule("invalid", path(PathMatch.Type.PREFIX, "/broken"), List.of(), 500),
            rule(
                "rewrite",
                path(PathMatch.Type.PREFIX, "/old"),
                List.of(
                    new HttpFilter.UrlRewrite(
                        null,
                        new HttpFilter.PathModifier(HttpFilter.PathModifier.Type.PREFIX, "/"))),
                0),
            rule("regex", path(PathMatch.Type.REGEX, "/x\\..*"), List.of(), 0),
            rule("who", path(PathMatch.Type.EXACT, "/weir.test.Backend/Who"), List.of(), 0));
    VirtualHost rpc =
        new VirtualHost(
            RULES_HOST, new RouteRef("east", "infra", "web", 1), List.of(), List.of(), rules);
    return new TrafficModel(1, List.of(route, rpc), List.of(r1, r2));
  }

  @Test
  void proxylessClientsAcceptRuleHostsAndFollowAGrpcRouteRule() throws InterruptedException {
    xds.publish(model());
    ManagedChannel main = ProxylessGrpc.channel(SCHEME, HOST);
    ManagedChannel rpc = ProxylessGrpc.channel(SCHEME, RULES_HOST);
    try {
      assertThat(
              ProxylessGrpc.who(
                  main, Duration.ofSeconds(60), () -> "data planes: " + xds.dataPlanes()))
          .isEqualTo("b1");
      assertThat(
              ProxylessGrpc.who(
                  rpc, Duration.ofSeconds(30), () -> "data planes: " + xds.dataPlanes()))
          .isEqualTo("b2");
      Poll.until(
          NODE_ID + " applied model 1",
          () -> xds.dataPlanes().stream().anyMatch(d -> d.appliedModelRevision() >= 1));
      DataPlane plane =
          xds.dataPlanes().stream()
              .filter(d -> d.nodeId().equals(NODE_ID))
              .findFirst()
              .orElseThrow();
      assertThat(plane.lastNack()).as("grpc-java accepted everything").isEmpty();
    } finally {
      main.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      rpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
