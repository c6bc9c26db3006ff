package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.ResourceNames;
import java.util.List;

/**
 * One weighted cluster of a route: where a share of its traffic goes and which headers go with it.
 *
 * @param cluster the cluster's name, or {@link ResourceNames#INVALID_BACKEND_CLUSTER} for a share
 *     the gateway answers itself
 * @param headers the upstream request's header mutations, in order: the weighted cluster's, then
 *     the route's and the virtual host's
 * @param responseHeaders the weighted cluster's own response header mutations ({@code
 *     response_headers_to_remove}, then {@code response_headers_to_add}), applied before the
 *     route's ({@link RouteActionSpec#responseHeaders()}) when this target served the request;
 *     empty for none
 * @param status 0 for a cluster; else the HTTP status (the route's {@code
 *     cluster_not_found_response_code}: 500, 503 or 404) the gateway answers this share with, an
 *     invalid Gateway API backend's ({@link #invalidBackend})
 */
public record TargetSpec(
    String cluster,
    int weight,
    List<HeaderSpec> headers,
    List<HeaderSpec> responseHeaders,
    int status) {

  /** A target without response header mutations of its own. */
  public TargetSpec(String cluster, int weight, List<HeaderSpec> headers) {
    this(cluster, weight, headers, List.of(), 0);
  }

  /** A cluster's share. */
  public TargetSpec(
      String cluster, int weight, List<HeaderSpec> headers, List<HeaderSpec> responseHeaders) {
    this(cluster, weight, headers, responseHeaders, 0);
  }

  /**
   * The share of a rule's invalid backends ({@link ResourceNames#INVALID_BACKEND_CLUSTER}): no
   * cluster, answered with {@code status}.
   */
  public static TargetSpec invalidBackend(int weight, int status) {
    return new TargetSpec(
        ResourceNames.INVALID_BACKEND_CLUSTER, weight, List.of(), List.of(), status);
  }

  public TargetSpec {
    requireNonNull(cluster, "cluster");
    if (weight < 1) {
      throw new IllegalArgumentException(
          "weight of " + cluster + ": " + weight + " (expected: >= 1)");
    }
    if (status != 0 && (status < 200 || status > 599)) {
      throw new IllegalArgumentException(
          "status of " + cluster + ": " + status + " (expected: 0, or 200..599)");
    }
    headers = List.copyOf(headers);
    responseHeaders = List.copyOf(responseHeaders);
  }

  /** True for a cluster's share; false for one the gateway answers itself ({@link #status}). */
  public boolean isCluster() {
    return status == 0;
  }
}
