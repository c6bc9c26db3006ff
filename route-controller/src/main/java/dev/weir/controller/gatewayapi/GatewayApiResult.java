package dev.weir.controller.gatewayapi;

import dev.weir.model.Certificate;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@link GatewayApiCompiler#compile} makes.
 *
 * @param virtualHosts one rule-based host per host name (exact, {@code *.suffix} or {@code *}),
 *     sorted by host, rules ranked; {@code route} names the oldest Weir Gateway serving the host
 * @param hostAges per host, the creation time of the oldest route serving it (for claims against
 *     Weir Routes: the older object keeps a host)
 * @param hostRoutes per host, the routes whose rules it carries (to report a host lost to a Route)
 * @param services the Services the hosts route or mirror to, each a revision: the model's upstream
 *     {@code {namespace}/{name}}
 * @param certificates one per listener certificate Secret in use ({@code {namespace}/{name}}), for
 *     the hosts its HTTPS listeners serve; {@code fallback} when a listener without hostname serves
 *     the host {@code *}
 * @param gatewayClasses the status of each Weir GatewayClass
 * @param gateways the status of each Weir Gateway
 * @param httpRoutes per HTTPRoute naming a Weir Gateway, its status with Weir's parents only
 * @param grpcRoutes the same for GRPCRoutes
 * @param state for the next compile
 */
public record GatewayApiResult(
    List<VirtualHost> virtualHosts,
    Map<String, Instant> hostAges,
    Map<String, List<ObjectKey>> hostRoutes,
    List<ServiceRef> services,
    List<Certificate> certificates,
    Map<ObjectKey, GatewayClassStatus> gatewayClasses,
    Map<ObjectKey, GatewayStatus> gateways,
    Map<ObjectKey, HTTPRouteStatus> httpRoutes,
    Map<ObjectKey, GRPCRouteStatus> grpcRoutes,
    GatewayApiState state) {

  public GatewayApiResult {
    virtualHosts = List.copyOf(virtualHosts);
    hostAges = Map.copyOf(hostAges);
    hostRoutes = Map.copyOf(hostRoutes);
    services = List.copyOf(services);
    certificates = List.copyOf(certificates);
    gatewayClasses = Map.copyOf(gatewayClasses);
    gateways = Map.copyOf(gateways);
    httpRoutes = Map.copyOf(httpRoutes);
    grpcRoutes = Map.copyOf(grpcRoutes);
  }

  /** A Service a rule routes to: the model's upstream {@code {namespace}/{name}}. */
  public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {
    @Override
    public int compareTo(ServiceRef o) {
      int c = namespace.compareTo(o.namespace);
      return c != 0 ? c : name.compareTo(o.name);
    }
  }
}
