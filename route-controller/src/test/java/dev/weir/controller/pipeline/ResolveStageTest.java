package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.latest;
import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.revisionOf;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stage 2: a Route, what it served before and the indexed Services in → its outcome (what it
 * serves, {@code AllTrafficAssigned}'s reason and message, exactly as users read them) and hosts.
 */
class ResolveStageTest {

  private static final String DOMAIN = "example.com";
  private static final ServedRoute BEFORE =
      new ServedRoute(
          1, List.of(new ResolvedTarget(revision("hello-00001", 100), "hello-00001")), 7);
  private static final ClusterObjects OBJECTS =
      east(
          service("hello-00001", 1, "http", 80),
          slice("hello-00001", "http", 80, "10.0.0.1"),
          revisionOf("hello", "hello-00002", 2),
          slice("hello-00002", "http", 80, "10.0.0.2"),
          revisionOf("hello", "hello-00003", 3),
          revisionOf("cold", "cold-00001", 1));

  /**
   * One row: the Route's traffic, what it served before, and the outcome.
   *
   * @param served the revisions served, or null
   */
  record Case(
      String name,
      List<TrafficTarget> traffic,
      @Nullable ServedRoute before,
      @Nullable List<String> served,
      @Nullable String reason,
      @Nullable String message,
      List<String> hosts) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case(
            "a revision that exists",
            List.of(revision("hello-00001", 100)),
            null,
            List.of("hello-00001"),
            null,
            null,
            List.of("hello.default.example.com")),
        new Case(
            "a tag claims its host",
            List.of(revision("hello-00001", 100), revision("hello-00001", 0).withTag("canary")),
            null,
            List.of("hello-00001", "hello-00001"),
            null,
            null,
            List.of("canary-hello.default.example.com", "hello.default.example.com")),
        new Case(
            "latest: the newest ready revision",
            List.of(latest("hello", 100)),
            null,
            List.of("hello-00002"),
            null,
            null,
            List.of("hello.default.example.com")),
        new Case(
            "a missing revision, nothing served before",
            List.of(revision("hello-00009", 100)),
            null,
            null,
            "RevisionMissing",
            "spec.traffic[0].revisionName: \"hello-00009\" (expected: a Service of that name in"
                + " namespace default in some cluster)",
            List.of()),
        new Case(
            "a missing revision keeps the last valid generation",
            List.of(revision("hello-00009", 100)),
            BEFORE,
            List.of("hello-00001"),
            "RevisionMissing",
            "spec.traffic[0].revisionName: \"hello-00009\" (expected: a Service of that name in"
                + " namespace default in some cluster) (serving generation 1)",
            List.of("hello.default.example.com")),
        new Case(
            "a configuration without a ready revision",
            List.of(latest("cold", 100)),
            null,
            null,
            "RevisionMissing",
            "spec.traffic[0].configurationName: \"cold\" (expected: a Service labelled"
                + " weir.dev/configuration=cold with ready endpoints)",
            List.of()),
        new Case(
            "an invalid spec keeps the last valid generation",
            List.of(revision("hello-00001", 120)),
            BEFORE,
            List.of("hello-00001"),
            "InvalidSpec",
            "spec.traffic[0].percent: 120 (expected: 0..100) (serving generation 1)",
            List.of("hello.default.example.com")),
        new Case(
            "an invalid tag",
            List.of(revision("hello-00001", 100).withTag("Canary")),
            null,
            null,
            "InvalidSpec",
            "spec.traffic[0].tag: \"Canary\" (expected: DNS-1035 label)",
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void resolves(Case c) {
    RouteWork w = resolve(stage(BuildMemo.EMPTY, Map.of()), c.traffic(), null, c.before());
    Outcome outcome = w.outcome();
    assertThat(outcome.served() == null ? null : revisions(outcome.served())).isEqualTo(c.served());
    assertThat(outcome.assignedReason()).isEqualTo(c.reason());
    assertThat(outcome.assignedMessage()).isEqualTo(c.message());
    assertThat(outcome.conflict()).isNull();
    assertThat(w.hosts == null ? List.of() : List.copyOf(w.hosts)).isEqualTo(c.hosts());
  }

  @Test
  void aLatestRevisionThatLostItsEndpointsStaysTheTarget() {
    ClusterObjects lost =
        east(
            revisionOf("hello", "hello-00002", 2),
            revisionOf("hello", "hello-00003", 3),
            slice("hello-00002", "http", 80));
    ResolveStage stage =
        new ResolveStage(
            DOMAIN,
            IndexStage.run(List.of(lost), BuildMemo.EMPTY),
            List.of(),
            Map.of(new Name("default", "hello"), "hello-00002"));
    RouteWork w = resolve(stage, List.of(latest("hello", 100)), null, null);
    assertThat(revisions(w.outcome().served())).containsExactly("hello-00002");
    assertThat(w.outcome().assignedReason()).isEqualTo("RevisionNotReady");
    assertThat(w.outcome().assignedMessage())
        .isEqualTo(
            "spec.traffic[0].configurationName: \"hello\": its latest ready revision hello-00002"
                + " has no ready endpoint now (requests to it get 503; latest only moves to a"
                + " newer ready revision)");
    assertThat(stage.latestRevisions()).containsEntry(new Name("default", "hello"), "hello-00002");
  }

  @Test
  void anUnchangedRouteKeepsItsMemosWork() {
    RouteObject route = route("east", "hello", 1, 0, revision("hello-00001", 100));
    RouteWork first = new RouteWork(route, null);
    stage(BuildMemo.EMPTY, Map.of()).resolve(first, null);
    RouteMemo memo = memoOf(first);

    // The next build: the same cluster lists, so no Service changed.
    BuildMemo next =
        new BuildMemo(
            DOMAIN,
            null,
            IndexStage.run(List.of(OBJECTS), BuildMemo.EMPTY).remembered(),
            Map.of(),
            Map.of());
    RouteWork again = new RouteWork(route, memo);
    stage(next, Map.of()).resolve(again, null);
    assertThat(again.outcome()).isSameAs(first.outcome());
    assertThat(again.hosts).isSameAs(first.hosts);
    assertThat(again.problems).isSameAs(first.problems);
  }

  private static ResolveStage stage(BuildMemo memo, Map<Name, String> latest) {
    return new ResolveStage(DOMAIN, IndexStage.run(List.of(OBJECTS), memo), List.of(), latest);
  }

  private static RouteWork resolve(
      ResolveStage stage,
      List<TrafficTarget> traffic,
      @Nullable RouteMemo memo,
      @Nullable ServedRoute before) {
    RouteWork w =
        new RouteWork(route("east", "hello", 2, 0, traffic.toArray(TrafficTarget[]::new)), memo);
    stage.resolve(w, before);
    return w;
  }

  static RouteMemo memoOf(RouteWork w) {
    return new RouteMemo(
        w.problems,
        w.outcome(),
        w.hosts,
        null,
        null,
        w.outcome().served(),
        StatusStage.ready(),
        null,
        new dev.weir.controller.api.v1alpha1.RouteStatus(1L, null, List.of(), List.of()));
  }

  private static @Nullable List<String> revisions(@Nullable ServedRoute served) {
    return served == null ? null : served.targets().stream().map(ResolvedTarget::revision).toList();
  }
}
