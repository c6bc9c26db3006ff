package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

/**
 * A Gateway API object of a config cluster: its cluster, kind ({@code GatewayClass}, {@code
 * Gateway}, {@code HTTPRoute}, {@code GRPCRoute}), namespace ({@code ""} for the cluster-scoped
 * GatewayClass) and name.
 *
 * <p>A value (equal when all four parts are), ordered by cluster, kind, namespace, then name. Its
 * hash code and {@link #key()} are computed once: every build looks up and compares 10,000 of these
 * at scale.
 */
public final class ObjectKey implements Comparable<ObjectKey> {

  public static final String GATEWAY_CLASS = "GatewayClass";
  public static final String GATEWAY = "Gateway";
  public static final String HTTP_ROUTE = "HTTPRoute";
  public static final String GRPC_ROUTE = "GRPCRoute";

  private final String cluster;
  private final String kind;
  private final String namespace;
  private final String name;
  private final int hash;
  private final String key;

  /**
   * @throws NullPointerException when a part is null
   */
  public ObjectKey(String cluster, String kind, String namespace, String name) {
    this.cluster = requireNonNull(cluster, "cluster");
    this.kind = requireNonNull(kind, "kind");
    this.namespace = requireNonNull(namespace, "namespace");
    this.name = requireNonNull(name, "name");
    this.hash =
        ((cluster.hashCode() * 31 + kind.hashCode()) * 31 + namespace.hashCode()) * 31
            + name.hashCode();
    this.key = namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /** The config cluster's name. */
  public String cluster() {
    return cluster;
  }

  /**
   * The kind: {@link #GATEWAY_CLASS}, {@link #GATEWAY}, {@link #HTTP_ROUTE}, {@link #GRPC_ROUTE}.
   */
  public String kind() {
    return kind;
  }

  /** The namespace, {@code ""} for a cluster-scoped object. */
  public String namespace() {
    return namespace;
  }

  /** The object's name. */
  public String name() {
    return name;
  }

  /** {@code namespace/name}, or the name of a cluster-scoped object. */
  public String key() {
    return key;
  }

  @Override
  public int compareTo(ObjectKey other) {
    int c = cluster.compareTo(other.cluster);
    if (c == 0) {
      c = kind.compareTo(other.kind);
    }
    if (c == 0) {
      c = namespace.compareTo(other.namespace);
    }
    return c != 0 ? c : name.compareTo(other.name);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || o instanceof ObjectKey k
            && hash == k.hash
            && name.equals(k.name)
            && namespace.equals(k.namespace)
            && kind.equals(k.kind)
            && cluster.equals(k.cluster);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** As a record would show it: {@code ObjectKey[cluster=…, kind=…, namespace=…, name=…]}. */
  @Override
  public String toString() {
    return "ObjectKey[cluster="
        + cluster
        + ", kind="
        + kind
        + ", namespace="
        + namespace
        + ", name="
        + name
        + "]";
  }
}
