package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;

/**
 * A data plane is holding requests for a revision (or started holding some since its last report):
 * the revision is wanted. Made from one load report's {@link
 * dev.weir.xds.dialect.LoadReports#HELD_REQUESTS_METRIC} entry of one cluster.
 *
 * @param namespace the revision's namespace
 * @param revision the revision (its xDS cluster is {@code namespace/revision})
 * @param nodeId the reporting data plane's {@code node.id}
 * @param nodeLocality the reporting data plane's {@code node.locality} region and zone, from the
 *     first request of its LRS stream ({@link Locality#UNKNOWN} when it said none): the controller
 *     wakes the revision in the cluster nearest to it
 * @param held the number of requests the data plane holds for the revision now ({@code
 *     total_metric_value}); may be 0 when some were held and released within the interval
 */
public record Demand(
    String namespace, String revision, String nodeId, Locality nodeLocality, long held) {

  public Demand {
    requireNonNull(namespace, "namespace");
    requireNonNull(revision, "revision");
    requireNonNull(nodeId, "nodeId");
    requireNonNull(nodeLocality, "nodeLocality");
  }
}
