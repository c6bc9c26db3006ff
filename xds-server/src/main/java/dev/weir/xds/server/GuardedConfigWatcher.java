package dev.weir.xds.server;

import dev.weir.xds.snapshot.NodeGroupKey;
import dev.weir.xds.snapshot.SnapshotSource;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Sits between the discovery server and the snapshot cache, and fixes what the cache alone does not
 * do: requests that omit the node (allowed after a stream's first one) are grouped by the stream's
 * node; a node group seen for the first time gets a snapshot built on demand; a NACK opens a watch
 * for the next snapshot instead of being answered with the version it rejected, which would loop
 * forever; listeners that no longer exist are answered as absent; and every node is marked with
 * whether its stream may carry private keys ({@link StreamTransport}); a Delta Secret subscription
 * that names nothing gets every secret.
 */
final class GuardedConfigWatcher implements ConfigWatcher {

  private final ConfigWatcher cache;
  private final SnapshotSource snapshots;

  /** Watches {@code snapshots}' cache, asking it for a snapshot of every node group it sees. */
  GuardedConfigWatcher(SnapshotSource snapshots) {
    this.cache = snapshots.watcher();
    this.snapshots = snapshots;
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    DataPlaneTracker.RequestContext context = DataPlaneTracker.CURRENT.get();
    DataPlaneTracker.CURRENT.remove();
    DiscoveryRequest raw = request.v3Request();
    if (!raw.hasNode() && context != null) {
      raw = raw.toBuilder().setNode(context.node()).build();
    }
    Node marked = StreamTransport.mark(raw.getNode(), false);
    if (marked != raw.getNode()) {
      raw = raw.toBuilder().setNode(marked).build();
    }
    snapshots.ensureSnapshot(NodeGroupKey.of(raw.getNode()));
    Set<String> known = knownResourceNames;
    boolean clusterChanged = hasClusterChanged;
    if (context != null && context.nack()) {
      // Claim the node holds the version it rejected (and every name it asked for), so the cache
      // answers only when a snapshot with another version is set.
      raw = raw.toBuilder().setVersionInfo(context.rejectedVersion()).build();
      known = Set.copyOf(raw.getResourceNamesList());
      clusterChanged = false;
    }
    if (raw != request.v3Request()) {
      request = XdsRequest.create(raw);
    }
    return cache.createWatch(
        ads && !isListener(request),
        request,
        known,
        responseConsumer,
        clusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  // In ADS mode the cache holds back any response that lacks a requested name. For clusters,
  // routes and endpoints that is what keeps removals safe: a gRPC client asks for a removed cluster
  // until the new routes stop using it, and only then gets the clusters without it. Listeners are
  // different: a gRPC client asks for the listener of every host it has a channel to, and when one
  // host goes away the others must still be updated, so its listener is answered as absent (which
  // the client reads as deleted).
  private static boolean isListener(XdsRequest request) {
    return request.getResourceType() == Resources.ResourceType.LISTENER;
  }

  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    DataPlaneTracker.RequestContext context = DataPlaneTracker.CURRENT.get();
    DataPlaneTracker.CURRENT.remove();
    DeltaDiscoveryRequest raw = request.v3Request();
    if (!raw.hasNode() && context != null) {
      raw = raw.toBuilder().setNode(context.node()).build();
    }
    Node marked = StreamTransport.mark(raw.getNode(), true);
    if (marked != raw.getNode()) {
      raw = raw.toBuilder().setNode(marked).build();
    }
    if (raw != request.v3Request()) {
      request = DeltaXdsRequest.create(raw);
    }
    snapshots.ensureSnapshot(NodeGroupKey.of(raw.getNode()));
    Set<String> pending = pendingResources;
    boolean clusterChanged = hasClusterChanged;
    if (context != null && context.nack()) {
      // The requester version is already the rejected one; only the names still pending from the
      // rejected response would make the cache answer again at once.
      pending = Set.of();
      clusterChanged = false;
    }
    // java-control-plane's Delta ADS treats only clusters and listeners as wildcard types; the
    // gateway asks for every secret the same way, so a Secret subscription that named nothing at
    // first is a wildcard too.
    boolean wildcard =
        isWildcard
            || (context != null
                && context.deltaWildcard()
                && request.getResourceType() == Resources.ResourceType.SECRET);
    return cache.createDeltaWatch(
        request,
        requesterVersion,
        resourceVersions,
        pending,
        wildcard,
        responseConsumer,
        clusterChanged);
  }
}
