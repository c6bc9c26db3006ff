package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsProtos;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsistencyTest {

  static final Versioned<io.envoyproxy.envoy.config.route.v3.RouteConfiguration> ROUTES =
      Versioned.of("weir-http", XdsProtos.routeConfiguration(List.of()));

  static XdsResources withHttps(List<String> secrets, boolean defaultChainOnly) {
    var chain = XdsProtos.tlsFilterChain("default/a", List.of("a.example.com"), "default/a");
    var defaultChain = XdsProtos.tlsFilterChain("default", List.of(), "default/fallback");
    var listener =
        XdsProtos.httpsListener(8443, defaultChainOnly ? List.of() : List.of(chain), defaultChain);
    return new XdsResources(
        List.of(Versioned.of("weir-https", listener)),
        List.of(ROUTES),
        List.of(),
        List.of(),
        secrets.stream()
            .map(name -> Versioned.of(name, XdsProtos.tlsSecret(name, "CHAIN", "KEY")))
            .toList());
  }

  @Test
  void everySecretAListenerNamesMustBeInTheSnapshot() {
    assertThatCode(
            () -> Consistency.check(withHttps(List.of("default/a", "default/fallback"), false)))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> Consistency.check(withHttps(List.of("default/fallback"), false)))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessageContaining("refers to secret default/a");
  }

  @Test
  void theDefaultChainIsCheckedToo() {
    assertThatThrownBy(() -> Consistency.check(withHttps(List.of(), true)))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessageContaining("refers to secret default/fallback");
  }

  static XdsResources routing(
      List<io.envoyproxy.envoy.config.route.v3.VirtualHost> hosts, List<String> clusters) {
    var routes = Versioned.of("weir-http", XdsProtos.routeConfiguration(hosts));
    var clusterList =
        clusters.stream()
            .map(
                name ->
                    Versioned.of("default/" + name, XdsProtos.edsCluster("default", name, false)))
            .toList();
    var endpoints =
        clusters.stream()
            .map(
                name ->
                    Versioned.of(
                        "default/" + name, XdsProtos.loadAssignment("default", name, List.of())))
            .toList();
    return new XdsResources(
        List.of(Versioned.of("weir-http", XdsProtos.httpListener(8080))),
        List.of(routes),
        clusterList,
        endpoints);
  }

  static io.envoyproxy.envoy.config.route.v3.VirtualHost host(String host, String revision) {
    return XdsProtos.virtualHost(
        host,
        "default/" + host,
        1,
        "east",
        List.of(XdsProtos.clusterRoute("default", XdsProtos.prefixMatch(), "default", revision)));
  }

  @Test
  void loadAssignmentsMatchTheClustersOneToOne() {
    XdsResources good = routing(List.of(host("a", "a")), List.of("a"));
    assertThatCode(() -> Consistency.check(good)).doesNotThrowAnyException();
    XdsResources missing =
        new XdsResources(good.listeners(), good.routes(), good.clusters(), List.of());
    assertThatThrownBy(() -> Consistency.check(missing))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessageContaining("cluster default/a has no load assignment");
    XdsResources extra =
        new XdsResources(
            good.listeners(),
            good.routes(),
            good.clusters(),
            List.of(
                good.endpoints().get(0),
                Versioned.of("default/b", XdsProtos.loadAssignment("default", "b", List.of()))));
    assertThatThrownBy(() -> Consistency.check(extra))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessageContaining("[default/b] belong to no EDS cluster");
  }

  @Test
  void checkingOnceStillCatchesAChangedHostAndNeverRemembersAFailure() throws Exception {
    Consistency consistency = new Consistency();
    var a = host("a.example.com", "a");
    var b = host("b.example.com", "b");
    XdsResources passing = routing(List.of(a, b), List.of("a", "b"));
    consistency.checkOnce(passing);
    consistency.endRound();

    // The same clusters and endpoints lists, a new route configuration in which one host (not the
    // first) routes to a cluster that does not exist.
    var broken =
        Versioned.of(
            "weir-http", XdsProtos.routeConfiguration(List.of(a, host("b.example.com", "gone"))));
    XdsResources changed =
        new XdsResources(
            passing.listeners(), List.of(broken), passing.clusters(), passing.endpoints());
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> consistency.checkOnce(changed))
          .isInstanceOf(SnapshotConsistencyException.class)
          .hasMessageContaining("virtual host b.example.com routes to cluster default/gone");
    }
    assertThatCode(() -> consistency.checkOnce(passing)).doesNotThrowAnyException();
  }

  /**
   * An invalid backend's share names a cluster no snapshot has, by design (Envoy answers it with
   * the route's cluster_not_found_response_code); any other missing weighted cluster still fails.
   */
  @Test
  void onlyTheInvalidBackendsShareMayNameAClusterThatIsNotThere() {
    for (String other : List.of(ResourceNames.INVALID_BACKEND_CLUSTER, "default/gone")) {
      var weighted =
          XdsProtos.weightedRoute(
              List.of(
                  XdsProtos.clusterWeight("default", "a", 3),
                  WeightedCluster.ClusterWeight.newBuilder()
                      .setName(other)
                      .setWeight(UInt32Value.of(1))
                      .build()));
      var host = XdsProtos.virtualHost("a.example.com", "default/a", 1, "east", List.of(weighted));
      XdsResources resources = routing(List.of(host), List.of("a"));
      if (other.equals(ResourceNames.INVALID_BACKEND_CLUSTER)) {
        assertThatCode(() -> Consistency.check(resources)).doesNotThrowAnyException();
      } else {
        assertThatThrownBy(() -> Consistency.check(resources))
            .isInstanceOf(SnapshotConsistencyException.class)
            .hasMessageContaining("routes to cluster default/gone");
      }
    }
  }
}
