package dev.weir.xds.snapshot;

import dev.weir.model.Locality;
import dev.weir.model.TrafficModel;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot per node group for a model, in translation rounds: the translator, the shared
 * resource lists and the consistency check each reuse what the previous round produced (compared by
 * identity), so a round must be ended with {@link #endRound()} once its snapshots are set. Held and
 * staged secrets ({@link MakeBeforeBreak}, {@link AddBeforeSwitch}) are added for the groups that
 * get secrets. Not thread-safe: the producer calls it under its build lock.
 */
final class GroupSnapshots {

  private static final Logger log = LoggerFactory.getLogger(GroupSnapshots.class);

  private final Translator translator;
  private final MakeBeforeBreak makeBeforeBreak;
  private final AddBeforeSwitch addBeforeSwitch;
  private final WeirSnapshot.SharedResources shared = new WeirSnapshot.SharedResources();
  private final Consistency consistency = new Consistency();
  private final Set<NodeGroupKey> warnedWithoutSecrets = ConcurrentHashMap.newKeySet();

  GroupSnapshots(
      Translator translator, MakeBeforeBreak makeBeforeBreak, AddBeforeSwitch addBeforeSwitch) {
    this.translator = translator;
    this.makeBeforeBreak = makeBeforeBreak;
    this.addBeforeSwitch = addBeforeSwitch;
  }

  /**
   * The snapshot of {@code model} for {@code group}, checked for consistency.
   *
   * @throws SnapshotConsistencyException if a resource names one the snapshot lacks
   */
  WeirSnapshot snapshot(TrafficModel model, NodeGroupKey group)
      throws SnapshotConsistencyException {
    XdsResources resources = resources(model, group);
    consistency.checkOnce(resources);
    if (!group.secretsAllowed()
        && group.kind() != DataPlaneKind.PROXYLESS_GRPC
        && !model.certificates().isEmpty()
        && warnedWithoutSecrets.add(group)) {
      log.warn(
          "node group {}: its xDS stream is neither TLS-protected nor on loopback, so it gets"
              + " no certificates and no weir-https listener (serve xDS with TLS to fix)",
          group);
    }
    return new WeirSnapshot(resources, shared);
  }

  /**
   * Checks {@code model} as Envoy with private keys would get it (every kind of resource), so that
   * a bad model is reported even when no data plane is connected. The locality is one of {@code
   * groups}' (consistency does not depend on it, and one a group has costs nothing more).
   *
   * @throws SnapshotConsistencyException if a resource names one the snapshot lacks
   */
  void check(TrafficModel model, Collection<NodeGroupKey> groups)
      throws SnapshotConsistencyException {
    Locality locality = Locality.UNKNOWN;
    for (NodeGroupKey group : groups) {
      locality = group.locality();
      break;
    }
    consistency.checkOnce(resources(model, new NodeGroupKey(DataPlaneKind.ENVOY, locality, true)));
  }

  /** Ends a round whose snapshots were set: what it did not use is forgotten in the next one. */
  void endRound() {
    translator.endRound();
    shared.endRound();
    consistency.endRound();
  }

  private XdsResources resources(TrafficModel model, NodeGroupKey group) {
    XdsResources resources =
        translator.translate(
            model, group.kind(), group.locality(), group.secretsAllowed(), group.gateways());
    return group.secretsAllowed() && group.kind() != DataPlaneKind.PROXYLESS_GRPC
        ? addBeforeSwitch.withNewSecrets(
            makeBeforeBreak.withHeldSecrets(resources, translator::secret), translator::secret)
        : resources;
  }
}
