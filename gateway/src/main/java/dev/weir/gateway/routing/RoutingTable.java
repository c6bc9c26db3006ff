package dev.weir.gateway.routing;

import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of everything the proxy needs to route a request. A new table is built for
 * every applied configuration change and swapped in whole; a request keeps the table it started
 * with.
 */
public final class RoutingTable {

  /** The table before any configuration arrived: every host is unknown. */
  public static final RoutingTable EMPTY =
      new RoutingTable(
          0,
          HostIndex.EMPTY,
          new String[0],
          new VirtualHostEntry[0],
          new String[0],
          new VirtualHostEntry[0],
          null,
          Map.of());

  private final long generation;
  private final HostIndex exactHosts;
  private final String[] suffixes;
  private final VirtualHostEntry[] suffixHosts;
  private final String[] prefixes;
  private final VirtualHostEntry[] prefixHosts;
  private final @Nullable VirtualHostEntry anyHost;
  private final Map<String, Upstream> upstreams;

  RoutingTable(
      long generation,
      HostIndex exactHosts,
      String[] suffixes,
      VirtualHostEntry[] suffixHosts,
      String[] prefixes,
      VirtualHostEntry[] prefixHosts,
      @Nullable VirtualHostEntry anyHost,
      Map<String, Upstream> upstreams) {
    this.generation = generation;
    this.exactHosts = exactHosts;
    this.suffixes = suffixes;
    this.suffixHosts = suffixHosts;
    this.prefixes = prefixes;
    this.prefixHosts = prefixHosts;
    this.anyHost = anyHost;
    this.upstreams = upstreams;
  }

  /** Counts the tables built, starting at 1; 0 for {@link #EMPTY}. */
  public long generation() {
    return generation;
  }

  /** The number of distinct host names served exactly. */
  public int hostCount() {
    return exactHosts.size();
  }

  /**
   * The virtual host for a {@code Host} header value (any case, with or without port; the port is
   * ignored), with Envoy's precedence ({@code VirtualHost.domains}): an exact name (one hash
   * lookup, {@link HostIndex}), then the longest suffix wildcard ({@code *.example.com}, {@code
   * *-bar.example.com}), then the longest prefix wildcard ({@code foo.*}), then {@code *}. A
   * wildcard stands for at least one character, so {@code *.example.com} does not serve {@code
   * .example.com}.
   */
  public @Nullable VirtualHostEntry virtualHost(@Nullable String hostHeader) {
    String host = normalizeHost(hostHeader);
    VirtualHostEntry found = exactHosts.get(host);
    if (found != null) {
      return found;
    }
    // Longest first (the builder sorts them).
    for (int i = 0; i < suffixes.length; i++) {
      if (host.length() > suffixes[i].length() && host.endsWith(suffixes[i])) {
        return suffixHosts[i];
      }
    }
    for (int i = 0; i < prefixes.length; i++) {
      if (host.length() > prefixes[i].length() && host.startsWith(prefixes[i])) {
        return prefixHosts[i];
      }
    }
    return anyHost;
  }

  /** The upstream of cluster {@code cluster} ({@code namespace/revision}), or null if unknown. */
  public @Nullable Upstream upstream(String cluster) {
    return upstreams.get(cluster);
  }

  Map<String, Upstream> upstreams() {
    return upstreams;
  }

  /**
   * The host a {@code Host} header names: lower case, without port or trailing dot. Allocates only
   * when the value needs changing.
   */
  public static String normalizeHost(@Nullable String hostHeader) {
    if (hostHeader == null) {
      return "";
    }
    int end = hostHeader.length();
    if (end > 0 && hostHeader.charAt(0) == '[') {
      int close = hostHeader.indexOf(']');
      if (close > 0) {
        end = close + 1;
      }
    } else {
      int colon = hostHeader.lastIndexOf(':');
      if (colon >= 0) {
        end = colon;
      }
    }
    if (end > 0 && hostHeader.charAt(end - 1) == '.') {
      end--;
    }
    boolean upper = false;
    for (int i = 0; i < end; i++) {
      char c = hostHeader.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        upper = true;
        break;
      }
    }
    String host = end == hostHeader.length() ? hostHeader : hostHeader.substring(0, end);
    return upper ? host.toLowerCase(Locale.ROOT) : host;
  }
}
