package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.EAST;
import static dev.weir.controller.pipeline.Fixtures.WEST;
import static dev.weir.controller.pipeline.Fixtures.cluster;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.Endpoint;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Stage 4: served Routes and indexed objects in → virtual hosts and upstreams out. */
class UpstreamStageTest {

  private static final List<ClusterObjects> CLUSTERS =
      List.of(
          east(
              service("a-1", 1, "http", 80),
              service("a-2", 2, "grpc", 80),
              slice("a-1", "http", 80, "10.0.0.1"),
              slice("a-2", "grpc", 80, "10.0.0.2")),
          cluster(
              "west",
              WEST,
              false,
              true,
              service("a-1", 1, "http", 80),
              slice("a-1", "http", 80, "10.1.0.1")));
  private static final RouteRef REF = new RouteRef("east", "default", "hello", 1);

  record Case(String name, List<TrafficTarget> traffic, List<VirtualHost> hosts) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case(
            "a split",
            List.of(revision("a-1", 90), revision("a-2", 10)),
            List.of(
                new VirtualHost(
                    "hello.default.example.com",
                    REF,
                    List.of(),
                    List.of(
                        new WeightedUpstream("default/a-1", 90),
                        new WeightedUpstream("default/a-2", 10))))),
        new Case(
            "same-revision entries merge, zero shares leave the split",
            List.of(revision("a-1", 60), revision("a-1", 40), revision("a-2", 0)),
            List.of(
                new VirtualHost(
                    "hello.default.example.com",
                    REF,
                    List.of(),
                    List.of(new WeightedUpstream("default/a-1", 100))))),
        new Case(
            "a tag: its own host at 100%, and a header route on the main host",
            List.of(revision("a-1", 100), revision("a-2", 0).withTag("canary")),
            List.of(
                new VirtualHost(
                    "canary-hello.default.example.com",
                    REF,
                    List.of(),
                    List.of(new WeightedUpstream("default/a-2", 100))),
                new VirtualHost(
                    "hello.default.example.com",
                    REF,
                    List.of(new TagRoute("canary", "default/a-2")),
                    List.of(new WeightedUpstream("default/a-1", 100))))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void virtualHosts(Case c) {
    UpstreamStage stage = run(BuildMemo.EMPTY, c.traffic());
    assertThat(stage.virtualHosts()).isEqualTo(c.hosts());
  }

  @Test
  void upstreamsHaveTheReadyEndpointsOfEveryClusterWithTheirLocality() {
    UpstreamStage stage = run(BuildMemo.EMPTY, List.of(revision("a-1", 50), revision("a-2", 50)));
    assertThat(stage.upstreams())
        .containsEntry(
            new Name("default", "a-1"),
            new Upstream(
                "default",
                "a-1",
                Protocol.HTTP1,
                List.of(
                    new Endpoint("10.0.0.1", 80, "east", EAST, false),
                    new Endpoint("10.1.0.1", 80, "west", WEST, true))))
        .containsEntry(
            new Name("default", "a-2"),
            new Upstream(
                "default",
                "a-2",
                Protocol.forPortName("grpc"),
                List.of(new Endpoint("10.0.0.2", 80, "east", EAST, false))));
    assertThat(stage.sameUpstreams()).isFalse();
  }

  @Test
  void anUnchangedRevisionKeepsItsUpstreamAndAnUnchangedRouteItsVirtualHosts() {
    List<TrafficTarget> traffic = List.of(revision("a-1", 100));
    UpstreamStage first = run(BuildMemo.EMPTY, traffic);
    RouteWork w = work(BuildMemo.EMPTY, traffic);
    UpstreamStage.run("example.com", index(BuildMemo.EMPTY), BuildMemo.EMPTY, List.of(w));
    RouteMemo routeMemo =
        new RouteMemo(
            w.problems,
            w.outcome(),
            w.hosts,
            w.virtualHosts,
            w.upstreams,
            null,
            StatusStage.ready(),
            null,
            new dev.weir.controller.api.v1alpha1.RouteStatus(1L, null, List.of(), List.of()));
    IndexStage firstIndex = index(BuildMemo.EMPTY);
    BuildMemo memo =
        new BuildMemo(
            "example.com",
            null,
            firstIndex.remembered(),
            Map.of(w.key(), routeMemo),
            first.upstreams());

    RouteWork again = new RouteWork(w.route, routeMemo);
    again.outcome = routeMemo.outcome();
    UpstreamStage second = UpstreamStage.run("example.com", index(memo), memo, List.of(again));
    assertThat(again.virtualHosts).isSameAs(w.virtualHosts);
    assertThat(second.upstreams().get(new Name("default", "a-1")))
        .isSameAs(first.upstreams().get(new Name("default", "a-1")));
    assertThat(second.sameUpstreams()).isTrue();
  }

  @Test
  void aConflictOrNothingServedMakesNoVirtualHost() {
    RouteWork conflict = work(BuildMemo.EMPTY, List.of(revision("a-1", 100)));
    conflict.outcome = conflict.outcome().conflict("host taken");
    RouteWork missing = work(BuildMemo.EMPTY, List.of(revision("missing", 100)));
    UpstreamStage stage =
        UpstreamStage.run(
            "example.com", index(BuildMemo.EMPTY), BuildMemo.EMPTY, List.of(conflict, missing));
    assertThat(stage.virtualHosts()).isEmpty();
    assertThat(stage.upstreams()).isEmpty();
    assertThat(conflict.virtualHosts).isNull();
  }

  private static IndexStage index(BuildMemo memo) {
    return IndexStage.run(CLUSTERS, memo);
  }

  private static RouteWork work(BuildMemo memo, List<TrafficTarget> traffic) {
    RouteWork w =
        new RouteWork(route("east", "hello", 1, 0, traffic.toArray(TrafficTarget[]::new)), null);
    new ResolveStage("example.com", index(memo), List.of(), Map.of()).resolve(w, null);
    return w;
  }

  private static UpstreamStage run(BuildMemo memo, List<TrafficTarget> traffic) {
    return UpstreamStage.run("example.com", index(memo), memo, List.of(work(memo, traffic)));
  }
}
