package dev.weir.xds.snapshot;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last few snapshots of each node group with the model revision each was built from, newest
 * first, so that a version a data plane ACKs can be mapped back to the newest model it matches.
 * Production adds to it (before it sets the snapshot, since an ACK may arrive before {@code
 * setSnapshot} returns); ACK tracking reads it. Thread-safe.
 */
public final class SnapshotHistory {

  /** One snapshot and the model revision it was built from (or, when staged, that it serves). */
  public record Entry(long modelRevision, Snapshot snapshot) {}

  private final int depth;
  private final Map<NodeGroupKey, Deque<Entry>> entries = new HashMap<>();

  /**
   * A history of at most {@code depth} snapshots per node group.
   *
   * @throws IllegalArgumentException if {@code depth} is below 1
   */
  public SnapshotHistory(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth: " + depth + " (expected: >= 1)");
    }
    this.depth = depth;
  }

  synchronized void add(NodeGroupKey group, long modelRevision, Snapshot snapshot) {
    Deque<Entry> deque = entries.computeIfAbsent(group, g -> new ArrayDeque<>());
    deque.addFirst(new Entry(modelRevision, snapshot));
    while (deque.size() > depth) {
      deque.removeLast();
    }
  }

  /** Newest first; empty for a group that never had a snapshot. */
  public synchronized List<Entry> of(NodeGroupKey group) {
    Deque<Entry> deque = entries.get(group);
    return deque == null ? List.of() : List.copyOf(deque);
  }
}
