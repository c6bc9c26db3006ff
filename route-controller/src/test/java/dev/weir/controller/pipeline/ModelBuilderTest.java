package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.latest;
import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.EAST;
import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.WEST;
import static dev.weir.controller.pipeline.Fixtures.cluster;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.revisionOf;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static dev.weir.controller.pipeline.Fixtures.west;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelBuilderTest {

  private static final String DOMAIN = "example.com";
  private static final String NO_DP = "IngressReady=Unknown/NoDataPlane Ready=Unknown/NoDataPlane";

  /**
   * One table row: the clusters of an earlier build (or none), the clusters now, and what the model
   * and each Route's conditions must be after the build of "now".
   */
  record Case(
      String name,
      @org.jspecify.annotations.Nullable List<ClusterObjects> before,
      List<ClusterObjects> now,
      List<VirtualHost> hosts,
      List<Upstream> upstreams,
      Map<String, String> conditions) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    var hello1 = service("hello-00001", 1, "http", 8080);
    var hello2 = service("hello-00002", 2, "http", 8080);
    var slice1 = slice("hello-00001", "http", 8080, "10.0.0.1", "10.0.0.2");
    var slice2 = slice("hello-00002", "http", 8080, "10.0.0.3");
    var ref1 = new RouteRef("east", "default", "hello", 1);
    var up1 = up("hello-00001", ep("10.0.0.1", "east", EAST), ep("10.0.0.2", "east", EAST));
    var up2 = up("hello-00002", ep("10.0.0.3", "east", EAST));
    List<Case> cases = new ArrayList<>();

    cases.add(
        new Case(
            "valid split of two revisions",
            null,
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 90),
                        revision("hello-00002", 10)),
                    hello1,
                    hello2,
                    slice1,
                    slice2)),
            List.of(main(ref1, List.of(), w("hello-00001", 90), w("hello-00002", 10))),
            List.of(up1, up2),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "tags get their host and a tag route, even at 0 percent",
            null,
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 100).withTag("current"),
                        revision("hello-00002", 0).withTag("canary")),
                    hello1,
                    hello2,
                    slice1,
                    slice2)),
            List.of(
                tagHost("canary", ref1, "hello-00002"),
                tagHost("current", ref1, "hello-00001"),
                main(
                    ref1,
                    List.of(
                        new TagRoute("canary", "default/hello-00002"),
                        new TagRoute("current", "default/hello-00001")),
                    w("hello-00001", 100))),
            List.of(up1, up2),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "same-revision entries merge",
            null,
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 30),
                        revision("hello-00001", 20),
                        revision("hello-00002", 50)),
                    hello1,
                    hello2,
                    slice1,
                    slice2)),
            List.of(main(ref1, List.of(), w("hello-00001", 50), w("hello-00002", 50))),
            List.of(up1, up2),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "latestRevision picks the newest Service with ready endpoints",
            null,
            List.of(
                east(
                    route("east", "hello", 1, 0, latest("hello", 100)),
                    revisionOf("hello", "hello-00001", 1),
                    revisionOf("hello", "hello-00002", 2),
                    revisionOf("hello", "hello-00003", 3),
                    revisionOf("other", "other-00009", 9),
                    slice("hello-00001", "http", 80, "10.0.0.1"),
                    slice("hello-00002", "http", 80, "10.0.0.2"),
                    slice("other-00009", "http", 80, "10.0.0.9"))),
            List.of(main(ref1, List.of(), w("hello-00002", 100))),
            List.of(
                new Upstream(
                    "default",
                    "hello-00002",
                    Protocol.HTTP1,
                    List.of(new Endpoint("10.0.0.2", 80, "east", EAST, false)))),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    // Latest only moves forward (Knative serving#12078): app-1..3 of configuration app.
    var latestRoute = route("east", "hello", 1, 0, latest("app", 100));
    var app1 = revisionOf("app", "app-1", 1);
    var app2 = revisionOf("app", "app-2", 2);
    var app3 = revisionOf("app", "app-3", 3);
    var appSlice1 = slice("app-1", "http", 80, "10.0.1.1");
    var appSlice2 = slice("app-2", "http", 80, "10.0.1.2");
    var appSlice3 = slice("app-3", "http", 80, "10.0.1.3");
    var appUp2 = appUp("app-2", "10.0.1.2");
    var appUp3 = appUp("app-3", "10.0.1.3");
    String notReady =
        "AllTrafficAssigned=False/RevisionNotReady IngressReady=Unknown/NoDataPlane"
            + " Ready=False/RevisionNotReady";

    cases.add(
        new Case(
            "latest moves forward when a newer revision becomes ready",
            List.of(east(latestRoute, app1, app2, app3, appSlice1, appSlice2)),
            List.of(east(latestRoute, app1, app2, app3, appSlice1, appSlice2, appSlice3)),
            List.of(main(ref1, List.of(), w("app-3", 100))),
            List.of(appUp3),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "latest stays on a revision that loses its endpoints, and the Route says so",
            List.of(east(latestRoute, app1, app2, app3, appSlice1, appSlice2, appSlice3)),
            List.of(east(latestRoute, app1, app2, app3, appSlice1, appSlice2)),
            List.of(main(ref1, List.of(), w("app-3", 100))),
            List.of(appUp("app-3")),
            Map.of("hello", notReady)));

    cases.add(
        new Case(
            "latest never given before: the newest ready one, not a newer unready one",
            null,
            List.of(east(latestRoute, app1, app2, app3, appSlice1, appSlice2)),
            List.of(main(ref1, List.of(), w("app-2", 100))),
            List.of(appUp2),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "latest whose Service is deleted falls back to the newest ready one",
            List.of(east(latestRoute, app1, app2, app3, appSlice1, appSlice2, appSlice3)),
            List.of(east(latestRoute, app1, app2, appSlice1, appSlice2)),
            List.of(main(ref1, List.of(), w("app-2", 100))),
            List.of(appUp2),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "after a restart, latest is at least what the Route's status.traffic says",
            null,
            List.of(
                east(
                    new RouteObject(
                        latestRoute.key(),
                        1,
                        latestRoute.created(),
                        latestRoute.spec(),
                        new RouteStatus(
                            1L,
                            null,
                            List.of(new TrafficStatus(null, "app-3", "app", true, 100, null)),
                            List.of())),
                    app1,
                    app2,
                    app3,
                    appSlice1,
                    appSlice2)),
            List.of(main(ref1, List.of(), w("app-3", 100))),
            List.of(appUp("app-3")),
            Map.of("hello", notReady)));

    cases.add(
        new Case(
            "newer is by creation time, then name",
            null,
            List.of(
                east(
                    latestRoute,
                    revisionOf("app", "app-b", 5),
                    revisionOf("app", "app-c", 5),
                    revisionOf("app", "app-z", 4),
                    slice("app-b", "http", 80, "10.0.1.2"),
                    slice("app-c", "http", 80, "10.0.1.3"),
                    slice("app-z", "http", 80, "10.0.1.9"))),
            List.of(main(ref1, List.of(), w("app-c", 100))),
            List.of(appUp("app-c", "10.0.1.3")),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "port chosen by name; grpc speaks HTTP/2",
            null,
            List.of(
                east(
                    route("east", "hello", 1, 0, revision("grpc-00001", 100)),
                    new ServiceObject(
                        "default",
                        "grpc-00001",
                        Fixtures.at(1),
                        Map.of(),
                        List.of(
                            new ServiceObject.Port("metrics", 9090),
                            new ServiceObject.Port("grpc", 50051))),
                    new EndpointSliceObject(
                        "default",
                        "grpc-00001-x",
                        "grpc-00001",
                        List.of(
                            new EndpointSliceObject.Port("metrics", 19090),
                            new EndpointSliceObject.Port("grpc", 15051)),
                        List.of("10.0.0.7"),
                        false))),
            List.of(main(ref1, List.of(), w("grpc-00001", 100))),
            List.of(
                new Upstream(
                    "default",
                    "grpc-00001",
                    Protocol.HTTP2,
                    List.of(new Endpoint("10.0.0.7", 15051, "east", EAST, false)))),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "multi-cluster endpoints keep their cluster and locality",
            null,
            List.of(
                east(
                    route("east", "hello", 1, 0, revision("hello-00001", 100)),
                    hello1,
                    slice("hello-00001", "http", 8080, "10.0.0.1")),
                west(
                    hello1,
                    slice("hello-00001", "http", 8080, "10.1.0.1"),
                    route("west", "ignored", 1, 0, revision("hello-00001", 100)))),
            List.of(main(ref1, List.of(), w("hello-00001", 100))),
            List.of(up("hello-00001", ep("10.0.0.1", "east", EAST), ep("10.1.0.1", "west", WEST))),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "stale cluster's endpoints stay, marked stale",
            null,
            List.of(
                east(
                    route("east", "hello", 1, 0, revision("hello-00001", 100)),
                    hello1,
                    slice("hello-00001", "http", 8080, "10.0.0.1")),
                cluster(
                    "west",
                    WEST,
                    false,
                    true,
                    hello1,
                    slice("hello-00001", "http", 8080, "10.1.0.1"))),
            List.of(main(ref1, List.of(), w("hello-00001", 100))),
            List.of(
                new Upstream(
                    "default",
                    "hello-00001",
                    Protocol.HTTP1,
                    List.of(
                        new Endpoint("10.0.0.1", 8080, "east", EAST, false),
                        new Endpoint("10.1.0.1", 8080, "west", WEST, true)))),
            Map.of("hello", "AllTrafficAssigned=True " + NO_DP)));

    cases.add(
        new Case(
            "missing revision with nothing served before",
            null,
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 50),
                        revision("hello-00009", 50)),
                    hello1,
                    slice1)),
            List.of(),
            List.of(),
            Map.of(
                "hello",
                "AllTrafficAssigned=False/RevisionMissing IngressReady=False/NotServed"
                    + " Ready=False/RevisionMissing")));

    cases.add(
        new Case(
            "missing revision keeps the last valid resolution",
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 90),
                        revision("hello-00002", 10)),
                    hello1,
                    hello2,
                    slice1,
                    slice2)),
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        2,
                        0,
                        revision("hello-00001", 50),
                        revision("hello-00003", 50)),
                    hello1,
                    hello2,
                    slice1,
                    slice2)),
            List.of(main(ref1, List.of(), w("hello-00001", 90), w("hello-00002", 10))),
            List.of(up1, up2),
            Map.of(
                "hello",
                "AllTrafficAssigned=False/RevisionMissing IngressReady=Unknown/NoDataPlane"
                    + " Ready=False/RevisionMissing")));

    cases.add(
        new Case(
            "deleted revision Service: the split stays, its upstream is empty",
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 90),
                        revision("hello-00002", 10)),
                    hello1,
                    hello2,
                    slice1,
                    slice2)),
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        1,
                        0,
                        revision("hello-00001", 90),
                        revision("hello-00002", 10)),
                    hello1,
                    slice1)),
            List.of(main(ref1, List.of(), w("hello-00001", 90), w("hello-00002", 10))),
            List.of(up1, up("hello-00002")),
            Map.of(
                "hello",
                "AllTrafficAssigned=False/RevisionMissing IngressReady=Unknown/NoDataPlane"
                    + " Ready=False/RevisionMissing")));

    cases.add(
        new Case(
            "invalid new generation keeps serving the last valid one",
            List.of(
                east(route("east", "hello", 1, 0, revision("hello-00001", 100)), hello1, slice1)),
            List.of(
                east(route("east", "hello", 2, 0, revision("hello-00001", 90)), hello1, slice1)),
            List.of(main(ref1, List.of(), w("hello-00001", 100))),
            List.of(up1),
            Map.of(
                "hello",
                "AllTrafficAssigned=False/InvalidSpec IngressReady=Unknown/NoDataPlane"
                    + " Ready=False/InvalidSpec")));

    cases.add(
        new Case(
            "invalid from the first generation: nothing served",
            null,
            List.of(
                east(
                    route("east", "hello", 1, 0, revision("hello-00001", 100).withTag("Canary")),
                    hello1,
                    slice1)),
            List.of(),
            List.of(),
            Map.of(
                "hello",
                "AllTrafficAssigned=False/InvalidSpec IngressReady=False/NotServed"
                    + " Ready=False/InvalidSpec")));

    var refOld = new RouteRef("west", "default", "hello", 1);
    cases.add(
        new Case(
            "host claimed twice: the older Route keeps it",
            null,
            List.of(
                east(route("east", "hello", 1, 5, revision("hello-00002", 100)), hello2, slice2),
                cluster(
                    "west",
                    WEST,
                    true,
                    false,
                    route("west", "hello", 1, 1, revision("hello-00001", 100)),
                    hello1,
                    slice("hello-00001", "http", 8080, "10.1.0.1"))),
            List.of(main(refOld, List.of(), w("hello-00001", 100))),
            List.of(up("hello-00001", ep("10.1.0.1", "west", WEST))),
            Map.of(
                "west:hello",
                "AllTrafficAssigned=True " + NO_DP,
                "east:hello",
                "AllTrafficAssigned=True IngressReady=False/DomainConflict"
                    + " Ready=False/DomainConflict")));

    return cases.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void builds(Case c) {
    BuildState state = BuildState.INITIAL;
    if (c.before() != null) {
      state = build(c.before(), state, List.of()).state();
    }

    BuildResult result = build(c.now(), state, List.of());

    assertThat(result.model().virtualHosts()).containsExactlyElementsOf(c.hosts());
    assertThat(result.model().upstreams()).containsExactlyElementsOf(c.upstreams());
    Map<String, String> summary =
        result.statuses().entrySet().stream()
            .collect(
                Collectors.toMap(
                    e ->
                        c.conditions().size() > 1
                            ? e.getKey().cluster() + ":" + e.getKey().name()
                            : e.getKey().name(),
                    e -> summary(e.getValue())));
    assertThat(summary).isEqualTo(c.conditions());
  }

  @Test
  void statusNamesResolvedRevisionsAndTagUrls() {
    BuildResult result =
        build(
            List.of(
                east(
                    route(
                        "east",
                        "hello",
                        3,
                        0,
                        revision("hello-00001", 100),
                        latest("hello", 0).withTag("latest")),
                    service("hello-00001", 1, "http", 80),
                    revisionOf("hello", "hello-00002", 2),
                    slice("hello-00001", "http", 80, "10.0.0.1"),
                    slice("hello-00002", "http", 80, "10.0.0.2"))),
            BuildState.INITIAL,
            List.of());

    RouteStatus status =
        java.util.Objects.requireNonNull(
            result.statuses().get(new RouteKey("east", "default", "hello")));
    assertThat(status.observedGeneration()).isEqualTo(3);
    assertThat(status.url()).isEqualTo("http://hello.default.example.com");
    assertThat(status.traffic())
        .containsExactly(
            new TrafficStatus(null, "hello-00001", null, false, 100, null),
            new TrafficStatus(
                "latest",
                "hello-00002",
                "hello",
                true,
                0,
                "http://latest-hello.default.example.com"));
  }

  @Test
  void messagesSayWhatIsWrongAndWhatIsServed() {
    var before =
        List.of(
            east(
                route("east", "hello", 1, 0, revision("hello-00001", 100)),
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.1")));
    BuildState state = build(before, BuildState.INITIAL, List.of()).state();

    var missing =
        build(
            List.of(
                east(
                    route("east", "hello", 2, 0, revision("hello-00002", 100)),
                    service("hello-00001", 1, "http", 80))),
            state,
            List.of());
    var invalid =
        build(
            List.of(
                east(route("east", "hello", 2, 0, revision("hello-00001", 100).withTag("Canary")))),
            state,
            List.of());

    assertThat(condition(missing, Condition.ALL_TRAFFIC_ASSIGNED).message())
        .isEqualTo(
            "spec.traffic[0].revisionName: \"hello-00002\" (expected: a Service of that name in"
                + " namespace default in some cluster) (serving generation 1)");
    assertThat(condition(invalid, Condition.READY).message())
        .isEqualTo(
            "spec.traffic[0].tag: \"Canary\" (expected: DNS-1035 label) (serving generation 1)");
  }

  @Test
  void ingressReadyFollowsDataPlanesThatApplyTheRoutesModelRevision() {
    var v1 =
        List.of(
            east(
                route("east", "hello", 1, 0, revision("hello-00001", 100)),
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.1")));
    BuildResult first = build(v1, BuildState.INITIAL, List.of(dataPlane("gw-a", 0)));
    assertThat(first.model().revision()).isEqualTo(1);
    assertThat(condition(first, Condition.INGRESS_READY))
        .extracting(Condition::status, Condition::reason, Condition::message)
        .containsExactly(
            "False", "Pending", "waiting for data planes to apply model revision 1: gw-a");

    BuildResult acked =
        build(v1, first.state(), List.of(dataPlane("gw-a", 1), dataPlane("gw-b", 1)));
    assertThat(acked.model()).isEqualTo(first.model());
    assertThat(summary(acked.statuses().values().iterator().next()))
        .isEqualTo("AllTrafficAssigned=True IngressReady=True Ready=True");

    // An endpoint change makes a new model revision, but the Route's routing is the same, so data
    // planes that applied revision 1 still serve it: Ready does not flap.
    var v1moved =
        List.of(
            east(
                route("east", "hello", 1, 0, revision("hello-00001", 100)),
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.9")));
    BuildResult moved =
        build(v1moved, acked.state(), List.of(dataPlane("gw-a", 1), dataPlane("gw-b", 1)));
    assertThat(moved.model().revision()).isEqualTo(2);
    assertThat(condition(moved, Condition.READY).status()).isEqualTo("True");

    // A new generation appears in revision 3; gw-b has not applied it yet.
    var v2 =
        List.of(
            east(
                route("east", "hello", 2, 0, revision("hello-00001", 100).withTag("a")),
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.9")));
    BuildResult next =
        build(v2, moved.state(), List.of(dataPlane("gw-a", 3), dataPlane("gw-b", 2)));
    assertThat(next.model().revision()).isEqualTo(3);
    assertThat(condition(next, Condition.READY))
        .extracting(Condition::status, Condition::message)
        .containsExactly("False", "waiting for data planes to apply model revision 3: gw-b");
  }

  @Test
  void deterministicAndTransitionTimesKeptWhileUnchanged() {
    var clusters =
        List.of(
            east(
                route("east", "hello", 1, 0, revision("hello-00001", 100)),
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.1")),
            west(
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.1.0.1")));
    BuildResult a = ModelBuilder.build(DOMAIN, clusters, BuildState.INITIAL, List.of(), T0);
    BuildResult b =
        ModelBuilder.build(
            DOMAIN, List.of(clusters.get(1), clusters.get(0)), BuildState.INITIAL, List.of(), T0);
    assertThat(b).isEqualTo(a);

    BuildResult later =
        ModelBuilder.build(DOMAIN, clusters, a.state(), List.of(), T0.plusSeconds(60));
    assertThat(later.statuses()).isEqualTo(a.statuses());
    assertThat(later.model()).isEqualTo(a.model());
  }

  @Test
  void afterARestartTransitionTimesComeFromTheObjectsStatus() {
    var clusters =
        List.of(
            east(
                route("east", "hello", 1, 0, revision("hello-00001", 100)),
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.1")));
    RouteStatus written =
        build(clusters, BuildState.INITIAL, List.of()).statuses().values().iterator().next();

    // A new process: no build state, but the Route carries the status written before.
    RouteObject carried = clusters.get(0).routes().get(0);
    carried =
        new RouteObject(
            carried.key(), carried.generation(), carried.created(), carried.spec(), written);
    var restarted =
        List.of(
            east(
                carried,
                service("hello-00001", 1, "http", 80),
                slice("hello-00001", "http", 80, "10.0.0.1")));
    BuildResult later =
        ModelBuilder.build(DOMAIN, restarted, BuildState.INITIAL, List.of(), T0.plusSeconds(3600));

    assertThat(later.statuses().values().iterator().next()).isEqualTo(written);
  }

  private static BuildResult build(
      List<ClusterObjects> clusters, BuildState state, List<AppliedModel> dps) {
    return ModelBuilder.build(DOMAIN, clusters, state, dps, T0);
  }

  private static Condition condition(BuildResult result, String type) {
    return java.util.Objects.requireNonNull(
            result.statuses().get(new RouteKey("east", "default", "hello")))
        .condition(type);
  }

  private static String summary(RouteStatus status) {
    return status.conditions().stream()
        .map(c -> c.type() + "=" + c.status() + (c.reason() == null ? "" : "/" + c.reason()))
        .collect(Collectors.joining(" "));
  }

  private static VirtualHost main(RouteRef ref, List<TagRoute> tags, WeightedUpstream... split) {
    return new VirtualHost("hello.default.example.com", ref, tags, List.of(split));
  }

  private static VirtualHost tagHost(String tag, RouteRef ref, String revision) {
    return new VirtualHost(
        tag + "-hello.default.example.com",
        ref,
        List.of(),
        List.of(new WeightedUpstream("default/" + revision, 100)));
  }

  private static WeightedUpstream w(String revision, int weight) {
    return new WeightedUpstream("default/" + revision, weight);
  }

  private static Upstream up(String revision, Endpoint... endpoints) {
    return new Upstream("default", revision, Protocol.HTTP1, List.of(endpoints));
  }

  private static Upstream appUp(String revision, String... addresses) {
    return new Upstream(
        "default",
        revision,
        Protocol.HTTP1,
        Stream.of(addresses).map(a -> new Endpoint(a, 80, "east", EAST, false)).toList());
  }

  private static Endpoint ep(String address, String cluster, Locality locality) {
    return new Endpoint(address, 8080, cluster, locality, false);
  }
}
