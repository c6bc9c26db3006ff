package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * One {@code request_mirror_policies} entry of a route ({@code
 * envoy.config.route.v3.RouteAction.RequestMirrorPolicy}): a copy of a share of the route's
 * requests goes to {@code cluster}, fire and forget; its answer is discarded.
 *
 * @param perMillion the share mirrored, in parts per million (0..1,000,000): {@code
 *     runtime_fraction.default_value} scaled from its denominator; 1,000,000 when absent
 */
public record MirrorSpec(String cluster, int perMillion) {

  public MirrorSpec {
    requireNonNull(cluster, "cluster");
    if (perMillion < 0 || perMillion > 1_000_000) {
      throw new IllegalArgumentException(
          "mirror " + cluster + " perMillion: " + perMillion + " (expected: 0..1000000)");
    }
  }
}
