package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The endpoints of one cluster, as its xDS ClusterLoadAssignment lists them. */
public record LoadAssignmentSpec(String clusterName, List<EndpointSpec> endpoints) {

  public LoadAssignmentSpec {
    requireNonNull(clusterName, "clusterName");
    endpoints = List.copyOf(endpoints);
  }
}
