package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;

/**
 * A Gateway API object of a config cluster: its cluster, kind ({@code GatewayClass}, {@code
 * Gateway}, {@code HTTPRoute}, {@code GRPCRoute}), namespace ({@code ""} for the cluster-scoped
 * GatewayClass) and name.
 */
public record ObjectKey(String cluster, String kind, String namespace, String name)
    implements Comparable<ObjectKey> {

  public static final String GATEWAY_CLASS = "GatewayClass";
  public static final String GATEWAY = "Gateway";
  public static final String HTTP_ROUTE = "HTTPRoute";
  public static final String GRPC_ROUTE = "GRPCRoute";

  private static final Comparator<ObjectKey> ORDER =
      Comparator.comparing(ObjectKey::cluster)
          .thenComparing(ObjectKey::kind)
          .thenComparing(ObjectKey::namespace)
          .thenComparing(ObjectKey::name);

  public ObjectKey {
    requireNonNull(cluster, "cluster");
    requireNonNull(kind, "kind");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
  }

  /** {@code namespace/name}, or the name of a cluster-scoped object. */
  public String key() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  @Override
  public int compareTo(ObjectKey other) {
    return ORDER.compare(this, other);
  }
}
