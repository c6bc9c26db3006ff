package dev.weir.controller.status;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.GatewayApiState;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.RouteKey;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The reporter over several builds' statuses: one WARN line per rejected generation, one INFO line
 * once it is resolved, one Event written by a replica that leads (none by one that does not, until
 * it leads), a failed Event dropped, folder objects named with their file.
 */
class RejectionReporterTest {

  private static final Instant NOW = Instant.parse("2026-12-03T02:00:00Z");
  private static final RouteKey HELLO = new RouteKey("east", "default", "hello");
  private static final RouteKey OTHER = new RouteKey("east", "default", "other");
  private static final ObjectKey SHOP = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "shop");

  /** Every object is still there. */
  private static final RejectionReporter.Presence ALL = (cluster, kind, namespace, name) -> true;

  /** No object is there. */
  private static final RejectionReporter.Presence NONE = (cluster, kind, namespace, name) -> false;

  private final Logger logger = (Logger) LoggerFactory.getLogger(RejectionReporter.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  /** Records the Events it is asked to write; may lead or not, may fail. */
  private static final class RecordingTarget implements EventTarget {
    final AtomicBoolean leader = new AtomicBoolean(true);
    final AtomicBoolean failing = new AtomicBoolean();
    final List<String> written = new CopyOnWriteArrayList<>();

    @Override
    public boolean mayWrite() {
      return leader.get();
    }

    @Override
    public void warn(Rejection r, Instant at) {
      if (failing.get()) {
        throw new IllegalStateException("the API server is away");
      }
      written.add(r.kind() + " " + r.object() + " " + r.generation() + " " + r.reason() + " " + at);
    }
  }

  /** Reporters made before this test began: {@code weir-rejections-1} to this. */
  private int before;

  private boolean ours(String thread) {
    String prefix = "weir-rejections-";
    return thread.startsWith(prefix)
        && Integer.parseInt(thread.substring(prefix.length())) > before;
  }

  @BeforeEach
  void attach() {
    before = RejectionReporter.created();
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(logged);
  }

  @Test
  void aRejectedGenerationIsLoggedOnceAndWrittenOnceOverManyBuilds() throws Exception {
    RecordingTarget target = new RecordingTarget();
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", target),
            RejectionReporter.NO_ORIGINS,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      for (int build = 0; build < 5; build++) {
        // Each build hands over new status objects, as a build with changed readiness does.
        reporter.submit(
            Map.of(HELLO, invalid(2), OTHER, valid(1)),
            gatewayApi(Map.of(SHOP, unsupported(7))),
            ALL);
        reporter.awaitIdle();
      }
      assertThat(warnings())
          .containsExactlyInAnyOrder(
              "Route default/hello generation 2 in cluster east: InvalidSpec:"
                  + " spec.traffic: percents sum to 120 (expected: 100); serving generation 1",
              "HTTPRoute apps/shop generation 7 in cluster east: UnsupportedValue:"
                  + " spec.rules[0].matches[0].path.value: \"nope\" (expected: a path)");
      assertThat(target.written)
          .containsExactlyInAnyOrder(
              "Route default/hello 2 InvalidSpec " + NOW,
              "HTTPRoute apps/shop 7 UnsupportedValue " + NOW);

      // Fixed: one INFO line, nothing more written; rejected again in a new generation: said again.
      // (The HTTPRoute, still there, left Weir's statuses: its rejection is over too.)
      for (int build = 0; build < 3; build++) {
        reporter.submit(Map.of(HELLO, valid(3), OTHER, valid(1)), gatewayApi(Map.of()), ALL);
        reporter.awaitIdle();
      }
      assertThat(infos())
          .containsExactlyInAnyOrder(
              "Route default/hello in cluster east: InvalidSpec of generation 2 is resolved",
              "HTTPRoute apps/shop in cluster east: UnsupportedValue of generation 7 is resolved");
      reporter.submit(Map.of(HELLO, invalid(4), OTHER, valid(1)), gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      assertThat(warnings()).hasSize(3);
      assertThat(warnings().get(2)).startsWith("Route default/hello generation 4 in cluster east");
      assertThat(target.written).hasSize(3);
    }
  }

  @Test
  void aReplicaThatDoesNotLeadLogsButWritesNoEventUntilItLeads() throws Exception {
    RecordingTarget target = new RecordingTarget();
    target.leader.set(false);
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", target),
            RejectionReporter.NO_ORIGINS,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      Map<RouteKey, RouteStatus> statuses = Map.of(HELLO, invalid(2));
      reporter.submit(statuses, gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      reporter.submit(statuses, gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      assertThat(warnings()).hasSize(1);
      assertThat(target.written).isEmpty();

      target.leader.set(true);
      reporter.resync("east");
      reporter.awaitIdle();
      reporter.submit(statuses, gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      assertThat(target.written).containsExactly("Route default/hello 2 InvalidSpec " + NOW);
      assertThat(warnings()).hasSize(1);
    }
  }

  @Test
  void aFailedEventIsLoggedAndDroppedNotRetried() throws Exception {
    RecordingTarget target = new RecordingTarget();
    target.failing.set(true);
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", target),
            RejectionReporter.NO_ORIGINS,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      Map<RouteKey, RouteStatus> statuses = Map.of(HELLO, invalid(2));
      reporter.submit(statuses, gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      target.failing.set(false);
      reporter.submit(statuses, gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      assertThat(target.written).isEmpty();
      assertThat(warnings())
          .containsExactly(
              "Route default/hello generation 2 in cluster east: InvalidSpec:"
                  + " spec.traffic: percents sum to 120 (expected: 100); serving generation 1",
              "Route default/hello in cluster east: Warning Event InvalidSpec not written"
                  + " (java.lang.IllegalStateException: the API server is away); dropped");
    }
  }

  @Test
  void aFolderClustersObjectIsNamedWithItsFileAndGetsNoEvent() throws Exception {
    RecordingTarget kubernetes = new RecordingTarget();
    RouteKey folder = new RouteKey("west", "default", "hello");
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", kubernetes),
            r -> r.cluster().equals("west") ? "/etc/weir/west/hello.yaml" : null,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      reporter.submit(Map.of(folder, invalid(2)), gatewayApi(Map.of()), ALL);
      reporter.awaitIdle();
      assertThat(warnings())
          .containsExactly(
              "Route default/hello generation 2 in cluster west (file /etc/weir/west/hello.yaml):"
                  + " InvalidSpec: spec.traffic: percents sum to 120 (expected: 100);"
                  + " serving generation 1");
      assertThat(kubernetes.written).isEmpty();
    }
  }

  @Test
  void aRejectedObjectDeletedWithItsFileIsSaidGoneOnce() throws Exception {
    RouteKey folder = new RouteKey("west", "default", "hello");
    ObjectKey shop = new ObjectKey("west", ObjectKey.HTTP_ROUTE, "apps", "shop");
    // The file is known while the object is there; a deleted object's file is not.
    AtomicBoolean filesThere = new AtomicBoolean(true);
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of(),
            r -> filesThere.get() ? "/etc/weir/west/" + r.name() + ".yaml" : null,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      reporter.submit(
          Map.of(folder, invalid(2), OTHER, invalid(5)),
          gatewayApi(Map.of(shop, unsupported(7))),
          ALL);
      reporter.awaitIdle();
      reporter.submit(
          Map.of(folder, invalid(2), OTHER, valid(6)),
          gatewayApi(Map.of(shop, unsupported(7))),
          ALL);
      reporter.awaitIdle();
      assertThat(infos())
          .containsExactly(
              "Route default/other in cluster east: InvalidSpec of generation 5 is resolved");

      // The file that held both rejected objects is deleted; so is the fixed Route.
      filesThere.set(false);
      for (int build = 0; build < 3; build++) {
        reporter.submit(Map.of(), gatewayApi(Map.of()), NONE);
        reporter.awaitIdle();
      }
      assertThat(infos())
          .containsExactlyInAnyOrder(
              "Route default/other in cluster east: InvalidSpec of generation 5 is resolved",
              "Route default/hello in cluster west (file /etc/weir/west/hello.yaml): deleted;"
                  + " its InvalidSpec of generation 2 no longer applies",
              "HTTPRoute apps/shop in cluster west (file /etc/weir/west/shop.yaml): deleted;"
                  + " its UnsupportedValue of generation 7 no longer applies");
      assertThat(warnings()).hasSize(3);
    }
  }

  @Test
  void aRouteNamingAGatewayThatDoesNotExistIsSaidOncePerGenerationBesidesItsStatus()
      throws Exception {
    RecordingTarget target = new RecordingTarget();
    GatewayApiResult.UnresolvedParents missing =
        new GatewayApiResult.UnresolvedParents(
            3,
            List.of(
                new GatewayApiResult.UnresolvedParent(1, "apps", "typo", null),
                new GatewayApiResult.UnresolvedParent(2, "apps", "gw2", "nope")));
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", target),
            RejectionReporter.NO_ORIGINS,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      for (int build = 0; build < 3; build++) {
        // Its first parent is Weir's and rejects it too: both are said.
        reporter.submit(
            Map.of(), gatewayApi(Map.of(SHOP, unsupported(3)), Map.of(SHOP, missing)), ALL);
        reporter.awaitIdle();
      }
      assertThat(warnings())
          .containsExactlyInAnyOrder(
              "HTTPRoute apps/shop generation 3 in cluster east: UnsupportedValue:"
                  + " spec.rules[0].matches[0].path.value: \"nope\" (expected: a path)",
              "HTTPRoute apps/shop generation 3 in cluster east: GatewayNotFound:"
                  + " spec.parentRefs[1]: Gateway apps/typo does not exist;"
                  + " spec.parentRefs[2]: Gateway apps/gw2 names GatewayClass nope,"
                  + " which does not exist (no controller owns such a parent, so status.parents"
                  + " has no entry for it; the route is not served through it)");
      assertThat(target.written)
          .containsExactlyInAnyOrder(
              "HTTPRoute apps/shop 3 UnsupportedValue " + NOW,
              "HTTPRoute apps/shop 3 GatewayNotFound " + NOW);

      // Only the GatewayClass is missing now: the same generation, nothing new to say.
      GatewayApiResult.UnresolvedParents classOnly =
          new GatewayApiResult.UnresolvedParents(
              3, List.of(new GatewayApiResult.UnresolvedParent(2, "apps", "gw2", "nope")));
      reporter.submit(Map.of(), gatewayApi(Map.of(), Map.of(SHOP, classOnly)), ALL);
      reporter.awaitIdle();
      assertThat(warnings()).hasSize(2);

      // The GatewayClass is created: resolved, said once.
      for (int build = 0; build < 2; build++) {
        reporter.submit(Map.of(), gatewayApi(Map.of()), ALL);
        reporter.awaitIdle();
      }
      assertThat(infos())
          .containsExactlyInAnyOrder(
              "HTTPRoute apps/shop in cluster east: UnsupportedValue of generation 3 is resolved",
              "HTTPRoute apps/shop in cluster east: GatewayNotFound of generation 3 is resolved");

      // A new generation names a GatewayClass that does not exist only.
      reporter.submit(
          Map.of(),
          gatewayApi(
              Map.of(),
              Map.of(
                  SHOP,
                  new GatewayApiResult.UnresolvedParents(
                      4,
                      List.of(new GatewayApiResult.UnresolvedParent(0, "apps", "gw2", "nope"))))),
          ALL);
      reporter.awaitIdle();
      assertThat(warnings().get(2))
          .isEqualTo(
              "HTTPRoute apps/shop generation 4 in cluster east: GatewayClassNotFound:"
                  + " spec.parentRefs[0]: Gateway apps/gw2 names GatewayClass nope, which does"
                  + " not exist (no controller owns such a parent, so status.parents has no"
                  + " entry for it; the route is not served through it)");
      assertThat(target.written).contains("HTTPRoute apps/shop 4 GatewayClassNotFound " + NOW);
    }
  }

  private static RouteStatus valid(long generation) {
    return new RouteStatus(
        generation,
        "http://hello.default.example.com",
        List.of(),
        List.of(
            new Condition(Condition.ALL_TRAFFIC_ASSIGNED, "True", null, null, "t"),
            new Condition(Condition.READY, "True", null, null, "t")));
  }

  private static RouteStatus invalid(long generation) {
    String message = "spec.traffic: percents sum to 120 (expected: 100); serving generation 1";
    return new RouteStatus(
        generation,
        "http://hello.default.example.com",
        List.of(),
        new ArrayList<>(
            List.of(
                new Condition(Condition.ALL_TRAFFIC_ASSIGNED, "False", "InvalidSpec", message, "t"),
                new Condition(Condition.READY, "False", "InvalidSpec", message, "t"))));
  }

  private static HTTPRouteStatus unsupported(long generation) {
    return new HTTPRouteStatusBuilder()
        .addNewParent()
        .withNewParentRef()
        .withName("gw")
        .endParentRef()
        .withControllerName(GatewayApiCompiler.CONTROLLER_NAME)
        .withConditions(
            new ConditionBuilder()
                .withType("Accepted")
                .withStatus("False")
                .withReason("UnsupportedValue")
                .withMessage("spec.rules[0].matches[0].path.value: \"nope\" (expected: a path)")
                .withObservedGeneration(generation)
                .build())
        .endParent()
        .build();
  }

  private static GatewayApiResult gatewayApi(Map<ObjectKey, HTTPRouteStatus> httpRoutes) {
    return gatewayApi(httpRoutes, Map.of());
  }

  private static GatewayApiResult gatewayApi(
      Map<ObjectKey, HTTPRouteStatus> httpRoutes,
      Map<ObjectKey, GatewayApiResult.UnresolvedParents> unresolved) {
    return new GatewayApiResult(
        List.of(),
        Map.of(),
        Map.of(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of(),
        Map.of(),
        new HashMap<>(httpRoutes),
        Map.of(),
        new HashMap<>(unresolved),
        GatewayApiState.INITIAL);
  }

  private List<String> messages(Level level) {
    synchronized (logged) {
      return logged.list.stream()
          .filter(e -> e.getLevel() == level)
          // Only this test's reporters (made after it began): an earlier test's controller may
          // still be finishing a drain on its own thread.
          .filter(e -> ours(e.getThreadName()))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  private List<String> warnings() {
    return messages(Level.WARN);
  }

  private List<String> infos() {
    return messages(Level.INFO);
  }
}
