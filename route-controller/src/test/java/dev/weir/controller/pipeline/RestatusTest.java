package dev.weir.controller.pipeline;

import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static dev.weir.controller.pipeline.Fixtures.west;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A status-only recompute for a data-plane change gives what a full build with the same objects
 * would give at the same time, without building: the same statuses (transition times included) and
 * the same model object.
 */
class RestatusTest {

  private static final String DOMAIN = "example.com";

  private static List<ClusterObjects> clusters() {
    return List.of(
        east(
            route("east", "hello", 1, 0, TrafficTarget.revision("hello-00001", 100)),
            route("east", "bye", 1, 1, TrafficTarget.revision("bye-00001", 100)),
            // Names no Service: NotServed, whatever the data planes say.
            route("east", "missing", 1, 2, TrafficTarget.revision("nothing", 100)),
            service("hello-00001", 0, "http", 80),
            service("bye-00001", 0, "http", 80)),
        west(slice("hello-00001", "http", 80, "10.0.0.1"), slice("bye-00001", "http", 80)));
  }

  static Stream<Arguments> dataPlanes() {
    return Stream.of(
        Arguments.of("none → one up to date", List.of(), List.of(dataPlane("gw-1", 1))),
        Arguments.of(
            "one up to date → a second one behind",
            List.of(dataPlane("gw-1", 1)),
            List.of(dataPlane("gw-1", 1), dataPlane("gw-2", 0))),
        Arguments.of(
            "one behind → it caught up",
            List.of(dataPlane("gw-1", 0)),
            List.of(dataPlane("gw-1", 1))),
        Arguments.of("one up to date → gone", List.of(dataPlane("gw-1", 1)), List.of()),
        Arguments.of(
            "nothing changed", List.of(dataPlane("gw-1", 1)), List.of(dataPlane("gw-1", 1))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dataPlanes")
  void aRecomputeGivesWhatABuildWouldGive(
      String name, List<AppliedModel> before, List<AppliedModel> after) {
    BuildResult first = ModelBuilder.build(DOMAIN, clusters(), BuildState.INITIAL, before, T0);
    assertThat(first.model().revision()).isEqualTo(1);
    Instant later = T0.plusSeconds(30);

    BuildResult recomputed =
        java.util.Objects.requireNonNull(ModelBuilder.restatus(first, after, later));
    BuildResult built = ModelBuilder.build(DOMAIN, clusters(), first.state(), after, later);

    assertThat(recomputed).isNotNull();
    assertThat(recomputed.statuses()).isEqualTo(built.statuses());
    assertThat(recomputed.model()).isSameAs(first.model());
    assertThat(recomputed.state()).isEqualTo(built.state());
    // And the next build from the recomputed state agrees with one from the built state.
    Instant next = T0.plusSeconds(60);
    assertThat(ModelBuilder.build(DOMAIN, clusters(), recomputed.state(), after, next).statuses())
        .isEqualTo(ModelBuilder.build(DOMAIN, clusters(), built.state(), after, next).statuses());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dataPlanes")
  void aRouteWhoseReadinessDidNotChangeKeepsItsStatusObject(
      String name, List<AppliedModel> before, List<AppliedModel> after) {
    BuildResult first = ModelBuilder.build(DOMAIN, clusters(), BuildState.INITIAL, before, T0);
    BuildResult recomputed =
        java.util.Objects.requireNonNull(ModelBuilder.restatus(first, after, T0.plusSeconds(30)));
    assertThat(recomputed).isNotNull();
    RouteKey missing = new RouteKey("east", "default", "missing");
    assertThat(recomputed.statuses().get(missing)).isSameAs(first.statuses().get(missing));
    assertThat(
            java.util.Objects.requireNonNull(recomputed.statuses().get(missing))
                .condition(Condition.INGRESS_READY)
                .reason())
        .isEqualTo(ModelBuilder.REASON_NOT_SERVED);
    if (before.equals(after)) {
      assertThat(recomputed).isSameAs(first);
    }
  }
}
