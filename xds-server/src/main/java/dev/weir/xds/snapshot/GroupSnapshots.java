package dev.weir.xds.snapshot;

import dev.weir.model.Locality;
import dev.weir.model.TrafficModel;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.Vhds;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot per node group for a model, in translation rounds: the translator, the shared
 * resource lists and the consistency check each reuse what the previous round produced (compared by
 * identity), so a round must be ended with {@link #endRound()} once its snapshots are set. Held and
 * staged secrets ({@link MakeBeforeBreak}, {@link AddBeforeSwitch}) are added for the groups that
 * get secrets. A VHDS group ({@link NodeGroupKey#vhds()}) gets its route configurations without
 * virtual hosts and with {@code vhds} set, and the hosts as a {@link VirtualHostSet}, made from the
 * same translated (and checked) configurations, so every rule that holds for the routes (staging,
 * held removals, consistency) holds for its virtual hosts. Not thread-safe: the producer calls it
 * under its build lock.
 */
final class GroupSnapshots {

  private static final Logger log = LoggerFactory.getLogger(GroupSnapshots.class);

  private final Translator translator;
  private final MakeBeforeBreak makeBeforeBreak;
  private final AddBeforeSwitch addBeforeSwitch;
  private final WeirSnapshot.SharedResources shared = new WeirSnapshot.SharedResources();
  private final Consistency consistency = new Consistency();
  private final Set<NodeGroupKey> warnedWithoutSecrets = ConcurrentHashMap.newKeySet();
  // VHDS: per list of route configurations (by identity) this round and the last, the set of its
  // hosts and the configurations without hosts; per group the last set made (what a new set
  // reuses by identity), and the hostless configuration last made per name.
  private Map<List<?>, VirtualHostSet> hostSets = new IdentityHashMap<>();
  private Map<List<?>, VirtualHostSet> lastHostSets = new IdentityHashMap<>();
  private Map<List<?>, List<Versioned<RouteConfiguration>>> hostless = new IdentityHashMap<>();
  private Map<List<?>, List<Versioned<RouteConfiguration>>> lastHostless = new IdentityHashMap<>();
  private final Map<NodeGroupKey, VirtualHostSet> hostSetOfGroup = new HashMap<>();
  private final Map<String, Versioned<RouteConfiguration>> hostlessByName = new HashMap<>();
  private @Nullable VirtualHostSet lastHostSet;
  private List<Versioned<RouteConfiguration>> lastHostlessList = List.of();

  /**
   * What a VHDS route configuration carries instead of its virtual hosts: {@code vhds} with the
   * config source ADS, resource API V3 (Envoy's {@code route.proto}, {@code
   * RouteConfiguration.vhds}; VHDS is Delta ADS only).
   */
  static final Vhds VHDS =
      Vhds.newBuilder()
          .setConfigSource(
              ConfigSource.newBuilder()
                  .setAds(AggregatedConfigSource.getDefaultInstance())
                  .setResourceApiVersion(ApiVersion.V3))
          .build();

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
    if (group.vhds()) {
      VirtualHostSet hosts = hostSet(group, resources.routes());
      XdsResources withoutHosts =
          new XdsResources(
              resources.listeners(),
              hostless(resources.routes()),
              resources.clusters(),
              resources.endpoints(),
              resources.secrets());
      warnWithoutSecrets(model, group);
      return new WeirSnapshot(withoutHosts, shared, hosts);
    }
    warnWithoutSecrets(model, group);
    return new WeirSnapshot(resources, shared);
  }

  private void warnWithoutSecrets(TrafficModel model, NodeGroupKey group) {
    if (!group.secretsAllowed()
        && group.kind() != DataPlaneKind.PROXYLESS_GRPC
        && !model.certificates().isEmpty()
        && warnedWithoutSecrets.add(group)) {
      log.warn(
          "node group {}: its xDS stream is neither TLS-protected nor on loopback, so it gets"
              + " no certificates and no weir-https listener (serve xDS with TLS to fix)",
          group);
    }
  }

  // The hosts of a VHDS group's route configurations, made once per list of configurations.
  private VirtualHostSet hostSet(NodeGroupKey group, List<Versioned<RouteConfiguration>> routes)
      throws SnapshotConsistencyException {
    VirtualHostSet set = hostSets.get(routes);
    if (set == null) {
      set = lastHostSets.get(routes);
    }
    if (set == null) {
      VirtualHostSet previous = hostSetOfGroup.get(group);
      try {
        set = VirtualHostSet.of(routes, previous != null ? previous : lastHostSet);
      } catch (IllegalArgumentException e) {
        throw new SnapshotConsistencyException(String.valueOf(e.getMessage()));
      }
      lastHostSet = set;
    }
    hostSets.put(routes, set);
    hostSetOfGroup.put(group, set);
    return set;
  }

  // The route configurations without their hosts, with vhds set; the very list of the last call
  // while the configurations' names and other fields stay the same, so a host change changes no
  // route configuration a VHDS group gets.
  private List<Versioned<RouteConfiguration>> hostless(List<Versioned<RouteConfiguration>> routes) {
    List<Versioned<RouteConfiguration>> list = hostless.get(routes);
    if (list == null) {
      list = lastHostless.get(routes);
    }
    if (list == null) {
      List<Versioned<RouteConfiguration>> made = new ArrayList<>(routes.size());
      for (Versioned<RouteConfiguration> route : routes) {
        RouteConfiguration config =
            route.resource().toBuilder().clearVirtualHosts().setVhds(VHDS).build();
        Versioned<RouteConfiguration> known = hostlessByName.get(route.name());
        if (known == null || !known.resource().equals(config)) {
          known = Versioned.of(route.name(), config);
          hostlessByName.put(route.name(), known);
        }
        made.add(known);
      }
      list = made.equals(lastHostlessList) ? lastHostlessList : List.copyOf(made);
      lastHostlessList = list;
    }
    hostless.put(routes, list);
    return list;
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
    lastHostSets = hostSets;
    hostSets = new IdentityHashMap<>();
    lastHostless = hostless;
    hostless = new IdentityHashMap<>();
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
