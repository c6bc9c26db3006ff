package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.model.Locality;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeGroupKeyTest {

  static Node node(String userAgent, String region, String zone, String marker) {
    Node.Builder node =
        Node.newBuilder()
            .setId("n")
            .setUserAgentName(userAgent)
            .setLocality(
                io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                    .setRegion(region)
                    .setZone(zone));
    Value value =
        switch (marker) {
          case "true" -> Value.newBuilder().setBoolValue(true).build();
          case "false" -> Value.newBuilder().setBoolValue(false).build();
          case "string" -> Value.newBuilder().setStringValue("true").build();
          default -> null;
        };
    if (value != null) {
      node.setMetadata(Struct.newBuilder().putFields(NodeGroupKey.SECRETS_FIELD, value));
    }
    return node.build();
  }

  @ParameterizedTest(name = "{0} {1}/{2} marker {3} -> {6}")
  @CsvSource({
    // user agent,  region,  zone,       marker, kind,           secrets, toString
    "envoy,         us-east, us-east-1a, true,   ENVOY,          true,    ENVOY@us-east/us-east-1a",
    "envoy,         us-east, us-east-1a, false,  ENVOY,          false,   ENVOY@us-east/us-east-1a (no secrets)",
    "envoy,         us-east, us-east-1a, absent, ENVOY,          false,   ENVOY@us-east/us-east-1a (no secrets)",
    "envoy,         us-east, us-east-1a, string, ENVOY,          false,   ENVOY@us-east/us-east-1a (no secrets)",
    "weir-gateway,  us-west, us-west-1b, true,   GATEWAY,        true,    GATEWAY@us-west/us-west-1b",
    "grpc-java,     us-east, us-east-1a, true,   PROXYLESS_GRPC, false,   PROXYLESS_GRPC@us-east/us-east-1a",
    "'',            us-east, us-east-1a, false,  PROXYLESS_GRPC, false,   PROXYLESS_GRPC@us-east/us-east-1a",
  })
  void aNodeIsGroupedByKindLocalityAndItsMarker(
      String userAgent,
      String region,
      String zone,
      String marker,
      DataPlaneKind kind,
      boolean secrets,
      String text) {
    NodeGroupKey key = NodeGroupKey.of(node(userAgent, region, zone, marker));

    assertThat(key.kind()).isEqualTo(kind);
    assertThat(key.locality()).isEqualTo(Locality.of(region, zone));
    assertThat(key.secretsAllowed()).isEqualTo(secrets);
    assertThat(key).hasToString(text);
    assertThat(NodeGroupKey.markedAllowed(node(userAgent, region, zone, marker)))
        .isEqualTo(marker.equals("true"));
  }

  @ParameterizedTest(name = "{0}: secrets {1} -> {2}")
  @CsvSource({
    "ENVOY,          true,  true",
    "ENVOY,          false, false",
    "GATEWAY,        true,  true",
    "PROXYLESS_GRPC, true,  false",
    "PROXYLESS_GRPC, false, false",
  })
  void proxylessGrpcNeverGetsSecrets(DataPlaneKind kind, boolean asked, boolean allowed) {
    assertThat(new NodeGroupKey(kind, Locality.UNKNOWN, asked).secretsAllowed()).isEqualTo(allowed);
  }
}
