package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * What one connected data-plane node has applied: the model revision of the last snapshot it ACKed
 * entirely (a NACK leaves it where it was). The builder's own view of the xDS server's data planes,
 * so that the build needs nothing of {@code dev.weir.xds}.
 *
 * @param nodeId the node's xDS {@code node.id}
 * @param appliedModelRevision the {@code TrafficModel} revision it applied; 0 before any
 */
public record AppliedModel(String nodeId, long appliedModelRevision) {

  public AppliedModel {
    requireNonNull(nodeId, "nodeId");
  }
}
