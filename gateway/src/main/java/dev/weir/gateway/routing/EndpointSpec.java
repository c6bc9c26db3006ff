package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * One endpoint of a cluster as its ClusterLoadAssignment lists it.
 *
 * @param priority the failover priority the control plane computed for this gateway's locality;
 *     lower is preferred
 * @param sourceCluster the Kubernetes cluster the endpoint runs in ({@code ""} when not said)
 * @param region the region of the endpoint's locality ({@code ""} when not said)
 * @param zone the zone of the endpoint's locality ({@code ""} when not said)
 * @param subZone the sub_zone of the endpoint's locality, which Weir's control plane sets to the
 *     endpoint's cluster; load is reported per (region, zone, sub_zone)
 */
public record EndpointSpec(
    String address,
    int port,
    int priority,
    String sourceCluster,
    String region,
    String zone,
    String subZone) {

  /** An endpoint without a locality (load reports name its source cluster as sub_zone). */
  public EndpointSpec(String address, int port, int priority, String sourceCluster) {
    this(address, port, priority, sourceCluster, "", "", sourceCluster);
  }

  public EndpointSpec {
    requireNonNull(address, "address");
    requireNonNull(sourceCluster, "sourceCluster");
    requireNonNull(region, "region");
    requireNonNull(zone, "zone");
    requireNonNull(subZone, "subZone");
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
