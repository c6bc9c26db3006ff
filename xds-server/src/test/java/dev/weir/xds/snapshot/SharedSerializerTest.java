package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedSerializerTest {

  final SharedSerializer serializer = new SharedSerializer();

  static List<VirtualHost> hosts(int count) {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String host = "r" + i + ".default.example.com";
      hosts.add(
          XdsProtos.virtualHost(
              host,
              "default/r" + i,
              1,
              "east",
              List.of(
                  XdsProtos.clusterRoute("default", XdsProtos.prefixMatch(), "default", "r" + i))));
    }
    return hosts;
  }

  @Test
  void aRouteConfigurationFromItsHostsBytesIsWhatAnyPackMakes() throws Exception {
    List<VirtualHost> hosts = hosts(50);
    RouteConfiguration routes = XdsProtos.routeConfiguration(hosts);
    Any any = serializer.serialize(routes);

    assertThat(any.getTypeUrl()).isEqualTo(Any.pack(routes).getTypeUrl());
    assertThat(any.unpack(RouteConfiguration.class)).isEqualTo(routes);
    assertThat(any.getValue()).isEqualTo(routes.toByteString());

    // One host changed, in a new configuration with the others' very objects.
    List<VirtualHost> changed = new ArrayList<>(hosts);
    changed.set(7, hosts(8).get(7).toBuilder().setName("changed.default.example.com").build());
    RouteConfiguration next = XdsProtos.routeConfiguration(changed);
    assertThat(serializer.serialize(next).unpack(RouteConfiguration.class)).isEqualTo(next);
  }

  @Test
  void oneObjectIsSerializedOnceAndOtherFieldsAreNotLost() throws Exception {
    RouteConfiguration routes = XdsProtos.routeConfiguration(hosts(3));
    assertThat(serializer.serialize(routes)).isSameAs(serializer.serialize(routes));
    assertThat(serializer.serialize(XdsProtos.routeConfiguration(hosts(3))))
        .isEqualTo(serializer.serialize(routes));

    RouteConfiguration more =
        routes.toBuilder().setValidateClusters(com.google.protobuf.BoolValue.of(true)).build();
    assertThat(serializer.serialize(more).unpack(RouteConfiguration.class)).isEqualTo(more);
    var cluster = XdsProtos.edsCluster("default", "a", true);
    assertThat(serializer.serialize(cluster)).isEqualTo(Any.pack(cluster));
  }

  @Test
  void joinedHostBytesAreByteForByteTheConfigurationsAcrossAddedRemovedAndChangedHosts()
      throws Exception {
    java.util.Random random = new java.util.Random(42);
    java.util.TreeMap<String, VirtualHost> byName = new java.util.TreeMap<>();
    for (VirtualHost host : hosts(200)) {
      byName.put(host.getName(), host);
    }
    int counter = 1000;
    for (int step = 0; step < 300; step++) {
      List<VirtualHost> before = List.copyOf(byName.values());
      VirtualHost touched;
      switch (random.nextInt(3)) {
        case 0 -> { // add one
          int n = counter++;
          touched =
              XdsProtos.virtualHost(
                  "r" + n + ".default.example.com",
                  "default/r" + n,
                  1,
                  "east",
                  List.of(
                      XdsProtos.clusterRoute(
                          "default", XdsProtos.prefixMatch(), "default", "r" + n)));
          byName.put(touched.getName(), touched);
        }
        case 1 -> { // remove one
          touched = before.get(random.nextInt(before.size()));
          byName.remove(touched.getName());
        }
        default -> { // change one's content, keeping its name
          VirtualHost old = before.get(random.nextInt(before.size()));
          touched = old.toBuilder().addDomains("alt" + step + ".example.com").build();
          byName.put(touched.getName(), touched);
        }
      }
      RouteConfiguration routes = XdsProtos.routeConfiguration(List.copyOf(byName.values()));
      Any any = serializer.serialize(routes);

      assertThat(any.getValue()).isEqualTo(routes.toByteString());
      assertThat(any.getValue().toByteArray()).isEqualTo(routes.toByteArray());
      assertThat(any.toByteString()).isEqualTo(Any.pack(routes).toByteString());
      // Every host that was in the configuration before, the very object, keeps its bytes.
      for (VirtualHost host : routes.getVirtualHostsList()) {
        ByteString framed = serializer.framedBytes(routes.getName(), host);
        assertThat(framed).isNotNull();
        if (previousFrames.containsKey(host)) {
          assertThat(framed).isSameAs(previousFrames.get(host));
        }
        previousFrames.put(host, framed);
      }
    }
  }

  final java.util.IdentityHashMap<VirtualHost, ByteString> previousFrames =
      new java.util.IdentityHashMap<>();

  @Test
  void aHostsFrameIsItsFieldInTheConfiguration() {
    VirtualHost host = hosts(1).get(0);
    assertThat(SharedSerializer.frame(host))
        .isEqualTo(RouteConfiguration.newBuilder().addVirtualHosts(host).build().toByteString());
  }
}
