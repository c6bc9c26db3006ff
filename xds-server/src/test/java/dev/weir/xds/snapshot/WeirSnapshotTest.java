package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsProtos;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeirSnapshotTest {

  static final Versioned<Cluster> A = cluster("a");
  static final Versioned<Cluster> B = cluster("b");
  static final Versioned<Cluster> C = cluster("c");

  static Versioned<Cluster> cluster(String revision) {
    return Versioned.of("default/" + revision, XdsProtos.edsCluster("default", revision, false));
  }

  static XdsResources clusters(List<Versioned<Cluster>> clusters) {
    return new XdsResources(List.of(), List.of(), clusters, List.of());
  }

  static String expected(Versioned<?>... resources) {
    StringBuilder text = new StringBuilder();
    for (Versioned<?> resource : resources) {
      text.append(resource.name()).append('=').append(resource.version()).append('\n');
    }
    return Versioned.hash(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aTypeVersionIsTheHashOfItsNamesAndVersions() {
    WeirSnapshot snapshot = new WeirSnapshot(clusters(List.of(A, B, C)));

    assertThat(snapshot.version(ResourceType.CLUSTER, List.of())).isEqualTo(expected(A, B, C));
    assertThat(snapshot.version(ResourceType.CLUSTER, List.of("default/c", "default/a")))
        .isEqualTo(expected(A, C))
        .isEqualTo(
            snapshot.version(ResourceType.CLUSTER, List.of("default/a", "default/c", "default/a")));
    List<String> ab = List.of("default/a", "default/b");
    List<String> bc = List.of("default/b", "default/c");
    for (int i = 0; i < 2; i++) {
      assertThat(snapshot.version(ResourceType.CLUSTER, ab)).isEqualTo(expected(A, B));
      assertThat(snapshot.version(ResourceType.CLUSTER, bc)).isEqualTo(expected(B, C));
    }
    String missing = Versioned.hash("default/x=-\n".getBytes(StandardCharsets.UTF_8));
    assertThat(snapshot.version(ResourceType.CLUSTER, List.of("default/x"))).isEqualTo(missing);
  }

  @Test
  void theSameListGetsTheSameResourcesAcrossGroupsAndOneRound() {
    WeirSnapshot.SharedResources shared = new WeirSnapshot.SharedResources();
    List<Versioned<Cluster>> list = List.of(A, B);
    WeirSnapshot first = new WeirSnapshot(clusters(list), shared);
    WeirSnapshot second = new WeirSnapshot(clusters(list), shared);
    WeirSnapshot equalNotSame = new WeirSnapshot(clusters(List.of(A, B)), shared);

    assertThat(second.clusters()).isSameAs(first.clusters());
    assertThat(equalNotSame.clusters()).isNotSameAs(first.clusters());
    assertThat(equalNotSame.version(ResourceType.CLUSTER, List.of()))
        .isEqualTo(first.version(ResourceType.CLUSTER, List.of()));

    shared.endRound();
    assertThat(new WeirSnapshot(clusters(list), shared).clusters()).isSameAs(first.clusters());
    shared.endRound();
    shared.endRound();
    assertThat(new WeirSnapshot(clusters(list), shared).clusters())
        .as("a list no round asked for is forgotten")
        .isNotSameAs(first.clusters());
  }
}
