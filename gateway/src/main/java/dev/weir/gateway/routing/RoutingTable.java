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
      new RoutingTable(0, Map.of(), new String[0], new VirtualHostEntry[0], null, Map.of());

  private final long generation;
  private final Map<String, VirtualHostEntry> exactHosts;
  private final String[] suffixes;
  private final VirtualHostEntry[] suffixHosts;
  private final @Nullable VirtualHostEntry anyHost;
  private final Map<String, Upstream> upstreams;

  RoutingTable(
      long generation,
      Map<String, VirtualHostEntry> exactHosts,
      String[] suffixes,
      VirtualHostEntry[] suffixHosts,
      @Nullable VirtualHostEntry anyHost,
      Map<String, Upstream> upstreams) {
    this.generation = generation;
    this.exactHosts = exactHosts;
    this.suffixes = suffixes;
    this.suffixHosts = suffixHosts;
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
   * The virtual host for a {@code Host} header value (any case, with or without port): one hash
   * lookup, then the rare wildcard domains.
   */
  public @Nullable VirtualHostEntry virtualHost(@Nullable String hostHeader) {
    String host = normalizeHost(hostHeader);
    VirtualHostEntry found = exactHosts.get(host);
    if (found != null) {
      return found;
    }
    for (int i = 0; i < suffixes.length; i++) {
      if (host.endsWith(suffixes[i])) {
        return suffixHosts[i];
      }
    }
    return anyHost;
  }

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
