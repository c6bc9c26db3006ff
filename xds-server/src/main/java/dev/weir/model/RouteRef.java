package dev.weir.model;

import static java.util.Objects.requireNonNull;

/**
 * The Route a virtual host came from: where it was read, its name, and the generation of its spec
 * that the model serves (which may be older than the newest one when that one is invalid).
 */
public record RouteRef(String cluster, String namespace, String name, long generation) {

  public RouteRef {
    requireNonNull(cluster, "cluster");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
  }

  /** {@code namespace/name}. */
  public String key() {
    return namespace + "/" + name;
  }
}
