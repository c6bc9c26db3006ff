package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

/** Identifies a Route object: the cluster it was read from, its namespace and name. */
public record RouteKey(String cluster, String namespace, String name)
    implements Comparable<RouteKey> {

  public RouteKey {
    requireNonNull(cluster, "cluster");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
  }

  @Override
  public int compareTo(RouteKey other) {
    int c = cluster.compareTo(other.cluster);
    if (c == 0) {
      c = namespace.compareTo(other.namespace);
    }
    return c != 0 ? c : name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return cluster + ":" + namespace + "/" + name;
  }
}
