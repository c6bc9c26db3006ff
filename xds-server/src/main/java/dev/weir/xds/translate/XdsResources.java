package dev.weir.xds.translate;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/** The Envoy resources one group of data planes gets for one model, each sorted by name. */
public record XdsResources(
    List<Versioned<Listener>> listeners,
    List<Versioned<RouteConfiguration>> routes,
    List<Versioned<Cluster>> clusters,
    List<Versioned<ClusterLoadAssignment>> endpoints) {

  public XdsResources {
    listeners = List.copyOf(requireNonNull(listeners, "listeners"));
    routes = List.copyOf(requireNonNull(routes, "routes"));
    clusters = List.copyOf(requireNonNull(clusters, "clusters"));
    endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
  }

  /** The listener protos, without versions. */
  public List<Listener> listenerProtos() {
    return protos(listeners);
  }

  /** The route configuration protos, without versions. */
  public List<RouteConfiguration> routeProtos() {
    return protos(routes);
  }

  /** The cluster protos, without versions. */
  public List<Cluster> clusterProtos() {
    return protos(clusters);
  }

  /** The load assignment protos, without versions. */
  public List<ClusterLoadAssignment> endpointProtos() {
    return protos(endpoints);
  }

  private static <T extends Message> List<T> protos(List<Versioned<T>> resources) {
    return resources.stream().map(Versioned::resource).toList();
  }
}
