package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * One endpoint of a cluster as its ClusterLoadAssignment lists it.
 *
 * @param priority the failover priority the control plane computed for this gateway's locality;
 *     lower is preferred
 * @param sourceCluster the Kubernetes cluster the endpoint runs in ({@code ""} when not said)
 */
public record EndpointSpec(String address, int port, int priority, String sourceCluster) {

  public EndpointSpec {
    requireNonNull(address, "address");
    requireNonNull(sourceCluster, "sourceCluster");
    if (address.isEmpty()) {
      throw new IllegalArgumentException("address: \"\" (expected: an IP address or host name)");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    if (priority < 0) {
      throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0)");
    }
  }
}
