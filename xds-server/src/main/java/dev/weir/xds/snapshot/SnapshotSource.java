package dev.weir.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ConfigWatcher;

/**
 * The one seam between serving and snapshot production, after java-control-plane's own line between
 * its {@code server} and {@code cache} artifacts: the server opens watches on {@link #watcher()},
 * asks for a snapshot of a node group it sees for the first time, and serializes the resources it
 * sends through {@link #serialize}, which serializes each shared resource once.
 */
public interface SnapshotSource {

  /** The snapshot cache, grouped by {@link NodeGroupKey#of}; watches opened on it get answers. */
  ConfigWatcher watcher();

  /**
   * Sets a snapshot for {@code group} now if it has none and a model was published; called on a
   * gRPC thread before every watch, so cheap when the group has one. Never throws for a bad model
   * (the group then stays without a snapshot and the error is logged).
   */
  void ensureSnapshot(NodeGroupKey group);

  /** {@code resource} as an {@code Any}, the very same one for the very same resource object. */
  Any serialize(Message resource);
}
