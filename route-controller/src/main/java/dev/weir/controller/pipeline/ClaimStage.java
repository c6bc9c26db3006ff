package dev.weir.controller.pipeline;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
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

  /**
   * @param expectedHosts about how many hosts will be claimed (sizes the map once)
   */
  ClaimStage(int expectedHosts) {
    claimed = new HashMap<>(expectedHosts * 4 / 3 + 1);
  }

  /** Claims the Route's hosts, or marks its outcome with a conflict. Call oldest first. */
  void claim(RouteWork w) {
    Set<String> hosts = w.hosts;
    if (hosts != null) {
      RouteKey holder = null;
      String conflictHost = null;
      for (String host : hosts) {
        holder = claimed.get(host);
        if (holder != null) {
          conflictHost = host;
          break;
        }
      }
      if (holder != null) {
        w.outcome = w.outcome().conflict(conflictMessage(conflictHost, holder));
      } else {
        for (String host : hosts) {
          claimed.put(host, w.key());
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
