package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The table of resource types: a resource in, its stored name (or nothing) out; errors by name. */
class ResourceTypeTest {

  private static final String HOST = "hello.default.example.com";
  private static final RouteConfigurationType ROUTES =
      new ResourceDecoder(2).routeType(ResourceNames.ROUTE_CONFIGURATION);

  static Resource resource(String name, Message message) {
    return Resource.newBuilder()
        .setName(name)
        .setVersion("v1")
        .setResource(Any.pack(message))
        .build();
  }

  /**
   * The translator's HTTPS listener serving {@code secret} for {@link #HOST} and as the fallback,
   * under {@code name}; an empty {@code secret} is what no translator sends.
   */
  static Listener listener(String name, String secret) {
    return XdsProtos.httpsListener(
            8443,
            List.of(XdsProtos.tlsFilterChain(secret, List.of(HOST), secret)),
            XdsProtos.tlsFilterChain(ResourceNames.DEFAULT_FILTER_CHAIN, List.of(), secret))
        .toBuilder()
        .setName(name)
        .build();
  }

  static Stream<Arguments> decoded() {
    return Stream.of(
        Arguments.of(
            "cluster by its name",
            ClusterType.INSTANCE,
            resource("default/hello-1", cluster("default/hello-1")),
            "default/hello-1"),
        Arguments.of(
            "endpoints by cluster name",
            EndpointType.INSTANCE,
            resource("default/hello-1", assignment("default/hello-1", endpoint(9001))),
            "default/hello-1"),
        Arguments.of(
            "the subscribed route configuration",
            ROUTES,
            resource(
                ResourceNames.ROUTE_CONFIGURATION,
                routes(List.of(vhost(HOST, split("default", "hello-1", 100))))),
            ResourceNames.ROUTE_CONFIGURATION),
        Arguments.of(
            "another route configuration is not decoded",
            ROUTES,
            resource(
                "other",
                routes(List.of(vhost(HOST, split("default", "hello-1", 100)))).toBuilder()
                    .setName("other")
                    .build()),
            null),
        Arguments.of(
            "the https listener",
            ListenerType.INSTANCE,
            resource(
                ResourceNames.HTTPS_LISTENER,
                listener(ResourceNames.HTTPS_LISTENER, "default/hello")),
            ResourceNames.HTTPS_LISTENER),
        Arguments.of(
            "another listener is not decoded",
            ListenerType.INSTANCE,
            resource("weir-http-listener", listener("weir-http-listener", "")),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decoded")
  <T> void decodes(String name, ResourceType<T> type, Resource resource, String stored)
      throws Exception {
    T spec = type.decode(resource);
    if (stored == null) {
      assertThat(spec).isNull();
    } else {
      assertThat(type.name(requireNonNull(spec))).isEqualTo(stored);
    }
  }

  static Stream<Arguments> rejected() {
    Any notACluster = Any.pack(assignment("a/b", endpoint(9001)));
    return Stream.of(
        Arguments.of(
            "wrong type",
            ClusterType.INSTANCE,
            Resource.newBuilder().setName("a/b").setResource(notACluster).build(),
            "cluster a/b: cannot decode "
                + notACluster.getTypeUrl()
                + ": Type of the Any message does not match the given class."),
        Arguments.of(
            "malformed route configuration",
            ROUTES,
            Resource.newBuilder()
                .setName(ResourceNames.ROUTE_CONFIGURATION)
                .setResource(
                    Any.newBuilder()
                        .setTypeUrl(TypeUrls.ROUTE)
                        .setValue(ByteString.copyFrom(new byte[] {0x12, 0x05, 0x0a})))
                .build(),
            "route "
                + ResourceNames.ROUTE_CONFIGURATION
                + ": cannot decode "
                + TypeUrls.ROUTE
                + ": While parsing a protocol message, the input ended unexpectedly in the middle of a"
                + " field.  This could mean either that the input has been truncated or that an"
                + " embedded message misreported its own length."),
        Arguments.of(
            "invalid route",
            ROUTES,
            resource(
                ResourceNames.ROUTE_CONFIGURATION,
                routes(
                    List.of(
                        vhost(HOST, split("default", "hello-1", 100)).toBuilder()
                            .clearDomains()
                            .build()))),
            "route " + ResourceNames.ROUTE_CONFIGURATION + " vhost " + HOST + ": no domains"),
        Arguments.of(
            "listener without a secret name",
            ListenerType.INSTANCE,
            resource(ResourceNames.HTTPS_LISTENER, listener(ResourceNames.HTTPS_LISTENER, "")),
            "listener "
                + ResourceNames.HTTPS_LISTENER
                + " filter_chains[0]: tls_certificate_sds_secret_configs[0].name empty"),
        Arguments.of(
            "secret without a certificate",
            SecretType.INSTANCE,
            resource("default/hello", Secret.newBuilder().setName("default/hello").build()),
            "secret default/hello: tls_certificate missing"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void rejects(String name, ResourceType<?> type, Resource resource, String detail) {
    assertThatThrownBy(() -> type.decode(resource))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(detail);
  }

  @Test
  void aResponseDecodesWholeWithItsVersionsAndRemovals() throws Exception {
    DeltaDiscoveryResponse response =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(TypeUrls.LISTENER)
            .addResources(resource("weir-http-listener", listener("weir-http-listener", "")))
            .addResources(
                resource(
                        ResourceNames.HTTPS_LISTENER,
                        listener(ResourceNames.HTTPS_LISTENER, "default/hello"))
                    .toBuilder()
                    .setVersion("v7"))
            .addRemovedResources("gone")
            .build();
    ResourceUpdate<HttpsListenerSpec> update = ListenerType.INSTANCE.decode(response);
    assertThat(update.resources()).containsOnlyKeys(ResourceNames.HTTPS_LISTENER);
    assertThat(update.resources().get(ResourceNames.HTTPS_LISTENER))
        .isEqualTo(
            new Versioned<>(
                new HttpsListenerSpec(
                    List.of(new HttpsListenerSpec.Chain(List.of(HOST), "default/hello")),
                    "default/hello"),
                "v7"));
    assertThat(update.removed()).containsExactly("gone");
  }
}
