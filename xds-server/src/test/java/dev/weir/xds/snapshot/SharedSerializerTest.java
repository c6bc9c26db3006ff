package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
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
}
