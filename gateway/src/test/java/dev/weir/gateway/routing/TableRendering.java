package dev.weir.gateway.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a routing table routes where, as text, for tests that compare two tables: for each host
 * given, its virtual host, routes, targets and their upstreams' endpoints; then each cluster given.
 */
public final class TableRendering {

  private TableRendering() {}

  /** {@code hosts} are {@code Host} header values, {@code clusters} cluster names. */
  public static String render(
      RoutingTable table, Collection<String> hosts, Collection<String> clusters) {
    StringBuilder out = new StringBuilder();
    out.append(table.hostCount()).append(" hosts\n");
    for (String host : hosts) {
      out.append(host).append(" -> ");
      render(table.virtualHost(host), out);
      out.append('\n');
    }
    for (String cluster : clusters) {
      Upstream upstream = table.upstream(cluster);
      out.append(cluster).append(": ");
      out.append(upstream == null ? "none" : upstream.spec() + " " + ports(upstream));
      out.append('\n');
    }
    return out.toString();
  }

  private static void render(@Nullable VirtualHostEntry entry, StringBuilder out) {
    if (entry == null) {
      out.append("none");
      return;
    }
    out.append(entry.name()).append(' ').append(entry.route()).append(' ');
    out.append(entry.redirect());
    for (int r = 0; r < entry.routeCount(); r++) {
      RouteEntry route = entry.routeAt(r);
      out.append(" [").append(route.name());
      out.append(route.picker() == null ? "" : " split");
      for (int t = 0; t < route.targetCount(); t++) {
        Target target = route.target(t);
        Upstream upstream = target.upstream();
        out.append(' ').append(target.cluster()).append('*').append(target.weight());
        out.append(upstream == null ? " -" : " " + ports(upstream));
      }
      out.append(']');
    }
  }

  private static List<Integer> ports(Upstream upstream) {
    List<Integer> ports = new ArrayList<>();
    for (Endpoint endpoint : upstream.endpoints()) {
      ports.add(endpoint.port());
    }
    return ports;
  }
}
