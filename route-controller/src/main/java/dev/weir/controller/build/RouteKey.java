package dev.weir.controller.build;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;

/** Identifies a Route object: the cluster it was read from, its namespace and name. */
public record RouteKey(String cluster, String namespace, String name) implements Comparable<RouteKey> {

  private static final Comparator<RouteKey> ORDER =
      Comparator.comparing(RouteKey::cluster)
          .thenComparing(RouteKey::namespace)
          .thenComparing(RouteKey::name);

  public RouteKey {
    requireNonNull(cluster, "cluster");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
  }

  @Override
  public int compareTo(RouteKey other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return cluster + ":" + namespace + "/" + name;
  }
}
