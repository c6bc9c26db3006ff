package dev.weir.xds.snapshot;

import static dev.weir.xds.server.Models.EAST;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.dialect.NodeGateways;
import dev.weir.xds.server.Models;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-Gateway data planes and Gateway listener ports in snapshots: a node naming the Gateways it
 * serves ({@link NodeGateways#FIELD}) is grouped by them and gets their hosts plus every Route's
 * host; a node naming none gets every host; a host on a port other than 80 gets a listener and
 * route configuration {@code weir-http-{port}} of its own.
 */
class GatewayGroupsTest {

  static final RouteRef HELLO = new RouteRef("east", "default", "hello", 1);
  static final Upstream ONE = Models.upstream("one", "10.0.0.1");
  static final HttpRule.RuleSource SOURCE =
      new HttpRule.RuleSource("HTTPRoute", "east", "default", "app", 1);

  final SnapshotProducer producer =
      new SnapshotProducer(
          8080,
          8443,
          Duration.ofSeconds(30),
          new SnapshotProducerTest.FakeAcks(),
          new SnapshotHistory(4),
          Timer.builder("builds").register(new SimpleMeterRegistry()));

  @AfterEach
  void close() {
    producer.close();
  }

  static VirtualHost gatewayHost(String host, int port, String... gateways) {
    HttpRule rule =
        new HttpRule(
            SOURCE,
            "httproute/default/app/rule/0/match/0",
            new HttpMatch(
                new HttpMatch.PathMatch(HttpMatch.PathMatch.Type.PREFIX, "/"),
                List.of(),
                List.of(),
                null),
            List.of(),
            List.of(new RuleBackend(ONE.name(), 1)),
            0,
            null,
            null);
    return new VirtualHost(
        host,
        new RouteRef("east", "infra", "gw", 1),
        List.of(),
        List.of(),
        List.of(rule),
        port,
        Set.of(gateways));
  }

  static TrafficModel model() {
    return new TrafficModel(
        1,
        List.of(
            new VirtualHost(
                "hello.default.example.com",
                HELLO,
                List.of(),
                List.of(new WeightedUpstream(ONE.name(), 100))),
            gatewayHost("a.example.com", 80, "ns/a"),
            gatewayHost("a.example.com", 9000, "ns/a"),
            gatewayHost("b.example.com", 443, "ns/b"),
            gatewayHost("both.example.com", 80, "ns/a", "ns/b")),
        List.of(ONE));
  }

  static Node node(String id, Value gateways) {
    return Models.node(id, "envoy", EAST).toBuilder()
        .setMetadata(Struct.newBuilder().putFields(NodeGateways.FIELD, gateways))
        .build();
  }

  WeirSnapshot snapshot(NodeGroupKey group) {
    producer.ensureSnapshot(group);
    return (WeirSnapshot)
        Objects.requireNonNull(((WeirCache) producer.watcher()).getSnapshot(group));
  }

  static <T> T get(Map<String, T> map, String key) {
    return Objects.requireNonNull(map.get(key), key);
  }

  static List<String> domainsOf(RouteConfiguration config) {
    return config.getVirtualHostsList().stream()
        .map(io.envoyproxy.envoy.config.route.v3.VirtualHost::getName)
        .toList();
  }

  @Test
  void aNodeNamingGatewaysIsGroupedByThem() {
    NodeGroupKey a =
        NodeGroupKey.of(node("a", Value.newBuilder().setStringValue(" ns/a ").build()));
    assertThat(a.gateways()).containsExactly("ns/a");
    NodeGroupKey list =
        NodeGroupKey.of(
            node(
                "ab",
                Value.newBuilder()
                    .setListValue(
                        ListValue.newBuilder()
                            .addValues(Value.newBuilder().setStringValue("ns/b"))
                            .addValues(Value.newBuilder().setStringValue("ns/a")))
                    .build()));
    assertThat(list.gateways()).containsExactly("ns/a", "ns/b");
    assertThat(NodeGroupKey.of(Models.node("all", "envoy", EAST)).gateways()).isEmpty();
    // Not namespace/name: every host rather than a refused node.
    assertThat(
            NodeGroupKey.of(node("bad", Value.newBuilder().setStringValue("a").build())).gateways())
        .isEmpty();
    assertThat(a).isNotEqualTo(new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false));
  }

  @Test
  void aGroupGetsItsGatewaysHostsAndEveryRoutesHost() {
    producer.publish(model());
    NodeGroupKey a = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false, Set.of("ns/a"));
    NodeGroupKey b = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false, Set.of("ns/b"));
    NodeGroupKey all = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false);

    Map<String, RouteConfiguration> ofA = snapshot(a).routes().resources();
    assertThat(ofA.keySet()).containsExactlyInAnyOrder("weir-http", "weir-http-9000");
    assertThat(domainsOf(get(ofA, "weir-http")))
        .containsExactly("a.example.com", "both.example.com", "hello.default.example.com");
    assertThat(domainsOf(get(ofA, "weir-http-9000"))).containsExactly("a.example.com");

    Map<String, RouteConfiguration> ofB = snapshot(b).routes().resources();
    assertThat(ofB.keySet()).containsExactly("weir-http");
    // 443 is the shared listeners' port too.
    assertThat(domainsOf(get(ofB, "weir-http")))
        .containsExactly("b.example.com", "both.example.com", "hello.default.example.com");
    assertThat(snapshot(b).listeners().resources().keySet()).containsExactly("weir-http");

    Map<String, RouteConfiguration> ofAll = snapshot(all).routes().resources();
    assertThat(domainsOf(get(ofAll, "weir-http")))
        .containsExactly(
            "a.example.com", "b.example.com", "both.example.com", "hello.default.example.com");
    assertThat(domainsOf(get(ofAll, "weir-http-9000"))).containsExactly("a.example.com");
  }

  @Test
  void envoyGetsOneListenerPerGatewayListenerPort() throws Exception {
    producer.publish(model());
    NodeGroupKey a = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false, Set.of("ns/a"));

    Map<String, Listener> listeners = snapshot(a).listeners().resources();
    assertThat(listeners.keySet()).containsExactlyInAnyOrder("weir-http", "weir-http-9000");
    Listener port = get(listeners, "weir-http-9000");
    assertThat(port.getAddress().getSocketAddress().getPortValue()).isEqualTo(9000);
    HttpConnectionManager hcm =
        port.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("weir-http-9000");
    assertThat(hcm.getStatPrefix()).isEqualTo("weir-http-9000");
    // The shared listener is as before.
    assertThat(get(listeners, "weir-http").getAddress().getSocketAddress().getPortValue())
        .isEqualTo(8080);
  }

  static HttpRule rule(String name, String path, String... gateways) {
    return new HttpRule(
        SOURCE,
        name,
        new HttpMatch(
            new HttpMatch.PathMatch(HttpMatch.PathMatch.Type.PREFIX, path),
            List.of(),
            List.of(),
            null),
        List.of(),
        List.of(new RuleBackend(ONE.name(), 1)),
        0,
        null,
        null,
        Set.of(gateways));
  }

  static List<String> routeNames(RouteConfiguration config, String domain) {
    return config.getVirtualHostsList().stream()
        .filter(vh -> vh.getName().equals(domain))
        .flatMap(vh -> vh.getRoutesList().stream())
        .map(io.envoyproxy.envoy.config.route.v3.Route::getName)
        .toList();
  }

  /**
   * Two Gateways sharing a host and port: one virtual host (one domain per route configuration)
   * whose routes are both Gateways' rules in their order; a group serving one Gateway gets its
   * rules only, in the same order, and a group serving both (or every Gateway) gets them all.
   */
  @Test
  void aHostOfSeveralGatewaysGivesEachGroupItsGatewaysRulesInOrder() {
    VirtualHost shared =
        new VirtualHost(
            "*",
            new RouteRef("east", "infra", "a", 1),
            List.of(),
            List.of(),
            List.of(
                rule("a-long", "/a/long", "infra/a"),
                rule("b-mid", "/b", "infra/b"),
                rule("both", "/", "infra/a", "infra/b")),
            80,
            Set.of("infra/a", "infra/b"));
    producer.publish(new TrafficModel(1, List.of(shared), List.of(ONE)));
    NodeGroupKey a = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false, Set.of("infra/a"));
    NodeGroupKey b = new NodeGroupKey(DataPlaneKind.GATEWAY, EAST, false, Set.of("infra/b"));
    NodeGroupKey ab =
        new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false, Set.of("infra/a", "infra/b"));
    NodeGroupKey all = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false);
    NodeGroupKey other = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, false, Set.of("infra/c"));

    assertThat(routeNames(get(snapshot(a).routes().resources(), "weir-http"), "*"))
        .containsExactly("a-long", "both");
    RouteConfiguration ofB = get(snapshot(b).routes().resources(), "weir-http");
    assertThat(routeNames(ofB, "*")).containsExactly("b-mid", "both");
    assertThat(ofB.getVirtualHosts(0).getRoutes(0).getMatch().getPathSeparatedPrefix())
        .isEqualTo("/b");
    assertThat(routeNames(get(snapshot(ab).routes().resources(), "weir-http"), "*"))
        .containsExactly("a-long", "b-mid", "both");
    assertThat(routeNames(get(snapshot(all).routes().resources(), "weir-http"), "*"))
        .containsExactly("a-long", "b-mid", "both");
    assertThat(domainsOf(get(snapshot(other).routes().resources(), "weir-http"))).isEmpty();
  }

  @Test
  void aRuleMayNameOnlyTheGatewaysOfItsHost() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new VirtualHost(
                    "*",
                    new RouteRef("east", "infra", "a", 1),
                    List.of(),
                    List.of(),
                    List.of(rule("x", "/", "infra/c")),
                    80,
                    Set.of("infra/a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("*: rule x names gateways [infra/c] (expected: among the host's [infra/a])");
  }
}
