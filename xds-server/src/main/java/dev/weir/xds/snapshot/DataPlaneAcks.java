package dev.weir.xds.snapshot;

import dev.weir.xds.DataPlane;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What snapshot production needs to know about the connected data planes, implemented by the
 * serving side's ACK tracking: production decides from it when held removals go and when staged
 * routes follow, without depending on gRPC or streams.
 */
public interface DataPlaneAcks {

  /** The connected data planes, sorted by node id. */
  List<DataPlane> dataPlanes();

  /**
   * The ids of the connected nodes that have not ACKed, for every one of {@code typeUrls} they
   * subscribe to, the version of their group's {@code current} snapshot, sorted; empty when all
   * have. A group whose {@code current} is null has nothing to wait for. A state-of-the-world node
   * subscribed to one of {@code newClusters} has ACKed load assignments only once it also asked for
   * that cluster's, as Envoy does while it warms the cluster. {@code current} must not take the
   * snapshot cache's lock (the cache calls the tracker while holding it).
   */
  List<String> notAcked(
      Function<NodeGroupKey, @Nullable Snapshot> current,
      Set<String> typeUrls,
      List<String> newClusters);

  /** New snapshots were set for {@code groups}: the same content may now be a newer revision. */
  void snapshotsChanged(Collection<NodeGroupKey> groups);

  /** Runs {@code listener} after any connect, disconnect, ACK or NACK; it must not block. */
  void addListener(Runnable listener);
}
