package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualHostSetTest {

  static VirtualHost host(String name, String cluster) {
    return VirtualHost.newBuilder()
        .setName(name)
        .addDomains(name)
        .addRoutes(
            io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                .setName("default")
                .setMatch(
                    io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(
                    io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                        .setCluster(cluster)))
        .build();
  }

  static List<Versioned<RouteConfiguration>> routes(String name, List<VirtualHost> hosts) {
    return List.of(Versioned.of(name, XdsProtos.routeConfiguration(name, hosts)));
  }

  @Test
  void oneChangedHostIsTheOneChangeAndTheOthersAreKept() {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      hosts.add(host(String.format("h%03d.example.com", i), "default/r" + i));
    }
    VirtualHostSet first = VirtualHostSet.of(routes("weir-http", hosts), null);
    assertThat(first.size()).isEqualTo(100);
    assertThat(first.changesFrom(VirtualHostSet.EMPTY, null).updated()).hasSize(100);

    List<VirtualHost> changed = new ArrayList<>(hosts);
    changed.set(42, host("h042.example.com", "default/other"));
    changed.remove(7);
    changed.add(host("h100.example.com", "default/new"));
    VirtualHostSet second = VirtualHostSet.of(routes("weir-http", changed), first);

    VirtualHostSet.Changes changes = second.changesFrom(first, null);
    assertThat(changes.updated())
        .extracting(VirtualHostSet.Entry::name)
        .containsExactly("weir-http/h042.example.com", "weir-http/h100.example.com");
    assertThat(changes.removed()).containsExactly("weir-http/h007.example.com");
    assertThat(second.version()).isNotEqualTo(first.version());
    // Unchanged hosts keep their very entries (version and wire form made once).
    assertThat(second.get("weir-http/h001.example.com"))
        .isSameAs(first.get("weir-http/h001.example.com"));
    // A subscription to some names sees only those.
    assertThat(second.changesFrom(first, name -> name.endsWith("h007.example.com")).updated())
        .isEmpty();
    assertThat(second.changesFrom(first, name -> name.endsWith("h042.example.com")).updated())
        .hasSize(1);
    // The same configurations, the same set.
    List<Versioned<RouteConfiguration>> same = routes("weir-http", changed);
    assertThat(VirtualHostSet.of(same, second).changesFrom(second, null).isEmpty()).isTrue();
  }

  @Test
  void aRouteConfigurationThatGoesRemovesItsHosts() {
    List<Versioned<RouteConfiguration>> both = new ArrayList<>();
    both.addAll(routes("weir-http", List.of(host("a.example.com", "default/a"))));
    both.addAll(routes("weir-http-8080", List.of(host("a.example.com", "default/b"))));
    VirtualHostSet two = VirtualHostSet.of(both, null);
    VirtualHostSet one = VirtualHostSet.of(both.subList(0, 1), two);
    VirtualHostSet.Changes changes = one.changesFrom(two, null);
    assertThat(changes.updated()).isEmpty();
    assertThat(changes.removed()).containsExactly("weir-http-8080/a.example.com");
  }

  @Test
  void aHostNamedTwiceIsRefused() {
    List<VirtualHost> hosts =
        List.of(
            host("b.example.com", "x/b"),
            host("a.example.com", "x/a"),
            host("b.example.com", "x/c"));
    assertThatThrownBy(() -> VirtualHostSet.of(routes("weir-http", hosts), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weir-http")
        .hasMessageContaining("b.example.com appears twice");
  }
}
