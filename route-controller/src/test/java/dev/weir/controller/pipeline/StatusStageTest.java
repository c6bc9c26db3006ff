package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.model.TrafficModel;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stage 7: outcomes, certificate conditions, the model and the data planes in → what is served
 * since which model revision, and every status (conditions as users read them) out.
 */
class StatusStageTest {

  private static final ServedRoute SERVED =
      new ServedRoute(1, List.of(new ResolvedTarget(revision("a-1", 100), "a-1")), 3);

  static Stream<Arguments> ingress() {
    return Stream.of(
        Arguments.of(List.of(), "Unknown/NoDataPlane no data plane is connected"),
        Arguments.of(List.of(dataPlane("gw-a", 3), dataPlane("gw-b", 4)), "True"),
        Arguments.of(
            List.of(dataPlane("gw-b", 2), dataPlane("gw-a", 0), dataPlane("gw-c", 3)),
            "False/Pending waiting for data planes to apply model revision 3: gw-a, gw-b"));
  }

  @ParameterizedTest
  @MethodSource("ingress")
  void ingressReadyAsTheDataPlanesSay(List<AppliedModel> dataPlanes, String expected) {
    assertThat(summary(StatusStage.ingressReady(SERVED, dataPlanes))).isEqualTo(expected);
  }

  static Stream<Arguments> ready() {
    Condition t = new Condition("A", Condition.TRUE, null, null, null);
    Condition u = new Condition("B", Condition.UNKNOWN, "Wait", "waiting", null);
    Condition f1 = new Condition("C", Condition.FALSE, "First", "first", null);
    Condition f2 = new Condition("D", Condition.FALSE, "Second", "second", null);
    return Stream.of(
        Arguments.of(List.of(t, t), "True"),
        Arguments.of(List.of(t, u), "Unknown/Wait waiting"),
        Arguments.of(List.of(u, f1, f2), "False/First first"),
        Arguments.of(List.of(f2, f1), "False/Second second"));
  }

  @ParameterizedTest
  @MethodSource("ready")
  void readyIsTheFirstFalseElseTheFirstUnknown(List<Condition> parts, String expected) {
    Condition ready = StatusStage.ready(parts.toArray(Condition[]::new));
    assertThat(ready.type()).isEqualTo(Condition.READY);
    assertThat(summary(ready)).isEqualTo(expected);
  }

  @Test
  void conditionsOfAServedAConflictingAndAnUnservedRoute() {
    RouteWork served = work(route("east", "hello", 1, 0, revision("a-1", 100)));
    RouteWork conflict = work(route("west", "hello", 1, 1, revision("a-1", 100)));
    conflict.outcome = conflict.outcome().conflict("host hello.default.example.com is taken");
    RouteWork missing = work(route("east", "bye", 1, 2, revision("missing", 100)));
    TrafficModel model = new TrafficModel(5, List.of(), List.of());

    StatusStage stage =
        StatusStage.run(
            "example.com",
            model,
            BuildState.INITIAL,
            List.of(dataPlane("gw", 5)),
            T0,
            List.of(served, conflict, missing),
            Map.of());

    assertThat(conditions(stage, served))
        .isEqualTo("AllTrafficAssigned=True IngressReady=True Ready=True");
    assertThat(status(stage, served).url()).isEqualTo("http://hello.default.example.com");
    assertThat(
            java.util.Objects.requireNonNull(stage.served().get(served.key())).sinceModelRevision())
        .isEqualTo(5);
    assertThat(conditions(stage, conflict))
        .isEqualTo(
            "AllTrafficAssigned=True IngressReady=False/DomainConflict Ready=False/DomainConflict");
    assertThat(status(stage, conflict).conditions().get(1).message())
        .isEqualTo("host hello.default.example.com is taken");
    assertThat(stage.served()).doesNotContainKey(conflict.key());
    assertThat(conditions(stage, missing))
        .isEqualTo(
            "AllTrafficAssigned=False/RevisionMissing IngressReady=False/NotServed"
                + " Ready=False/RevisionMissing");
    assertThat(status(stage, missing).conditions().get(1).message())
        .isEqualTo("no valid, fully resolved generation to serve yet");
    assertThat(status(stage, missing).url()).isNull();
    assertThat(stage.duplicateKeys()).isFalse();
  }

  @Test
  void aRouteWhoseInputsAreTheMemosKeepsItsStatusObject() {
    RouteWork w = work(route("east", "hello", 1, 0, revision("a-1", 100)));
    TrafficModel model = new TrafficModel(5, List.of(), List.of());
    List<AppliedModel> dataPlanes = List.of(dataPlane("gw", 5));
    StatusStage first =
        StatusStage.run(
            "example.com", model, BuildState.INITIAL, dataPlanes, T0, List.of(w), Map.of());
    RouteMemo memo = java.util.Objects.requireNonNull(first.routes().get(w.key()));
    BuildState previous =
        BuildState.of(
            model,
            first.served(),
            first.statuses(),
            Map.of(),
            Map.of(),
            Map.of(),
            new BuildMemo("example.com", null, Map.of(), first.routes(), Map.of()));

    RouteWork again = new RouteWork(w.route, memo);
    again.outcome = memo.outcome();
    StatusStage second =
        StatusStage.run(
            "example.com",
            model,
            previous,
            dataPlanes,
            T0.plusSeconds(60),
            List.of(again),
            Map.of());
    assertThat(second.statuses().get(w.key())).isSameAs(first.statuses().get(w.key()));
    assertThat(second.served().get(w.key())).isSameAs(first.served().get(w.key()));
  }

  @Test
  void withIngressKeepsTheOrderAndTheTransitionTimes() {
    RouteStatus status =
        new RouteStatus(
            1L,
            "http://hello.default.example.com",
            List.of(),
            List.of(
                new Condition(Condition.ALL_TRAFFIC_ASSIGNED, "True", null, null, "t0"),
                new Condition(Condition.INGRESS_READY, "Unknown", "NoDataPlane", "none", "t0"),
                new Condition(Condition.READY, "Unknown", "NoDataPlane", "none", "t0")));
    RouteStatus now =
        StatusStage.withIngress(
            status, new Condition(Condition.INGRESS_READY, "True", null, null, null), T0);
    assertThat(now.conditions())
        .extracting(c -> c.type() + "=" + c.status() + "@" + c.lastTransitionTime())
        .containsExactly(
            "AllTrafficAssigned=True@t0",
            "IngressReady=True@2026-01-01T00:00:00Z",
            "Ready=True@2026-01-01T00:00:00Z");
  }

  private static RouteWork work(RouteObject route) {
    RouteWork w = new RouteWork(route, null);
    new ResolveStage(
            "example.com",
            IndexStage.run(List.of(east(service("a-1", 1, "http", 80))), BuildMemo.EMPTY),
            List.of(),
            Map.of())
        .resolve(w, null);
    return w;
  }

  private static String conditions(StatusStage stage, RouteWork w) {
    return status(stage, w).conditions().stream()
        .map(
            c -> c.type() + "=" + (c.reason() == null ? c.status() : c.status() + "/" + c.reason()))
        .collect(Collectors.joining(" "));
  }

  private static RouteStatus status(StatusStage stage, RouteWork w) {
    return java.util.Objects.requireNonNull(stage.statuses().get(w.key()), w.key().toString());
  }

  private static String summary(Condition c) {
    return c.reason() == null ? c.status() : c.status() + "/" + c.reason() + " " + c.message();
  }
}
