package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A host name and how its traffic is split.
 *
 * <p>A Route's main host has its weighted split and, for each tag, a {@link TagRoute}. A tag host
 * ({@code {tag}-{route}.{namespace}.{domain}}) has a single 100% split and no tag routes. An empty
 * split means the Route has nothing ready to send to (every request gets 503).
 *
 * <p>A Gateway API host is rule based: its {@code rules} (the attached HTTPRoutes' and GRPCRoutes'
 * rules, ranked as the specification orders them) decide, first match wins, a request no rule takes
 * gets 404; its split and tag routes are empty, and {@code route} names the Gateway whose listener
 * serves the host.
 *
 * @param host an exact name, or a wildcard {@code *.example.com}, or {@code *} (any host)
 * @param rules empty for a Route's host
 * @throws IllegalArgumentException if a split does not sum to 100, or a host has both rules and a
 *     split or tag routes
 */
public record VirtualHost(
    String host,
    RouteRef route,
    List<TagRoute> tagRoutes,
    List<WeightedUpstream> split,
    List<HttpRule> rules)
    implements Comparable<VirtualHost> {

  /** A Route's host (no rules). */
  public VirtualHost(
      String host, RouteRef route, List<TagRoute> tagRoutes, List<WeightedUpstream> split) {
    this(host, route, tagRoutes, split, List.of());
  }

  public VirtualHost {
    requireNonNull(host, "host");
    requireNonNull(route, "route");
    tagRoutes = tagRoutes.stream().sorted().toList();
    split = List.copyOf(split);
    rules = List.copyOf(rules);
    if (!rules.isEmpty() && !(split.isEmpty() && tagRoutes.isEmpty())) {
      throw new IllegalArgumentException(
          host + ": a host with rules has no split and no tag routes");
    }
    int total = split.stream().mapToInt(WeightedUpstream::weight).sum();
    if (!split.isEmpty() && total != 100) {
      throw new IllegalArgumentException(
          "split of " + host + ": weights sum to " + total + " (expected: 100)");
    }
  }

  /** True for a Gateway API host, served by its {@link #rules()}. */
  public boolean ruleBased() {
    return !rules.isEmpty();
  }

  @Override
  public int compareTo(VirtualHost other) {
    return host.compareTo(other.host);
  }
}
