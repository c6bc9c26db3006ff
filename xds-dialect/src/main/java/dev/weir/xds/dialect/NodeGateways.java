package dev.weir.xds.dialect;

import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which Gateway API Gateways a data plane serves: the node metadata field {@link #FIELD} ({@code
 * weir.dev/gateways}), a string of comma-separated {@code namespace/name}s (blanks around a name
 * ignored). Absent or empty: every Gateway of Weir's class. Written by the gateway from its {@code
 * weir.gateways} property and by Envoy's bootstrap ({@code node.metadata}); read by the control
 * plane, which groups nodes by it and gives a group the hosts of its Gateways plus every Route's
 * host.
 */
public final class NodeGateways {

  /** The node metadata field: a string, {@code ns/a,ns/b}. */
  public static final String FIELD = "weir.dev/gateways";

  private NodeGateways() {}

  /**
   * The Gateways {@code text} names, sorted; empty for an empty or blank {@code text}.
   *
   * @throws IllegalArgumentException for a name that is not {@code namespace/name}
   */
  public static SortedSet<String> parse(String text) {
    SortedSet<String> out = new TreeSet<>();
    for (String part : text.split(",", -1)) {
      String name = part.strip();
      if (name.isEmpty()) {
        continue;
      }
      NamespacedName.parse("gateway", "{namespace}/{name}", name);
      out.add(name);
    }
    return Collections.unmodifiableSortedSet(out);
  }

  /** {@code gateways} as {@link #FIELD}'s value: sorted, comma-separated. */
  public static String format(Set<String> gateways) {
    return String.join(",", new TreeSet<>(gateways));
  }
}
