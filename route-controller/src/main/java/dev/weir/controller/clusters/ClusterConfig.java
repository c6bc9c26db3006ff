package dev.weir.controller.clusters;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import java.nio.file.Path;

/**
 * One cluster of the clusters file.
 *
 * @param config true when Routes are read from this cluster (status goes back to it)
 * @param kubeconfig the kubeconfig file, or null for the default one (or in-cluster)
 * @param context the kubeconfig context, or null for its current one
 * @param directory the folder of YAML objects for a folder cluster, or null for a Kubernetes one
 * @param activator the {@code IP:port} at which this cluster's gateways take plain HTTP (their
 *     Service), or null: Envoy gets it as the endpoint of a revision that sits at zero, so that a
 *     gateway holds the request while the revision wakes (scale from zero)
 */
public record ClusterConfig(
    String name,
    Locality locality,
    boolean config,
    Path kubeconfig,
    String context,
    Path directory,
    String activator) {

  /** A cluster without an activator. */
  public ClusterConfig(
      String name,
      Locality locality,
      boolean config,
      Path kubeconfig,
      String context,
      Path directory) {
    this(name, locality, config, kubeconfig, context, directory, null);
  }

  public ClusterConfig {
    requireNonNull(name, "name");
    requireNonNull(locality, "locality");
    if (directory != null && (kubeconfig != null || context != null)) {
      throw new IllegalArgumentException(
          "cluster " + name + ": directory with kubeconfig or context (expected: one source)");
    }
  }

  /** A folder cluster: its objects are YAML files in {@code directory}. */
  public static ClusterConfig folder(
      String name, Locality locality, boolean config, Path directory) {
    return new ClusterConfig(
        name, locality, config, null, null, requireNonNull(directory, "directory"));
  }

  /** True for a folder cluster, false for a Kubernetes API. */
  public boolean isFolder() {
    return directory != null;
  }
}
