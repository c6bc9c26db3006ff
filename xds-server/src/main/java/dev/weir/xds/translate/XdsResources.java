package dev.weir.xds.translate;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The Envoy resources one group of data planes gets for one model, each sorted by name. Secrets
 * hold private keys: {@link #toString()} names them without their content.
 */
public record XdsResources(
    List<Versioned<Listener>> listeners,
    List<Versioned<RouteConfiguration>> routes,
    List<Versioned<Cluster>> clusters,
    List<Versioned<ClusterLoadAssignment>> endpoints,
    List<Versioned<Secret>> secrets) {

  public XdsResources {
    listeners = List.copyOf(requireNonNull(listeners, "listeners"));
    routes = List.copyOf(requireNonNull(routes, "routes"));
    clusters = List.copyOf(requireNonNull(clusters, "clusters"));
    endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
    secrets = List.copyOf(requireNonNull(secrets, "secrets"));
  }

  /** Resources without secrets. */
  public XdsResources(
      List<Versioned<Listener>> listeners,
      List<Versioned<RouteConfiguration>> routes,
      List<Versioned<Cluster>> clusters,
      List<Versioned<ClusterLoadAssignment>> endpoints) {
    this(listeners, routes, clusters, endpoints, List.of());
  }

  /** The secret protos, without versions. */
  public List<Secret> secretProtos() {
    return protos(secrets);
  }

  @Override
  public String toString() {
    return "XdsResources[listeners="
        + listeners.size()
        + ", routes="
        + routes.size()
        + ", clusters="
        + clusters.size()
        + ", endpoints="
        + endpoints.size()
        + ", secrets="
        + secrets.stream().map(Versioned::name).toList()
        + "]";
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
