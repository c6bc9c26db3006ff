package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A host name and how its traffic is split.
 *
 * <p>A Route's main host has its weighted split and, for each tag, a {@link TagRoute}. A tag host
 * ({@code {tag}-{route}.{namespace}.{domain}}) has a single 100% split and no tag routes. An empty
 * split means the Route has nothing ready to send to (every request gets 503).
 */
public record VirtualHost(
    String host, RouteRef route, List<TagRoute> tagRoutes, List<WeightedUpstream> split)
    implements Comparable<VirtualHost> {

  public VirtualHost {
    requireNonNull(host, "host");
    requireNonNull(route, "route");
    tagRoutes = tagRoutes.stream().sorted().toList();
    split = List.copyOf(split);
    int total = split.stream().mapToInt(WeightedUpstream::weight).sum();
    if (!split.isEmpty() && total != 100) {
      throw new IllegalArgumentException(
          "split of " + host + ": weights sum to " + total + " (expected: 100)");
    }
  }

  @Override
  public int compareTo(VirtualHost other) {
    return host.compareTo(other.host);
  }
}
