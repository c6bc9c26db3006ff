package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.model.Locality;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.XdsResources;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SnapshotHistoryTest {

  static final NodeGroupKey ENVOY = new NodeGroupKey(DataPlaneKind.ENVOY, Locality.UNKNOWN, true);
  static final NodeGroupKey GATEWAY =
      new NodeGroupKey(DataPlaneKind.GATEWAY, Locality.UNKNOWN, true);

  static WeirSnapshot empty() {
    return new WeirSnapshot(new XdsResources(List.of(), List.of(), List.of(), List.of()));
  }

  @ParameterizedTest(name = "depth {0}, {1} added -> revisions {2}")
  @CsvSource({
    "1, 1, 1",
    "1, 3, 3",
    "3, 2, 2 1",
    "3, 3, 3 2 1",
    "3, 5, 5 4 3",
  })
  void keepsTheNewestFirstUpToItsDepth(int depth, int added, String revisions) {
    SnapshotHistory history = new SnapshotHistory(depth);
    for (long revision = 1; revision <= added; revision++) {
      history.add(ENVOY, revision, empty());
    }

    assertThat(history.of(ENVOY).stream().map(e -> Long.toString(e.modelRevision())))
        .containsExactly(revisions.split(" "));
  }

  @Test
  void groupsAreKeptApartAndAnEntryIsTheSnapshotItself() {
    SnapshotHistory history = new SnapshotHistory(4);
    WeirSnapshot snapshot = empty();
    history.add(ENVOY, 7, snapshot);

    assertThat(history.of(ENVOY)).containsExactly(new SnapshotHistory.Entry(7, snapshot));
    assertThat(history.of(ENVOY).get(0).snapshot()).isSameAs(snapshot);
    assertThat(history.of(GATEWAY)).isEmpty();
  }

  @Test
  void aDepthBelowOneIsRejected() {
    assertThatThrownBy(() -> new SnapshotHistory(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("depth: 0 (expected: >= 1)");
  }
}
