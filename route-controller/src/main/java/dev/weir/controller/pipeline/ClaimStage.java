package dev.weir.controller.pipeline;

import dev.weir.controller.gatewayapi.ObjectKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Stage 3, claim hosts: gives each host to the first Route that claims it.
 *
 * <p>In: the Routes, oldest first (creation time, then namespace, name and cluster), with the hosts
 * the {@link ResolveStage} named. Out: each Route's outcome, with the conflict set when an older
 * Route already holds one of its hosts ({@code IngressReady=False, DomainConflict}, as Knative
 * Serving's Route says for a domain another Route owns); an outcome equal to the memo's is replaced
 * by the memo's object, so that later stages see at once that nothing changed.
 */
final class ClaimStage {

  private final Map<String, RouteKey> claimed;
  // The compile's maps, read only: a host a Route takes is marked lost instead of removed, and
  // a holder's message is made only for a conflict (no work per Gateway API host per build).
  private Map<String, Instant> gatewayHosts = Map.of();
  private Map<String, List<ObjectKey>> gatewayHolders = Map.of();
  private final Map<String, String> lostGatewayHosts = new TreeMap<>();

  /**
   * @param expectedHosts about how many hosts will be claimed (sizes the map once)
   */
  ClaimStage(int expectedHosts) {
    claimed = new HashMap<>(expectedHosts * 4 / 3 + 1);
  }

  /**
   * The Gateway API hosts, claimed before any Route: a Route keeps such a host only when it is
   * older than every Gateway API route serving it (the older object wins), and the Gateway API then
   * loses it ({@link #lostGatewayHosts}).
   *
   * @param ages per host, the creation time of its oldest Gateway API route
   * @param routes per host, those routes (for messages)
   */
  void preclaim(Map<String, Instant> ages, Map<String, List<ObjectKey>> routes) {
    gatewayHosts = ages;
    gatewayHolders = routes;
  }

  /** The Gateway API routes serving {@code host}, for a message. */
  private String holders(String host) {
    return String.join(
        ", ",
        gatewayHolders.getOrDefault(host, List.of()).stream()
            .map(k -> k.kind() + " " + k.key() + " of cluster " + k.cluster())
            .toList());
  }

  /** The Gateway API hosts older Routes keep, each with the message naming the Route. */
  Map<String, String> lostGatewayHosts() {
    return lostGatewayHosts;
  }

  /** Claims the Route's hosts, or marks its outcome with a conflict. Call oldest first. */
  void claim(RouteWork w) {
    Set<String> hosts = w.hosts;
    if (hosts != null) {
      RouteKey holder = null;
      String conflictHost = null;
      String gatewayConflict = null;
      for (String host : hosts) {
        holder = claimed.get(host);
        if (holder != null) {
          conflictHost = host;
          break;
        }
        Instant gatewayAge = gatewayHosts.get(host);
        if (gatewayAge != null
            && !lostGatewayHosts.containsKey(host)
            && gatewayAge.isBefore(w.outcome().route().created())) {
          gatewayConflict = "host " + host + " is already served by the older " + holders(host);
          break;
        }
      }
      if (holder != null) {
        w.outcome = w.outcome().conflict(conflictMessage(conflictHost, holder));
      } else if (gatewayConflict != null) {
        w.outcome = w.outcome().conflict(gatewayConflict);
      } else {
        for (String host : hosts) {
          claimed.put(host, w.key());
          if (gatewayHosts.containsKey(host) && !lostGatewayHosts.containsKey(host)) {
            lostGatewayHosts.put(
                host,
                "served by the older Route "
                    + w.key().namespace()
                    + "/"
                    + w.key().name()
                    + " of cluster "
                    + w.key().cluster());
          }
        }
      }
    }
    RouteMemo m = w.memo;
    if (m != null && w.outcome().equals(m.outcome())) {
      w.outcome = m.outcome(); // the same object, so later steps know at once
    }
  }

  private static String conflictMessage(@Nullable String host, RouteKey holder) {
    return "host "
        + host
        + " is already served by Route "
        + holder.namespace()
        + "/"
        + holder.name()
        + " of cluster "
        + holder.cluster();
  }
}
