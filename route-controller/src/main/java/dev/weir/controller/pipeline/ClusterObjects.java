package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.gatewayapi.GatewayApiObjects;
import dev.weir.model.Locality;
import java.util.List;

/**
 * What one cluster holds right now (or last held, when {@code stale}).
 *
 * @param config true when its Routes count (Routes of other clusters are ignored)
 * @param secrets TLS Secrets (read from config clusters only)
 * @param rollouts Rollouts (read from config clusters only; the build ignores them)
 * @param stale true when the cluster cannot be read and these are its last-known objects
 * @param gatewayApi its Gateway API objects (read from config clusters only)
 */
public record ClusterObjects(
    String cluster,
    Locality locality,
    boolean config,
    boolean stale,
    List<RouteObject> routes,
    List<ServiceObject> services,
    List<EndpointSliceObject> endpointSlices,
    List<SecretObject> secrets,
    List<RolloutObject> rollouts,
    GatewayApiObjects gatewayApi) {

  /** A cluster without Gateway API objects. */
  public ClusterObjects(
      String cluster,
      Locality locality,
      boolean config,
      boolean stale,
      List<RouteObject> routes,
      List<ServiceObject> services,
      List<EndpointSliceObject> endpointSlices,
      List<SecretObject> secrets,
      List<RolloutObject> rollouts) {
    this(
        cluster,
        locality,
        config,
        stale,
        routes,
        services,
        endpointSlices,
        secrets,
        rollouts,
        GatewayApiObjects.empty(cluster));
  }

  /** A cluster without Rollouts. */
  public ClusterObjects(
      String cluster,
      Locality locality,
      boolean config,
      boolean stale,
      List<RouteObject> routes,
      List<ServiceObject> services,
      List<EndpointSliceObject> endpointSlices,
      List<SecretObject> secrets) {
    this(cluster, locality, config, stale, routes, services, endpointSlices, secrets, List.of());
  }

  /** A cluster without Secrets. */
  public ClusterObjects(
      String cluster,
      Locality locality,
      boolean config,
      boolean stale,
      List<RouteObject> routes,
      List<ServiceObject> services,
      List<EndpointSliceObject> endpointSlices) {
    this(cluster, locality, config, stale, routes, services, endpointSlices, List.of());
  }

  public ClusterObjects {
    requireNonNull(cluster, "cluster");
    requireNonNull(locality, "locality");
    routes = List.copyOf(routes);
    services = List.copyOf(services);
    endpointSlices = List.copyOf(endpointSlices);
    secrets = List.copyOf(secrets);
    rollouts = List.copyOf(rollouts);
    requireNonNull(gatewayApi, "gatewayApi");
  }
}
