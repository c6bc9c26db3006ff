package dev.weir.xds.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last few snapshots of each node group with the model revision each was built from, newest
 * first, so that a version a data plane ACKs can be mapped back to the newest model it matches.
 */
final class SnapshotHistory {

  /** One snapshot and the model revision it was built from. */
  record Entry(long modelRevision, WeirSnapshot snapshot) {}

  private final int depth;
  private final Map<NodeGroupKey, Deque<Entry>> entries = new HashMap<>();

  SnapshotHistory(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth: " + depth + " (expected: >= 1)");
    }
    this.depth = depth;
  }

  synchronized void add(NodeGroupKey group, long modelRevision, WeirSnapshot snapshot) {
    Deque<Entry> deque = entries.computeIfAbsent(group, g -> new ArrayDeque<>());
    deque.addFirst(new Entry(modelRevision, snapshot));
    while (deque.size() > depth) {
      deque.removeLast();
    }
  }

  /** Newest first; empty for a group that never had a snapshot. */
  synchronized List<Entry> of(NodeGroupKey group) {
    Deque<Entry> deque = entries.get(group);
    return deque == null ? List.of() : List.copyOf(deque);
  }
}
