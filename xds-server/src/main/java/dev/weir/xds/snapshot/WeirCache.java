package dev.weir.xds.snapshot;

import io.envoyproxy.controlplane.cache.CacheStatusInfo;
import io.envoyproxy.controlplane.cache.DeltaCacheStatusInfo;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.EnumMap;
import java.util.Map;

/**
 * java-control-plane's snapshot cache, except that setting a snapshot does not look through the
 * resources of a type that did not change for Delta watches. For each such watch the cache compares
 * every resource's version with the previous snapshot's (10,000 clusters and as many load
 * assignments when one Route changed), and when the two snapshots share the resources of a type
 * (see {@link WeirSnapshot.SharedResources}) it can only find nothing to send.
 */
final class WeirCache extends SimpleCache<NodeGroupKey> {

  WeirCache() {
    super(NodeGroupKey::of);
  }

  @Override
  protected void respondWithSpecificOrder(
      NodeGroupKey group,
      Snapshot previousSnapshot,
      Snapshot snapshot,
      Map<ResourceType, CacheStatusInfo<NodeGroupKey>> statusMap,
      Map<ResourceType, DeltaCacheStatusInfo<NodeGroupKey>> deltaStatusMap) {
    Map<ResourceType, DeltaCacheStatusInfo<NodeGroupKey>> changed = deltaStatusMap;
    if (previousSnapshot != null && !deltaStatusMap.isEmpty()) {
      changed = new EnumMap<>(ResourceType.class);
      for (Map.Entry<ResourceType, DeltaCacheStatusInfo<NodeGroupKey>> entry :
          deltaStatusMap.entrySet()) {
        if (previousSnapshot.versionedResources(entry.getKey())
            != snapshot.versionedResources(entry.getKey())) {
          changed.put(entry.getKey(), entry.getValue());
        }
      }
    }
    super.respondWithSpecificOrder(group, previousSnapshot, snapshot, statusMap, changed);
  }
}
