package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.VirtualHostEntry;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.Vhds;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/**
 * VHDS in the assembler: a route configuration with {@code vhds} gets its hosts from VirtualHost
 * responses, one changed host decodes one host, and a bad host is NACKed by name and leaves the
 * hosts held as they were.
 */
class VirtualHostAssemblyTest {

  static final String A = "a.default.example.com";
  static final String B = "b.default.example.com";

  final ResourceDecoder decoder = new ResourceDecoder(2);
  final XdsSettings settings =
      new XdsSettings(
          "127.0.0.1:1",
          "gw-vhds",
          "weir-gateway",
          "",
          "",
          ResourceNames.ROUTE_CONFIGURATION,
          Duration.ofHours(1),
          Duration.ofMillis(50),
          Duration.ofMillis(200),
          XdsSettings.Tls.NONE);

  static Resource resource(String name, com.google.protobuf.Message message, String version) {
    return Resource.newBuilder()
        .setName(name)
        .setVersion(version)
        .setResource(Any.pack(message))
        .build();
  }

  static DeltaDiscoveryResponse response(String type, String nonce, Resource... resources) {
    return DeltaDiscoveryResponse.newBuilder()
        .setTypeUrl(type)
        .setNonce(nonce)
        .setSystemVersionInfo(nonce)
        .addAllResources(List.of(resources))
        .build();
  }

  static Resource host(VirtualHost host, String version) {
    return resource(
        VirtualHostDiscovery.resourceName(ResourceNames.ROUTE_CONFIGURATION, host.getName()),
        host,
        version);
  }

  /** The cluster a request for {@code host} at {@code /} goes to (one target per host here). */
  static String served(RoutingTable table, String host) {
    VirtualHostEntry vh = table.virtualHost(host);
    if (vh == null) {
      return "none";
    }
    RouteEntry route = vh.match("/", name -> null);
    return route == null ? "no route" : route.pick().cluster();
  }

  @Test
  void hostsComeApartAndABadOneIsRefusedByName() throws Exception {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    try (AdsStream stream = new AdsStream(settings, executor, new SimpleMeterRegistry())) {
      RoutingTableHolder holder = new RoutingTableHolder();
      RoutingAssembler assembler =
          new RoutingAssembler(
              settings, stream, executor, RoutingTableBuilder.withDefaults(), holder, decoder);
      for (String name : List.of("default/a-1", "default/b-1", "default/b-2")) {
        assembler.onClusters(
            response(TypeUrls.CLUSTER, "c"),
            new ResourceUpdate<>(
                Map.of(name, new Versioned<>(decoder.cluster(cluster(name)), "c")), List.of()));
        assembler.onEndpoints(
            response(TypeUrls.ENDPOINT, "e"),
            new ResourceUpdate<>(
                Map.of(
                    name,
                    new Versioned<>(decoder.loadAssignment(assignment(name, endpoint(9001))), "e")),
                List.of()));
      }
      RouteConfiguration hostless =
          RouteConfiguration.newBuilder()
              .setName(ResourceNames.ROUTE_CONFIGURATION)
              .setVhds(
                  Vhds.newBuilder()
                      .setConfigSource(
                          ConfigSource.newBuilder()
                              .setAds(AggregatedConfigSource.getDefaultInstance())))
              .build();
      assembler.onRouteResponse(
          response(
              TypeUrls.ROUTE, "r1", resource(ResourceNames.ROUTE_CONFIGURATION, hostless, "r1")));
      assertThat(holder.current().virtualHost(A)).as("no host before the virtual hosts").isNull();

      VirtualHost a = vhost(A, split("default", "a-1", 100));
      VirtualHost b = vhost(B, split("default", "b-1", 100));
      assembler.onVirtualHosts(response(TypeUrls.VIRTUAL_HOST, "v1", host(a, "1"), host(b, "1")));
      assertThat(holder.current().virtualHost(A)).isNotNull();
      assertThat(holder.current().virtualHost(B)).isNotNull();

      // b moves to b-2: a's entry is the very one it was (neither decoded nor rebuilt again).
      VirtualHost b2 = vhost(B, split("default", "b-2", 100));
      Object aBefore = holder.current().virtualHost(A);
      assembler.onVirtualHosts(response(TypeUrls.VIRTUAL_HOST, "v2", host(b2, "2")));
      assertThat(served(holder.current(), B)).isEqualTo("default/b-2");
      assertThat(holder.current().virtualHost(A)).isSameAs(aBefore);

      // A host with a regex path match the translator never sends: refused by name, nothing kept.
      VirtualHost bad =
          b.toBuilder()
              .setRoutes(
                  0,
                  b.getRoutes(0).toBuilder()
                      .setMatch(
                          RouteMatch.newBuilder()
                              .setPrefix("/")
                              .setRuntimeFraction(
                                  io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent
                                      .getDefaultInstance())))
              .build();
      assertThatThrownBy(
              () -> assembler.onVirtualHosts(response(TypeUrls.VIRTUAL_HOST, "v3", host(bad, "3"))))
          .isInstanceOf(InvalidResourceException.class)
          .hasMessageContaining("route weir-http vhost " + B)
          .hasMessageContaining("runtime_fraction");
      assertThatThrownBy(
              () ->
                  assembler.onVirtualHosts(
                      response(
                          TypeUrls.VIRTUAL_HOST, "v4", resource("weir-http-no-slash", a, "4"))))
          .isInstanceOf(InvalidResourceException.class)
          .hasMessageContaining("weir-http-no-slash");
      assertThatThrownBy(
              () ->
                  assembler.onVirtualHosts(
                      response(
                          TypeUrls.VIRTUAL_HOST, "v5", resource("weir-http/" + A, hostless, "5"))))
          .isInstanceOf(InvalidResourceException.class)
          .hasMessageContaining("virtual host weir-http/" + A)
          .hasMessageContaining("RouteConfiguration");
      assertThat(served(holder.current(), B)).isEqualTo("default/b-2");

      // The next good change is taken against the hosts held; a removal drops its host.
      assembler.onVirtualHosts(
          DeltaDiscoveryResponse.newBuilder()
              .setTypeUrl(TypeUrls.VIRTUAL_HOST)
              .setNonce("v6")
              .addRemovedResources("weir-http/" + A)
              .build());
      assertThat(holder.current().virtualHost(A)).isNull();
      assertThat(served(holder.current(), B)).isEqualTo("default/b-2");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void decodingFromHeldHostsDecodesOnlyTheChangedOne() throws Exception {
    RouteConfigurationType type = decoder.routeType(ResourceNames.ROUTE_CONFIGURATION);
    RouteConfiguration rest =
        RouteConfiguration.newBuilder().setName(ResourceNames.ROUTE_CONFIGURATION).build();
    com.google.protobuf.ByteString a = vhost(A, split("default", "a-1", 100)).toByteString();
    com.google.protobuf.ByteString b = vhost(B, split("default", "b-1", 100)).toByteString();
    com.google.protobuf.ByteString b2 = vhost(B, split("default", "b-2", 100)).toByteString();
    type.decodeHosts(
        rest, new com.google.protobuf.ByteString[] {a, b}, e -> new InvalidResourceException("x"));
    long decoded = type.decodedVirtualHosts();
    var spec =
        type.decodeHosts(
            rest,
            new com.google.protobuf.ByteString[] {a, b2},
            e -> new InvalidResourceException("x"));
    assertThat(type.decodedVirtualHosts() - decoded).isEqualTo(1);
    assertThat(spec.virtualHosts()).hasSize(2);
    assertThatThrownBy(
            () ->
                type.decodeHosts(
                    rest,
                    new com.google.protobuf.ByteString[] {
                      a, com.google.protobuf.ByteString.copyFrom(new byte[] {0x12, 0x7f})
                    },
                    e -> new InvalidResourceException("virtual host bad: " + e.getMessage())))
        .hasMessageStartingWith("virtual host bad: ");
  }
}
