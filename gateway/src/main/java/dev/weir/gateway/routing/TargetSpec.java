package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One weighted cluster of a route: where a share of its traffic goes and which headers go with it.
 *
 * @param headers the upstream request's header mutations, in order: the weighted cluster's, then
 *     the route's and the virtual host's
 * @param responseHeaders the weighted cluster's own response header mutations ({@code
 *     response_headers_to_remove}, then {@code response_headers_to_add}), applied before the
 *     route's ({@link RouteActionSpec#responseHeaders()}) when this target served the request;
 *     empty for none
 */
public record TargetSpec(
    String cluster, int weight, List<HeaderSpec> headers, List<HeaderSpec> responseHeaders) {

  /** A target without response header mutations of its own. */
  public TargetSpec(String cluster, int weight, List<HeaderSpec> headers) {
    this(cluster, weight, headers, List.of());
  }

  public TargetSpec {
    requireNonNull(cluster, "cluster");
    if (weight < 1) {
      throw new IllegalArgumentException(
          "weight of " + cluster + ": " + weight + " (expected: >= 1)");
    }
    headers = List.copyOf(headers);
    responseHeaders = List.copyOf(responseHeaders);
  }
}
