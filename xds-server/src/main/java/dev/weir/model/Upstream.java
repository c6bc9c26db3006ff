package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A revision as a destination for traffic: a Kubernetes Service of that name in one namespace, with
 * its ready endpoints in every cluster where it exists, sorted.
 */
public record Upstream(
    String namespace, String revision, Protocol protocol, List<Endpoint> endpoints)
    implements Comparable<Upstream> {

  public Upstream {
    requireNonNull(namespace, "namespace");
    requireNonNull(revision, "revision");
    requireNonNull(protocol, "protocol");
    endpoints = List.copyOf(endpoints).stream().sorted().toList();
  }

  /** The xDS cluster name of a revision: {@code {namespace}/{revision}}. */
  public static String nameOf(String namespace, String revision) {
    return namespace + "/" + revision;
  }

  /** This upstream's xDS cluster name. */
  public String name() {
    return nameOf(namespace, revision);
  }

  @Override
  public int compareTo(Upstream other) {
    return name().compareTo(other.name());
  }
}
