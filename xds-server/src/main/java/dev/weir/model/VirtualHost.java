package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

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
 * <p>Where it is served: {@code port} is the port clients reach (a Gateway listener's {@code
 * port}); {@link #SHARED_PORT} (80, the default, and every Route's host) means the shared listeners
 * ({@code weir-http} on the data port and, when a certificate covers the host, {@code weir-https};
 * a Gateway's HTTPS listener on 443 is given as 80 too, and 443 is taken as 80); any other port P
 * gets a listener of its own on the data planes ({@code weir-http-P}, plain HTTP; see
 * ARCHITECTURE.md, "Ports"). {@code gateways} names the Gateways whose listeners serve the host, as
 * {@code namespace/name}; a data plane that names the Gateways it serves ({@code weir.gateways},
 * Envoy's node metadata {@code weir.dev/gateways}) gets the hosts of those Gateways only, plus
 * every host with no gateways (every Route's host). A host name may appear once per port.
 *
 * <p>A host several Gateways serve carries all their rules in one order (a route configuration
 * names a domain once); each rule names the Gateways it reaches the host through ({@link
 * HttpRule#gateways()}), and a data plane serving some of them gets only their rules ({@link
 * #servedTo}), in the same order.
 *
 * @param host an exact name, or a wildcard {@code *.example.com}, or {@code *} (any host)
 * @param rules empty for a Route's host
 * @param port 1..65535; 80 for the shared listeners (443 is taken as 80)
 * @param gateways {@code namespace/name} of the Gateways serving the host; empty (every Route's
 *     host) for every data plane
 * @throws IllegalArgumentException if a split does not sum to 100, a host has both rules and a
 *     split or tag routes, a port is out of range, a gateway is not {@code namespace/name}, or a
 *     rule names a gateway the host does not
 */
public record VirtualHost(
    String host,
    RouteRef route,
    List<TagRoute> tagRoutes,
    List<WeightedUpstream> split,
    List<HttpRule> rules,
    int port,
    Set<String> gateways)
    implements Comparable<VirtualHost> {

  /** The port of the shared listeners ({@code weir-http}, {@code weir-https}): 80. */
  public static final int SHARED_PORT = 80;

  /** A Route's host (no rules), on the shared listeners of every data plane. */
  public VirtualHost(
      String host, RouteRef route, List<TagRoute> tagRoutes, List<WeightedUpstream> split) {
    this(host, route, tagRoutes, split, List.of());
  }

  /** A host on the shared listeners ({@link #SHARED_PORT}) of every data plane. */
  public VirtualHost(
      String host,
      RouteRef route,
      List<TagRoute> tagRoutes,
      List<WeightedUpstream> split,
      List<HttpRule> rules) {
    this(host, route, tagRoutes, split, rules, SHARED_PORT, Set.of());
  }

  public VirtualHost {
    requireNonNull(host, "host");
    requireNonNull(route, "route");
    tagRoutes = tagRoutes.stream().sorted().toList();
    split = List.copyOf(split);
    rules = List.copyOf(rules);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(host + ": port " + port + " (expected: 1..65535)");
    }
    if (port == 443) {
      port = SHARED_PORT;
    }
    gateways = Collections.unmodifiableSortedSet(new TreeSet<>(gateways));
    for (String gateway : gateways) {
      int slash = gateway.indexOf('/');
      if (slash <= 0 || slash == gateway.length() - 1 || gateway.indexOf('/', slash + 1) >= 0) {
        throw new IllegalArgumentException(
            host + ": gateway " + gateway + " (expected: namespace/name)");
      }
    }
    for (HttpRule rule : rules) {
      if (!rule.gateways().isEmpty() && !gateways.containsAll(rule.gateways())) {
        throw new IllegalArgumentException(
            host
                + ": rule "
                + rule.name()
                + " names gateways "
                + rule.gateways()
                + " (expected: among the host's "
                + gateways
                + ")");
      }
    }
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

  /** True when the host is served on the shared listeners ({@link #SHARED_PORT}). */
  public boolean sharedPort() {
    return port == SHARED_PORT;
  }

  /**
   * True when a data plane serving {@code served} Gateways ({@code namespace/name}; empty: every
   * Gateway) serves this host: it has no gateways, or {@code served} is empty, or they share one.
   */
  public boolean servedBy(Set<String> served) {
    if (gateways.isEmpty() || served.isEmpty()) {
      return true;
    }
    for (String gateway : gateways) {
      if (served.contains(gateway)) {
        return true;
      }
    }
    return false;
  }

  /**
   * This host as a data plane serving {@code served} Gateways ({@code namespace/name}; empty: every
   * Gateway) gets it: itself when it gets every rule (always for a Route's host, which has none),
   * else a copy with only the rules {@link HttpRule#servedBy served by} them, in their order; null
   * when it gets no rule.
   */
  public @Nullable VirtualHost servedTo(Set<String> served) {
    if (served.isEmpty() || gateways.isEmpty() || served.containsAll(gateways)) {
      return this;
    }
    List<HttpRule> kept = null;
    for (int i = 0; i < rules.size(); i++) {
      HttpRule rule = rules.get(i);
      if (rule.servedBy(served)) {
        if (kept != null) {
          kept.add(rule);
        }
      } else if (kept == null) {
        kept = new ArrayList<>(rules.subList(0, i));
      }
    }
    if (kept == null) {
      return this;
    }
    if (kept.isEmpty()) {
      return null;
    }
    return new VirtualHost(host, route, tagRoutes, split, kept, port, gateways);
  }

  /** By host, then port. */
  @Override
  public int compareTo(VirtualHost other) {
    int order = host.compareTo(other.host);
    return order != 0 ? order : Integer.compare(port, other.port);
  }
}
