package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.TrafficModel;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.PatchSequences;
import dev.weir.xds.translate.Translator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Snapshot production that keeps what it made of the last model (translator, consistency check,
 * VHDS host sets and hostless route configurations, all by identity) gives exactly the snapshots a
 * fresh production gives for the same model, over the random sequences of {@link PatchSequences}:
 * for VHDS gateways serving every Gateway, one or both, Envoy over state of the world and proxyless
 * gRPC clients, every resource of every type with its version, and a VHDS group's virtual hosts
 * (the set's version, each entry's name, version and host).
 */
class PatchSnapshotSequencesTest {

  private static final List<Resources.ResourceType> TYPES =
      List.of(
          Resources.ResourceType.CLUSTER,
          Resources.ResourceType.ENDPOINT,
          Resources.ResourceType.LISTENER,
          Resources.ResourceType.ROUTE,
          Resources.ResourceType.SECRET);

  private static List<NodeGroupKey> groups() {
    List<NodeGroupKey> groups = new ArrayList<>();
    for (Set<String> served : PatchSequences.SERVED) {
      groups.add(new NodeGroupKey(DataPlaneKind.GATEWAY, PatchSequences.EAST, true, served, true));
    }
    groups.add(new NodeGroupKey(DataPlaneKind.ENVOY, PatchSequences.EAST, true));
    groups.add(new NodeGroupKey(DataPlaneKind.PROXYLESS_GRPC, PatchSequences.EAST, false));
    return groups;
  }

  private static GroupSnapshots production() {
    return new GroupSnapshots(
        new Translator(8080),
        new MakeBeforeBreak(Duration.ofSeconds(30)),
        new AddBeforeSwitch(Duration.ofSeconds(30)));
  }

  @Property(tries = 30)
  void patchedModelsGiveTheSnapshotsOfFreshProduction(
      @ForAll long seed, @ForAll boolean certificates, @ForAll boolean redirected)
      throws SnapshotConsistencyException {
    Random random = new Random(seed);
    TrafficModel model = PatchSequences.initial(random, certificates, redirected);
    GroupSnapshots kept = production();
    assertSameAsFresh(kept, model);
    for (int step = 0; step < 25; step++) {
      for (TrafficModel next : PatchSequences.next(random, model)) {
        assertSameAsFresh(kept, next);
        model = next;
      }
    }
  }

  private static void assertSameAsFresh(GroupSnapshots kept, TrafficModel model)
      throws SnapshotConsistencyException {
    GroupSnapshots fresh = production();
    List<NodeGroupKey> groups = groups();
    for (NodeGroupKey group : groups) {
      WeirSnapshot got = kept.snapshot(model, group);
      WeirSnapshot want = fresh.snapshot(model, group);
      for (Resources.ResourceType type : TYPES) {
        assertThat(got.versionedResources(type))
            .as(group + " " + type)
            .isEqualTo(want.versionedResources(type));
      }
      VirtualHostSet wantHosts = want.virtualHosts();
      if (wantHosts == null) {
        assertThat(got.virtualHosts()).as(group.toString()).isNull();
        continue;
      }
      VirtualHostSet gotHosts =
          Objects.requireNonNull(got.virtualHosts(), group + ": no virtual hosts");
      assertThat(gotHosts.version()).as(group.toString()).isEqualTo(wantHosts.version());
      assertThat(gotHosts.entries().stream().map(VirtualHostSet.Entry::toString).toList())
          .as(group.toString())
          .isEqualTo(wantHosts.entries().stream().map(VirtualHostSet.Entry::toString).toList());
      assertThat(gotHosts.entries().stream().map(VirtualHostSet.Entry::host).toList())
          .as(group.toString())
          .isEqualTo(wantHosts.entries().stream().map(VirtualHostSet.Entry::host).toList());
    }
    kept.check(model, groups);
    kept.endRound();
  }
}
