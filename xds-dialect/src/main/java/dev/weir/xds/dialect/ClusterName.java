package dev.weir.xds.dialect;

/**
 * The xDS cluster (CDS) and load assignment (EDS) name of a revision: {@code
 * {namespace}/{revision}} (for example {@code default/hello-00001}). Written by the translator into
 * clusters, load assignments and every route that sends traffic to a revision; the gateway keys its
 * upstreams by it.
 *
 * <p>Kubernetes names hold no {@code /}, so the split is unambiguous.
 */
public record ClusterName(String namespace, String revision) {

  /** What stands between namespace and revision. */
  public static final String SEPARATOR = String.valueOf(NamespacedName.SEPARATOR);

  private static final String KIND = "cluster name";

  /**
   * @throws IllegalArgumentException if a part is empty or holds a {@code /}
   */
  public ClusterName {
    NamespacedName.requirePart(KIND, "namespace", namespace);
    NamespacedName.requirePart(KIND, "revision", revision);
  }

  /** {@code namespace/revision}. */
  public static String format(String namespace, String revision) {
    return NamespacedName.format(KIND, "revision", namespace, revision);
  }

  /**
   * The namespace and revision of {@code name}.
   *
   * @throws IllegalArgumentException unless {@code name} is {@code namespace/revision}, both parts
   *     non-empty
   */
  public static ClusterName parse(String name) {
    String[] parts = NamespacedName.parse(KIND, "{namespace}/{revision}", name);
    return new ClusterName(parts[0], parts[1]);
  }

  /** {@code namespace/revision}, as on the wire. */
  @Override
  public String toString() {
    return namespace + SEPARATOR + revision;
  }
}
