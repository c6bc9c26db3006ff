package dev.weir.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import java.util.Collection;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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

  /**
   * The virtual hosts that {@code group}'s current snapshot serves over VHDS; null when the group
   * has no snapshot or does not get VHDS ({@link NodeGroupKey#vhds()}). Waits while a snapshot is
   * being set, so what it returns was set after the route configurations, clusters and the rest of
   * that snapshot were sent to the streams waiting for them.
   */
  @Nullable VirtualHostSet virtualHosts(NodeGroupKey group);

  /**
   * Runs {@code listener} with the node groups whose snapshots were set, after they were set (and
   * java-control-plane's responses for them sent), on the thread that set them.
   */
  void addSnapshotListener(Consumer<Collection<NodeGroupKey>> listener);
}
