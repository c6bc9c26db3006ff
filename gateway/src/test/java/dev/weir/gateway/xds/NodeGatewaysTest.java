package dev.weir.gateway.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.xds.dialect.NodeGateways;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.UserAgents;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code weir.gateways}: the Gateways a gateway serves go into its xDS node as {@link
 * NodeGateways#FIELD}, which the control plane groups nodes by; none, no metadata.
 */
class NodeGatewaysTest {

  static XdsSettings settings(Set<String> gateways) {
    return new XdsSettings(
        "127.0.0.1:18000",
        "gw-1",
        "weir-gateway",
        "us-east",
        "us-east-1a",
        ResourceNames.ROUTE_CONFIGURATION,
        Duration.ofSeconds(5),
        Duration.ofMillis(250),
        Duration.ofSeconds(5),
        XdsSettings.Tls.NONE,
        gateways);
  }

  @Test
  void theNodeNamesTheGatewaysItServes() {
    Node node = AdsStream.node(settings(NodeGateways.parse("infra/web, apps/internal")));
    assertThat(node.getUserAgentName()).isEqualTo(UserAgents.GATEWAY);
    assertThat(node.getMetadata().getFieldsOrThrow(NodeGateways.FIELD).getStringValue())
        .isEqualTo("apps/internal,infra/web");
  }

  @Test
  void aGatewayServingEveryGatewayNamesNoneAndAsksForVirtualHosts() {
    Node node = AdsStream.node(settings(NodeGateways.parse("")));
    assertThat(node.getMetadata().getFieldsMap())
        .containsOnlyKeys(dev.weir.xds.dialect.VirtualHostDiscovery.NODE_FIELD);
    assertThat(
            node.getMetadata()
                .getFieldsOrThrow(dev.weir.xds.dialect.VirtualHostDiscovery.NODE_FIELD)
                .getBoolValue())
        .isTrue();
    assertThat(node.getId()).isEqualTo("gw-1");
  }

  @Test
  void aNameThatIsNotNamespaceSlashNameIsRefused() {
    assertThatThrownBy(() -> NodeGateways.parse("web"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("web");
  }
}
