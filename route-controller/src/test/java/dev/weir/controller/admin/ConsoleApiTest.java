package dev.weir.controller.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.weir.controller.pipeline.ResolvedTarget;
import dev.weir.controller.pipeline.ServedRoute;
import dev.weir.controller.reconcile.RolloutCoordinator;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.model.Locality;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.lrs.LoadStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

/** The console's endpoints without a server: load buckets, n of m, the cross-origin guard. */
class ConsoleApiTest {

  @ParameterizedTest(name = "Origin {0} to Host {1}: refused {2}")
  @CsvSource(
      nullValues = "none",
      value = {
        "none, 127.0.0.1:9090, false",
        "http://127.0.0.1:9090, 127.0.0.1:9090, false",
        "http://localhost:9090, 127.0.0.1:9090, true",
        "https://evil.example, 127.0.0.1:9090, true",
        "null, 127.0.0.1:9090, true",
      })
  void aBrowserMayWriteOnlyFromTheAdminApisOwnOrigin(
      @Nullable String origin, String host, boolean refused) {
    String reason = CrossOriginWrites.refusal(origin, host, true, false);
    assertThat(reason != null).isEqualTo(refused);
    if (reason != null) {
      assertThat(reason).contains(origin).contains(host).doesNotContain("\n");
    }
  }

  @ParameterizedTest(name = "{0} {1} with Host {2}, writes on by loopback only: refused {3}")
  @CsvSource(
      nullValues = "none",
      value = {
        "POST, http://evil.example:9090, evil.example:9090, true",
        "POST, none, evil.example:9090, true",
        "GET, none, evil.example:9090, true",
        "GET, none, none, true",
        "POST, http://127.0.0.1:9090, 127.0.0.1:9090, false",
        "POST, none, 127.9.0.1:9090, false",
        "GET, none, 127.0.0.1, false",
        "POST, http://localhost:9090, localhost:9090, false",
        "POST, none, console.localhost:9090, false",
        "POST, none, [::1]:9090, false",
        "POST, none, 127.0.0.256:9090, true",
        "POST, none, 127.0.0.1.evil.example:9090, true",
        "POST, none, localhost.evil.example:9090, true",
        "POST, none, [::2]:9090, true",
      })
  void onLoopbackOnlyEveryRequestMustNameALoopbackHost(
      String method, @Nullable String origin, @Nullable String host, boolean refused) {
    CrossOriginWrites filter = new CrossOriginWrites(false, "127.0.0.1");
    MockServerHttpRequest.BaseBuilder<?> request =
        MockServerHttpRequest.method(
            org.springframework.http.HttpMethod.valueOf(method),
            URI.create("http://127.0.0.1:9090/api/v1/rollouts/default/hello/pause"));
    if (origin != null) {
      request.header("Origin", origin);
    }
    if (host != null) {
      request.header("Host", host);
    }
    MockServerWebExchange exchange = MockServerWebExchange.from(request);
    AtomicBoolean passed = new AtomicBoolean();
    filter
        .filter(exchange, e -> Mono.fromRunnable(() -> passed.set(true)))
        .block(Duration.ofSeconds(5));

    assertThat(passed.get()).isEqualTo(!refused);
    if (refused) {
      assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(403);
      assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
          .contains("loopback")
          .doesNotContain("\n");
    }
  }

  @Test
  void withWritesEnabledAnyHostMayReadAndWriteWithoutAnOrigin() {
    assertThat(CrossOriginWrites.refusal(null, "weir.example:9090", true, false)).isNull();
    assertThat(CrossOriginWrites.refusal(null, "weir.example:9090", false, false)).isNull();
    assertThat(
            CrossOriginWrites.refusal("http://evil.example:9090", "weir.example:9090", true, false))
        .contains("cross-origin");
  }

  @Test
  void aRouteIsAppliedByTheDataPlanesThatAppliedTheModelItFirstAppearedIn() {
    ServedRoute served = new ServedRoute(1, List.<ResolvedTarget>of(), 7);
    List<DataPlane> planes =
        List.of(plane("a", "east", 7), plane("b", "east", 6), plane("c", "west", 9));

    ConsoleController.Applied applied = ConsoleController.applied(served, planes);

    assertThat(applied.applied()).isEqualTo(2);
    assertThat(applied.connected()).isEqualTo(3);
    assertThat(applied.clusters())
        .containsExactly(
            new ConsoleController.ClusterApplied("east", 1, 2),
            new ConsoleController.ClusterApplied("west", 1, 1));
    assertThat(ConsoleController.applied(null, planes).applied()).isZero();
  }

  @Test
  void loadComesInBucketsPerRevisionOverallAndPerCluster() {
    Instant now = Instant.parse("2026-12-01T12:00:00.500Z");
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    LoadStore store = new LoadStore(Clock.fixed(now.minusSeconds(5), ZoneOffset.UTC));
    long[] latency = new long[LatencyBuckets.count()];
    latency[LatencyBuckets.count() / 2] = 10;
    try (LoadStore.NodeLoad node = store.node("gw")) {
      node.add("default/hello-00002", "east", 10, 9, 1, 0, latency);
      node.add("default/hello-00002", "west", 10, 10, 0, 0, null);
    }
    WeirController controller = mock(WeirController.class);
    when(controller.loads()).thenReturn(store);
    ConsoleController api =
        new ConsoleController(controller, mock(DataPlaneRegistry.class), null, clock);

    ResponseEntity<Object> answer = api.load(List.of("default/hello-00002", "default/none"), 10);

    ConsoleController.LoadView view = (ConsoleController.LoadView) answer.getBody();
    assertThat(view.stepSeconds()).isEqualTo(10);
    assertThat(view.to()).isEqualTo("2026-12-01T11:59:59Z");
    ConsoleController.RevisionLoad hello = view.revisions().get(0);
    int buckets = (int) (LoadStore.RETENTION.toSeconds() / 10);
    assertThat(hello.overall().rps()).hasSize(buckets);
    // 12:00:00 - 5 s lies in the last bucket (11:59:50..11:59:59): 20 requests in 10 s.
    assertThat(hello.overall().rps().get(buckets - 1)).isEqualTo(2.0);
    assertThat(hello.overall().errorPercent().get(buckets - 1)).isEqualTo(5.0);
    assertThat(hello.overall().errorPercent().get(0)).isNull();
    assertThat(hello.overall().p99Ms().get(buckets - 1)).isPositive();
    assertThat(hello.clusters()).containsOnlyKeys("east", "west");
    assertThat(hello.clusters().get("east").errorPercent().get(buckets - 1)).isEqualTo(10.0);
    assertThat(hello.clusters().get("west").p99Ms().get(buckets - 1)).isNull();
    assertThat(view.revisions().get(1).overall().rps()).containsOnly(0.0);

    assertThat(api.load(List.of("nonsense"), 10).getStatusCode().value()).isEqualTo(400);
    assertThat(api.load(List.of("default/x"), 0).getStatusCode().value()).isEqualTo(400);
  }

  @Test
  void tenThousandRoutesAreSearchedAndPagedInTheController() {
    List<WeirController.RouteView> routes = new java.util.ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      routes.add(
          new WeirController.RouteView(
              "east", "default", String.format("route-%05d", i), 1, null, null));
    }
    WeirController controller = mock(WeirController.class);
    when(controller.routes()).thenReturn(routes);
    ConsoleEvents events = mock(ConsoleEvents.class);
    when(events.versions()).thenReturn(new ConsoleEvents.Versions(3, 1, 0, 2, 0));
    ConsoleController api =
        new ConsoleController(controller, mock(DataPlaneRegistry.class), events, Clock.systemUTC());

    ConsoleController.RoutePage first = api.search("", 0, 25);
    ConsoleController.RoutePage last = api.search("ROUTE-099", 75, 25);
    ConsoleController.RoutePage one = api.search("default route-04242", 0, 25);

    assertThat(first.total()).isEqualTo(10_000);
    assertThat(first.matched()).isEqualTo(10_000);
    assertThat(first.routes()).hasSize(25);
    assertThat(first.routes().get(0).name()).isEqualTo("route-00000");
    assertThat(first.version()).isEqualTo(1);
    assertThat(last.matched()).isEqualTo(100);
    assertThat(last.routes())
        .extracting(ConsoleController.RouteRow::name)
        .startsWith("route-09975");
    assertThat(one.routes())
        .extracting(ConsoleController.RouteRow::name)
        .containsExactly("route-04242");
    assertThat(one.routes().get(0).dataPlanes().connected()).isZero();
    assertThat(api.search("", 20_000, 5000).routes()).isEmpty();
  }

  @Test
  void aThousandRolloutsAreSearchedAndPagedInTheController() {
    List<RolloutCoordinator.RolloutView> rollouts = new java.util.ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      rollouts.add(
          new RolloutCoordinator.RolloutView(
              "east",
              "default",
              String.format("rollout-%04d", i),
              i == 7 ? null : "route-" + i,
              1,
              i % 2 == 0 ? "Succeeded" : "Paused",
              0,
              0,
              List.of(),
              List.of(),
              List.of(),
              null,
              List.of(),
              List.of(),
              null,
              null,
              null,
              List.of()));
    }
    WeirController controller = mock(WeirController.class);
    when(controller.rollouts()).thenReturn(rollouts);
    ConsoleEvents events = mock(ConsoleEvents.class);
    when(events.versions()).thenReturn(new ConsoleEvents.Versions(3, 1, 4, 2, 0));
    ConsoleController api =
        new ConsoleController(controller, mock(DataPlaneRegistry.class), events, Clock.systemUTC());

    ConsoleController.RolloutPage first = api.searchRollouts("", 0, 25);
    ConsoleController.RolloutPage paused = api.searchRollouts("PAUSED rollout-09", 25, 25);

    assertThat(first.total()).isEqualTo(1_000);
    assertThat(first.matched()).isEqualTo(1_000);
    assertThat(first.version()).isEqualTo(4);
    assertThat(first.rollouts()).hasSize(25);
    assertThat(first.rollouts().get(0).rollout().name()).isEqualTo("rollout-0000");
    assertThat(paused.matched()).isEqualTo(50);
    assertThat(paused.rollouts())
        .extracting(d -> d.rollout().name())
        .startsWith("rollout-0951")
        .hasSize(25);
    // A missing Route is not the text "null".
    assertThat(api.searchRollouts("null", 0, 25).matched()).isZero();
  }

  @Test
  void nullFieldsAreNotSearchableAsNull() {
    WeirController controller = mock(WeirController.class);
    when(controller.routes())
        .thenReturn(
            List.of(
                new WeirController.RouteView(
                    "east",
                    "default",
                    "a",
                    1,
                    new dev.weir.controller.api.v1alpha1.RouteSpec(
                        List.of(
                            dev.weir.controller.api.v1alpha1.TrafficTarget.revision(
                                "a-00001", 100)),
                        null),
                    null)));
    ConsoleEvents events = mock(ConsoleEvents.class);
    when(events.versions()).thenReturn(new ConsoleEvents.Versions(3, 1, 0, 2, 0));
    ConsoleController api =
        new ConsoleController(controller, mock(DataPlaneRegistry.class), events, Clock.systemUTC());

    assertThat(api.search("null", 0, 25).matched()).isZero();
    assertThat(api.search("a", 0, 25).matched()).isOne();
  }

  @Test
  void loadWithoutRevisionNamesTheParameter() {
    ConsoleController api =
        new ConsoleController(
            mock(WeirController.class), mock(DataPlaneRegistry.class), null, Clock.systemUTC());

    ResponseEntity<Object> answer = api.load(null, 10);

    assertThat(answer.getStatusCode().value()).isEqualTo(400);
    assertThat(((Map<?, ?>) answer.getBody()).get("error").toString())
        .startsWith("revision: missing");
  }

  @Test
  void theInfoSaysWhetherWritesAreOnAndNeverMore() {
    WeirController controller = mock(WeirController.class);
    when(controller.clustersFile())
        .thenReturn(new dev.weir.controller.clusters.ClustersFile(null, "example.com", List.of()));

    AdminController.Info off = new AdminController(controller, null, false, "0.0.0.0").info();
    AdminController.Info on = new AdminController(controller, null, false, "127.0.0.1").info();

    assertThat(off.writesEnabled()).isFalse();
    assertThat(off.writesRefused()).contains("weir.admin.write-enabled=true");
    assertThat(on.writesEnabled()).isTrue();
    assertThat(on.writesRefused()).isNull();
    assertThat(on.domain()).isEqualTo("example.com");
    assertThat(on.loadReports()).isFalse();
  }

  private static DataPlane plane(String id, String cluster, long applied) {
    return new DataPlane(
        id, cluster, new Locality("r", "z"), Instant.EPOCH, Map.of(), applied, Optional.empty());
  }
}
