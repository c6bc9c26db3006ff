package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import java.util.List;

/**
 * The Gateway API objects of one config cluster as read (fabric8's model types, never changed
 * here): GatewayClasses, Gateways, HTTPRoutes and GRPCRoutes ({@code v1}), ReferenceGrants ({@code
 * v1} and {@code v1beta1}) and Namespaces (their labels, for {@code allowedRoutes} selectors).
 * References (parentRefs, ReferenceGrants, namespaces) resolve within one cluster; Services resolve
 * in every registered cluster.
 */
public record GatewayApiObjects(
    String cluster,
    List<GatewayClass> gatewayClasses,
    List<Gateway> gateways,
    List<HTTPRoute> httpRoutes,
    List<GRPCRoute> grpcRoutes,
    List<ReferenceGrant> referenceGrants,
    List<io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant> referenceGrantsV1beta1,
    List<Namespace> namespaces) {

  public GatewayApiObjects {
    requireNonNull(cluster, "cluster");
    gatewayClasses = List.copyOf(gatewayClasses);
    gateways = List.copyOf(gateways);
    httpRoutes = List.copyOf(httpRoutes);
    grpcRoutes = List.copyOf(grpcRoutes);
    referenceGrants = List.copyOf(referenceGrants);
    referenceGrantsV1beta1 = List.copyOf(referenceGrantsV1beta1);
    namespaces = List.copyOf(namespaces);
  }

  /** A cluster without Gateway API objects. */
  public static GatewayApiObjects empty(String cluster) {
    return new GatewayApiObjects(
        cluster, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
  }

  /** True when the cluster holds no GatewayClass, Gateway or route. */
  public boolean isEmpty() {
    return gatewayClasses.isEmpty()
        && gateways.isEmpty()
        && httpRoutes.isEmpty()
        && grpcRoutes.isEmpty();
  }
}
