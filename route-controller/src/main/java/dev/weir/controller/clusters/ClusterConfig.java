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
 */
public record ClusterConfig(
    String name,
    Locality locality,
    boolean config,
    Path kubeconfig,
    String context,
    Path directory) {

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
