package dev.weir.gateway.xds;

import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/**
 * Decodes xDS resources into routing specs, rejecting what the gateway cannot honour with a message
 * that names the resource and the field: {@code route weir-http vhost a.example.com route default:
 * safe_regex path match not supported}. The decoding itself is one small {@link ResourceType} per
 * xDS type ({@link ClusterType}, {@link EndpointType}, {@link RouteConfigurationType}, {@link
 * ListenerType}, {@link SecretType}); this is their public face and carries their settings.
 */
public final class ResourceDecoder {

  private final int defaultRetries;

  /**
   * @param defaultRetries retries for routes without a {@code retry_policy}
   */
  public ResourceDecoder(int defaultRetries) {
    if (defaultRetries < 0) {
      throw new IllegalArgumentException("defaultRetries: " + defaultRetries + " (expected: >= 0)");
    }
    this.defaultRetries = defaultRetries;
  }

  public ClusterSpec cluster(Cluster cluster) throws InvalidResourceException {
    return ClusterType.decode(cluster);
  }

  public LoadAssignmentSpec loadAssignment(ClusterLoadAssignment assignment)
      throws InvalidResourceException {
    return EndpointType.decode(assignment);
  }

  /** Decodes a whole route configuration, whatever its name. */
  public RouteConfigSpec routeConfiguration(RouteConfiguration config)
      throws InvalidResourceException {
    return routeType(config.getName()).decode(config);
  }

  /**
   * A new route type for one client, subscribed to {@code routeConfigName}; it remembers the last
   * configuration's virtual hosts, so each client needs its own.
   */
  RouteConfigurationType routeType(String routeConfigName) {
    return new RouteConfigurationType(routeConfigName, defaultRetries);
  }
}
