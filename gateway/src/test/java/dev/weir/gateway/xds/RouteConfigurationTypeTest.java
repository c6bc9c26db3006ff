package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The route configuration decoded host by host: only changed hosts are decoded, and the result
 * (spec or NACK detail) is always that of a decode from scratch.
 */
class RouteConfigurationTypeTest {

  private static final int HOSTS = 100;

  private final RouteConfigurationType type =
      new RouteConfigurationType(ResourceNames.ROUTE_CONFIGURATION, 2);

  static String host(int i) {
    return "hello-" + i + ".default.example.com";
  }

  static List<VirtualHost> hosts(int count) {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      VirtualHost host =
          vhost(host(i), split("default", "hello-" + i, 90), split("default", "hello-x", 10));
      // One host names its domain in upper case, as a client might send it.
      hosts.add(i == 7 ? host.toBuilder().setDomains(0, host(i).toUpperCase()).build() : host);
    }
    return hosts;
  }

  static RouteConfiguration config(UnaryOperator<List<VirtualHost>> change) {
    return routes(change.apply(hosts(HOSTS)));
  }

  static Resource resource(RouteConfiguration config) {
    return Resource.newBuilder()
        .setName(config.getName())
        .setVersion("v")
        .setResource(Any.pack(config))
        .build();
  }

  /** The spec, or the NACK detail. */
  static Object scratch(RouteConfiguration config) {
    try {
      return new RouteConfigurationType(ResourceNames.ROUTE_CONFIGURATION, 2).decode(config);
    } catch (InvalidResourceException e) {
      return e.getMessage();
    }
  }

  @Nullable Object incremental(RouteConfiguration config) {
    try {
      return type.decode(resource(config));
    } catch (InvalidResourceException e) {
      return e.getMessage();
    }
  }

  @Test
  void aOneHostChangeDecodesOneHost() throws Exception {
    RouteConfiguration before = config(hosts -> hosts);
    RouteConfigSpec first = requireNonNull(type.decode(resource(before)));
    assertThat(first).isEqualTo(scratch(before));
    assertThat(type.decodedVirtualHosts()).isEqualTo(HOSTS);

    RouteConfiguration after =
        config(
            hosts -> {
              hosts.set(
                  42,
                  vhost(
                      host(42), split("default", "hello-42", 50), split("default", "hello-x", 50)));
              return hosts;
            });
    RouteConfigSpec spec = requireNonNull(type.decode(resource(after)));
    assertThat(type.decodedVirtualHosts()).isEqualTo(HOSTS + 1);
    assertThat(spec).isEqualTo(scratch(after));
    assertThat(spec.virtualHosts().get(0)).isSameAs(first.virtualHosts().get(0));

    assertThat(type.decode(resource(after))).isEqualTo(spec);
    assertThat(type.decodedVirtualHosts()).isEqualTo(HOSTS + 1);
  }

  static Stream<Arguments> changes() {
    return Stream.of(
        Arguments.of("nothing", (UnaryOperator<List<VirtualHost>>) hosts -> hosts, 0),
        Arguments.of(
            "a host added",
            (UnaryOperator<List<VirtualHost>>)
                hosts -> {
                  hosts.add(vhost("new.default.example.com", split("default", "new-1", 100)));
                  return hosts;
                },
            1),
        Arguments.of(
            "hosts removed",
            (UnaryOperator<List<VirtualHost>>) hosts -> hosts.subList(10, HOSTS),
            0),
        Arguments.of(
            "a domain moves to another host",
            (UnaryOperator<List<VirtualHost>>)
                hosts -> {
                  hosts.set(1, hosts.get(1).toBuilder().clearDomains().addDomains(host(1)).build());
                  hosts.set(2, hosts.get(2).toBuilder().addDomains(host(1) + ":*").build());
                  return hosts;
                },
            2),
        Arguments.of(
            "a changed host takes an unchanged host's domain",
            (UnaryOperator<List<VirtualHost>>)
                hosts -> {
                  hosts.set(0, hosts.get(0).toBuilder().addDomains(host(7)).build());
                  return hosts;
                },
            -1),
        Arguments.of(
            "a changed host is invalid",
            (UnaryOperator<List<VirtualHost>>)
                hosts -> {
                  hosts.set(3, hosts.get(3).toBuilder().clearDomains().build());
                  return hosts;
                },
            -1),
        Arguments.of(
            "a host is served twice",
            (UnaryOperator<List<VirtualHost>>)
                hosts -> {
                  hosts.add(hosts.get(5));
                  return hosts;
                },
            -1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void decodesOnlyWhatChangedAndAnswersAsFromScratch(
      String name, UnaryOperator<List<VirtualHost>> change, int decoded) throws Exception {
    RouteConfiguration before = config(hosts -> hosts);
    type.decode(resource(before));
    RouteConfiguration after = config(change);

    assertThat(incremental(after)).isEqualTo(scratch(after));
    if (decoded >= 0) {
      assertThat(type.decodedVirtualHosts() - HOSTS).isEqualTo(decoded);
    }
    // And after a NACK, the next good configuration still comes out right.
    RouteConfiguration next = config(hosts -> hosts.subList(1, HOSTS));
    assertThat(incremental(next)).isEqualTo(scratch(next));
  }

  @Test
  void aChangedHostThatCannotBeParsedIsReportedLikeTheWholeResource() throws Exception {
    type.decode(resource(config(hosts -> hosts)));
    RouteConfiguration valid = config(hosts -> hosts.subList(0, 1));
    // A virtual_hosts field (tag 0x12) whose bytes end inside a nested field.
    ByteString broken =
        valid.toByteString().concat(ByteString.copyFrom(new byte[] {0x12, 0x02, 0x0a, 0x05}));
    Resource resource =
        Resource.newBuilder()
            .setName(ResourceNames.ROUTE_CONFIGURATION)
            .setResource(Any.newBuilder().setTypeUrl(TypeUrls.ROUTE).setValue(broken))
            .build();
    String whole;
    try {
      Protos.unpack(resource, RouteConfiguration.class, "route");
      throw new AssertionError("expected a parse error");
    } catch (InvalidResourceException e) {
      whole = e.getMessage();
    }
    assertThat(incremental(resource)).isEqualTo(whole);
  }

  @Nullable Object incremental(Resource resource) {
    try {
      return type.decode(resource);
    } catch (InvalidResourceException e) {
      return e.getMessage();
    }
  }

  @Test
  void anotherRouteConfigurationIsNeitherDecodedNorRemembered() throws Exception {
    RouteConfiguration other = config(hosts -> hosts).toBuilder().setName("other").build();
    assertThat(type.decode(resource(other))).isNull();
    assertThat(type.decodedVirtualHosts()).isZero();
  }

  /** A bodiless 500 names its rule when the route name has the dialect's rule shape. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "httproute/default/app/rule/2/match/1 | rule 2 of HTTPRoute default/app",
        "grpcroute/ns/svc/rule/0/match/0 | rule 0 of GRPCRoute ns/svc",
        "other/ns/x/rule/1/match/0 | rule 1 of other ns/x",
        "weird | rule weird",
        "httproute/default/app/rule/2 | rule httproute/default/app/rule/2",
      })
  void aBodiless500NamesItsRule(String routeName, String rule) {
    assertThat(RouteConfigurationType.noValidBackend(routeName))
        .startsWith(rule + " has no backend to send to: ")
        .endsWith("or has weight 0\n");
  }
}
