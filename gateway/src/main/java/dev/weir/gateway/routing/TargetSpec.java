package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One weighted cluster of a route: where a share of its traffic goes and which headers go with it.
 */
public record TargetSpec(String cluster, int weight, List<HeaderSpec> headers) {

  public TargetSpec {
    requireNonNull(cluster, "cluster");
    if (weight < 1) {
      throw new IllegalArgumentException(
          "weight of " + cluster + ": " + weight + " (expected: >= 1)");
    }
    headers = List.copyOf(headers);
  }
}
