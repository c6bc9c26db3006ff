package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A revision as a destination for traffic: a Kubernetes Service of that name in one namespace, with
 * its ready endpoints in every cluster where it exists, sorted.
 *
 * @param activation how the revision is woken from zero, or null when it is not activatable (its
 *     Service has no {@code weir.dev/scale-target})
 */
public record Upstream(
    String namespace,
    String revision,
    Protocol protocol,
    List<Endpoint> endpoints,
    @Nullable Activation activation)
    implements Comparable<Upstream> {

  public Upstream {
    requireNonNull(namespace, "namespace");
    requireNonNull(revision, "revision");
    requireNonNull(protocol, "protocol");
    endpoints = List.copyOf(endpoints).stream().sorted().toList();
  }

  /** An upstream that is not activatable. */
  public Upstream(String namespace, String revision, Protocol protocol, List<Endpoint> endpoints) {
    this(namespace, revision, protocol, endpoints, null);
  }

  /** True when the revision may sit at zero and be woken on demand. */
  public boolean activatable() {
    return activation != null;
  }

  /** The xDS cluster name of a revision: {@code {namespace}/{revision}}. */
  public static String nameOf(String namespace, String revision) {
    return namespace + "/" + revision;
  }

  /** This upstream's xDS cluster name. */
  public String name() {
    return nameOf(namespace, revision);
  }

  /** Orders by {@link #name()}, as {@link String#compareTo} would, without building the names. */
  @Override
  public int compareTo(Upstream other) {
    return compareNames(namespace, revision, other.namespace, other.revision);
  }

  /**
   * Compares {@code nameOf(namespace1, revision1)} with {@code nameOf(namespace2, revision2)} as
   * {@link String#compareTo} would, char by char over the joined names, without joining them: a
   * sort of 10,000 upstreams makes no strings.
   */
  static int compareNames(
      String namespace1, String revision1, String namespace2, String revision2) {
    if (namespace1.equals(namespace2)) {
      return revision1.compareTo(revision2); // the common case: same "{namespace}/" before both
    }
    int length1 = namespace1.length() + 1 + revision1.length();
    int length2 = namespace2.length() + 1 + revision2.length();
    int n = Math.min(length1, length2);
    for (int i = 0; i < n; i++) {
      char c1 = charOfName(namespace1, revision1, i);
      char c2 = charOfName(namespace2, revision2, i);
      if (c1 != c2) {
        return c1 - c2;
      }
    }
    return length1 - length2;
  }

  private static char charOfName(String namespace, String revision, int i) {
    int n = namespace.length();
    return i < n ? namespace.charAt(i) : i == n ? '/' : revision.charAt(i - n - 1);
  }
}
