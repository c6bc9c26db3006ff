package dev.weir.controller.pipeline;

import static dev.weir.controller.pipeline.Fixtures.EAST;
import static dev.weir.controller.pipeline.Fixtures.cluster;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static dev.weir.controller.pipeline.Fixtures.west;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.pipeline.ClusterIndex.Name;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Stage 1: clusters and the last build's indexes in → indexes and changed Service names out. */
class IndexStageTest {

  private static final ServiceObject A = service("a", 1, "http", 80);
  private static final ServiceObject B = service("b", 2, "http", 80);
  private static final EndpointSliceObject A_SLICE = slice("a", "http", 80, "10.0.0.1");
  private static final EndpointSliceObject A_MOVED = slice("a", "http", 80, "10.0.0.2");
  private static final ClusterObjects BEFORE = east(A, B, A_SLICE);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("first build: every name changed", null, List.of(BEFORE), Set.of("a", "b")),
        Arguments.of("the same lists: nothing changed", BEFORE, List.of(BEFORE), Set.of()),
        Arguments.of(
            "equal copies: nothing changed", BEFORE, List.of(east(A, B, A_SLICE)), Set.of()),
        Arguments.of("a slice moved", BEFORE, List.of(east(A, B, A_MOVED)), Set.of("a")),
        Arguments.of("a Service removed", BEFORE, List.of(east(A, A_SLICE)), Set.of("b")),
        Arguments.of(
            "the cluster went stale: every name",
            BEFORE,
            List.of(cluster("east", EAST, true, true, A, B, A_SLICE)),
            Set.of("a", "b")),
        Arguments.of("the cluster left: its names", BEFORE, List.of(), Set.of("a", "b")),
        Arguments.of(
            "another cluster came: its names", BEFORE, List.of(BEFORE, west(B)), Set.of("b")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void changedNames(
      String name, ClusterObjects before, List<ClusterObjects> now, Set<String> changed) {
    BuildMemo memo = memoOf(before);
    IndexStage stage = IndexStage.run(now, memo);
    assertThat(stage.changed())
        .containsExactlyInAnyOrderElementsOf(
            changed.stream().map(n -> new Name("default", n)).toList());
    assertThat(stage.indexes()).hasSize(now.size());
  }

  @Test
  void aClusterWithTheSameListsKeepsItsIndex() {
    BuildMemo memo = memoOf(BEFORE);
    ClusterIndex index = IndexStage.run(List.of(BEFORE), memo).indexes().get(0);
    assertThat(index).isSameAs(memo.indexes().get("east"));
    assertThat(IndexStage.run(List.of(east(A, B, A_SLICE)), memo).indexes().get(0))
        .isNotSameAs(index);
  }

  @Test
  void repeatedClusterNamesAreIndexedWithoutTheMemo() {
    IndexStage stage = IndexStage.run(List.of(BEFORE, east(B)), memoOf(BEFORE));
    assertThat(stage.remembered()).isEmpty();
    assertThat(stage.hasService(new Name("default", "b"))).isTrue();
    assertThat(stage.hasService(new Name("default", "c"))).isFalse();
  }

  @Test
  void readyEndpointsAreOnTheServingPort() {
    ClusterIndex index =
        IndexStage.run(
                List.of(east(A, A_SLICE, slice("a", "metrics", 9090, "10.0.0.9"))), BuildMemo.EMPTY)
            .indexes()
            .get(0);
    assertThat(index.endpoints(A))
        .extracting(e -> e.address() + ":" + e.port())
        .containsExactly("10.0.0.1:80");
  }

  private static BuildMemo memoOf(ClusterObjects before) {
    if (before == null) {
      return BuildMemo.EMPTY;
    }
    IndexStage first = IndexStage.run(List.of(before), BuildMemo.EMPTY);
    return new BuildMemo("example.com", null, first.remembered(), Map.of(), Map.of());
  }
}
