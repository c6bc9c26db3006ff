package dev.weir.gateway.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Every cluster's {@link ClusterLoad}, by name: the routing table builder hands each endpoint its
 * locality's counters and each upstream its cluster's, the request path counts on them, and the
 * load reporter drains them. The clusters with activity since the reporter last took them wait in a
 * queue ({@link #takeActive}), so a report visits those only, not every cluster of the table.
 * Thread-safe.
 */
public final class LoadCounters {

  private final ConcurrentHashMap<String, ClusterLoad> clusters = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<ClusterLoad> active = new ConcurrentLinkedQueue<>();
  private volatile @Nullable Consumer<ClusterLoad> onFirstHeld;

  /** The load of cluster {@code name}, created when missing (and kept again if it was removed). */
  ClusterLoad cluster(String name) {
    ClusterLoad load = clusters.computeIfAbsent(name, n -> new ClusterLoad(n, this));
    load.removed = false;
    return load;
  }

  /** Marks every cluster not in {@code current} as removed. */
  void retain(Set<String> current) {
    for (ClusterLoad load : clusters.values()) {
      if (!current.contains(load.name())) {
        remove(load);
      }
    }
  }

  /** Marks cluster {@code name} as removed (its counters stay until its last report). */
  void remove(String name) {
    ClusterLoad load = clusters.get(name);
    if (load != null) {
      remove(load);
    }
  }

  private void remove(ClusterLoad load) {
    load.removed = true;
    // Visited once more: its last counts are reported, then it is dropped.
    load.markActive();
  }

  void activated(ClusterLoad load) {
    active.add(load);
  }

  /**
   * The clusters marked active ({@link ClusterLoad#markActive}) since the last call, each once, in
   * the order they became active. Each stays marked until the reporter calls {@link
   * ClusterLoad#reportStarted}; marked again after that, it comes in the next call. Clusters no
   * longer counted here (dropped, or replaced by a new one of the same name) are left out.
   */
  public List<ClusterLoad> takeActive() {
    List<ClusterLoad> taken = new ArrayList<>();
    for (ClusterLoad load = active.poll(); load != null; load = active.poll()) {
      if (clusters.get(load.name()) == load) {
        taken.add(load);
      }
    }
    return taken;
  }

  /**
   * Calls {@code listener} when a cluster's held requests go from 0 to 1, on the request's thread
   * (it must not block): the load reporter sends a report at once. One listener; a second call
   * replaces the first.
   */
  public void onFirstHeld(Consumer<ClusterLoad> listener) {
    this.onFirstHeld = listener;
  }

  void firstHeld(ClusterLoad load) {
    Consumer<ClusterLoad> listener = onFirstHeld;
    if (listener != null) {
      listener.accept(load);
    }
  }

  /** Every cluster with counters, removed ones included until {@link #drop}ped. */
  public Collection<ClusterLoad> clusters() {
    return clusters.values();
  }

  /** Forgets {@code load} if it is still removed (after its last report). */
  public void drop(ClusterLoad load) {
    if (load.removed) {
      clusters.remove(load.name(), load);
    }
  }
}
