package dev.weir.gateway.routing;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Every cluster's {@link ClusterLoad}, by name: the routing table builder hands each endpoint its
 * locality's counters and each upstream its cluster's, the request path counts on them, and the
 * load reporter drains them. Thread-safe.
 */
public final class LoadCounters {

  private final ConcurrentHashMap<String, ClusterLoad> clusters = new ConcurrentHashMap<>();
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
        load.removed = true;
      }
    }
  }

  /** Marks cluster {@code name} as removed (its counters stay until its last report). */
  void remove(String name) {
    ClusterLoad load = clusters.get(name);
    if (load != null) {
      load.removed = true;
    }
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
