package dev.weir.xds;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A connected data plane as the xDS server sees it.
 *
 * @param ackedVersions the last version the node ACKed, per resource type URL
 * @param appliedModelRevision the highest {@link dev.weir.model.TrafficModel#revision()} whose
 *     resources the node has ACKed for every type it subscribes to; 0 when none yet
 * @param lastNack the node's most recent NACK, if any, with the model revision it counts against
 *     ({@link Nack#rejectedModelRevision()}): a rollout step waiting for model revision R is
 *     applied by a node once {@code appliedModelRevision >= R}, and rejected by it when {@code
 *     lastNack} is present and {@link Nack#rejectedNewerThan rejectedNewerThan(R - 1)}
 */
public record DataPlane(
    String nodeId,
    String nodeCluster,
    Locality locality,
    Instant connectedAt,
    Map<String, String> ackedVersions,
    long appliedModelRevision,
    Optional<Nack> lastNack) {

  public DataPlane {
    requireNonNull(nodeId, "nodeId");
    requireNonNull(nodeCluster, "nodeCluster");
    requireNonNull(locality, "locality");
    requireNonNull(connectedAt, "connectedAt");
    ackedVersions = Map.copyOf(ackedVersions);
    requireNonNull(lastNack, "lastNack");
  }
}
