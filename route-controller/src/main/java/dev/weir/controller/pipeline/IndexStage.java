package dev.weir.controller.pipeline;

import dev.weir.controller.pipeline.ClusterIndex.Name;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 1, index: every cluster's Services and EndpointSlices by name, and which Service names
 * changed since the last build.
 *
 * <p>In: the clusters (sorted by name) and the {@link BuildMemo}'s indexes. Out: one {@link
 * ClusterIndex} per cluster (the last build's when the cluster handed over the same lists), the
 * names whose Services or slices changed (their upstreams are made again, Routes naming them are
 * resolved again), and the indexes to remember. Cluster names that repeat (no source makes them)
 * are indexed without the memo.
 */
final class IndexStage {

  private final List<ClusterIndex> indexes = new ArrayList<>();
  private final Set<Name> changed = new HashSet<>();
  private final Map<String, ClusterIndex> remembered;

  private IndexStage(List<ClusterObjects> clusters, BuildMemo memo) {
    Map<String, ClusterIndex> next = new HashMap<>();
    boolean uniqueNames =
        clusters.stream().map(ClusterObjects::cluster).distinct().count() == clusters.size();
    for (ClusterObjects c : clusters) {
      ClusterIndex before = uniqueNames ? memo.indexes().get(c.cluster()) : null;
      ClusterIndex index = ClusterIndex.of(c, before);
      indexes.add(index);
      if (uniqueNames) {
        next.put(c.cluster(), index);
      }
      if (index != before) {
        changed.addAll(ClusterIndex.changedNames(before, index));
      }
    }
    for (Map.Entry<String, ClusterIndex> e : memo.indexes().entrySet()) {
      if (!next.containsKey(e.getKey())) {
        changed.addAll(ClusterIndex.changedNames(e.getValue(), null));
      }
    }
    this.remembered = uniqueNames ? next : Map.of();
  }

  /** Indexes {@code clusters} (sorted by name), reusing what {@code memo} holds. */
  static IndexStage run(List<ClusterObjects> clusters, BuildMemo memo) {
    return new IndexStage(clusters, memo);
  }

  /** One index per cluster, in the clusters' order. */
  List<ClusterIndex> indexes() {
    return indexes;
  }

  /** The Service names whose Services or EndpointSlices changed since the memo's build. */
  Set<Name> changed() {
    return changed;
  }

  /** The indexes for the next build's memo, by cluster name. */
  Map<String, ClusterIndex> remembered() {
    return remembered;
  }

  /** True when some cluster has a Service of that name. */
  boolean hasService(Name name) {
    for (ClusterIndex index : indexes) {
      if (index.hasService(name)) {
        return true;
      }
    }
    return false;
  }
}
