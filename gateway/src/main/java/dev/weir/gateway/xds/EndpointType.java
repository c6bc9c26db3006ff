package dev.weir.gateway.xds;

import static dev.weir.gateway.xds.Protos.unpack;
import static dev.weir.gateway.xds.Protos.weirString;

import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * EDS: a {@link ClusterLoadAssignment} into a {@link LoadAssignmentSpec} (every endpoint not
 * unhealthy, draining or timed out, with its locality, its locality's priority and the Kubernetes
 * cluster it comes from), stored by cluster name. The locality's {@code sub_zone} is the Weir
 * cluster ({@link dev.weir.xds.dialect.LoadReports}); load reports go back per locality.
 */
final class EndpointType implements ResourceType<LoadAssignmentSpec> {

  static final EndpointType INSTANCE = new EndpointType();

  private EndpointType() {}

  @Override
  public String typeUrl() {
    return TypeUrls.ENDPOINT;
  }

  @Override
  public String name(LoadAssignmentSpec spec) {
    return spec.clusterName();
  }

  @Override
  public LoadAssignmentSpec decode(Resource resource) throws InvalidResourceException {
    return decode(unpack(resource, ClusterLoadAssignment.class, "cluster_load_assignment"));
  }

  /**
   * @throws InvalidResourceException naming the assignment and the endpoint it cannot use
   */
  static LoadAssignmentSpec decode(ClusterLoadAssignment assignment)
      throws InvalidResourceException {
    String name = assignment.getClusterName();
    String where = "cluster_load_assignment " + (name.isEmpty() ? "<unnamed>" : name);
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": cluster_name is empty");
    }
    List<EndpointSpec> endpoints = new ArrayList<>();
    for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
      for (LbEndpoint lb : locality.getLbEndpointsList()) {
        HealthStatus health = lb.getHealthStatus();
        if (health == HealthStatus.UNHEALTHY
            || health == HealthStatus.DRAINING
            || health == HealthStatus.TIMEOUT) {
          continue;
        }
        if (!lb.getEndpoint().getAddress().hasSocketAddress()) {
          throw new InvalidResourceException(
              where + ": endpoint #" + endpoints.size() + " has no socket_address");
        }
        SocketAddress socket = lb.getEndpoint().getAddress().getSocketAddress();
        if (socket.getAddress().isEmpty()
            || socket.getPortValue() < 1
            || socket.getPortValue() > 65_535) {
          throw new InvalidResourceException(
              where
                  + ": endpoint "
                  + socket.getAddress()
                  + ":"
                  + socket.getPortValue()
                  + " (expected: a non-empty address and port 1..65535)");
        }
        endpoints.add(
            new EndpointSpec(
                socket.getAddress(),
                socket.getPortValue(),
                locality.getPriority(),
                weirString(lb.getMetadata(), WeirMetadata.SOURCE_CLUSTER),
                locality.getLocality().getRegion(),
                locality.getLocality().getZone(),
                locality.getLocality().getSubZone()));
      }
    }
    return new LoadAssignmentSpec(name, endpoints);
  }
}
