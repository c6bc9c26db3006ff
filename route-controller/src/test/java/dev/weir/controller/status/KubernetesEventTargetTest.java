package dev.weir.controller.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.GatewayApiState;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.testing.KubeObjects;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Warning Events about rejected objects written to a Kubernetes API (fabric8's mock server in CRUD
 * mode): through the reporter, none by a replica that does not lead and one once it leads; the
 * Event's fields as {@code kubectl describe} and {@code kubectl get events} read them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesEventTargetTest {

  private static final Instant NOW = Instant.parse("2026-12-03T02:00:00Z");

  private static final RejectionReporter.Presence ALL = (cluster, kind, namespace, name) -> true;

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeAll
  void start() {
    server = KubeObjects.crudServer();
    client = server.createClient();
    KubeObjects.gatewayApiCrds(client);
    Route hello = KubeObjects.route(100, 0);
    hello.getMetadata().setNamespace("leading");
    client.resource(hello).create();
    client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: weir}
                spec: {controllerName: weir.dev/gateway-controller}
                """,
                GatewayClass.class))
        .create();
    client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: shop, namespace: apps}
                spec:
                  parentRefs: [{name: typo}]
                """,
                HTTPRoute.class))
        .create();
  }

  @AfterAll
  void stop() {
    client.close();
    server.destroy();
  }

  private List<Event> events(String namespace) {
    return client.v1().events().inNamespace(namespace).list().getItems();
  }

  @Test
  void aReplicaThatDoesNotLeadWritesNoEventAndOneOnceItLeads() throws Exception {
    AtomicBoolean leader = new AtomicBoolean(false);
    String message = "spec.traffic: percents sum to 120 (expected: 100); serving generation 1";
    Map<RouteKey, RouteStatus> statuses =
        Map.of(
            new RouteKey("east", "leading", "hello"),
            new RouteStatus(
                2L,
                null,
                List.of(),
                List.of(
                    new Condition(
                        Condition.ALL_TRAFFIC_ASSIGNED, "False", "InvalidSpec", message, "t"))));
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", new KubernetesEventTarget(client, leader::get)),
            RejectionReporter.NO_ORIGINS,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      for (int build = 0; build < 3; build++) {
        reporter.submit(statuses, GatewayApiResult.EMPTY, ALL);
        reporter.awaitIdle();
      }
      assertThat(events("leading")).as("not the leader: no Event").isEmpty();

      leader.set(true);
      reporter.resync("east");
      for (int build = 0; build < 3; build++) {
        reporter.awaitIdle();
        reporter.submit(statuses, GatewayApiResult.EMPTY, ALL);
      }
      reporter.awaitIdle();
      List<Event> events = events("leading");
      assertThat(events).hasSize(1);
      Event e = events.get(0);
      Route hello = client.resources(Route.class).inNamespace("leading").withName("hello").get();
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("InvalidSpec");
      assertThat(e.getMessage()).isEqualTo(message);
      assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("weir.dev/v1alpha1");
      assertThat(e.getInvolvedObject().getKind()).isEqualTo("Route");
      assertThat(e.getInvolvedObject().getNamespace()).isEqualTo("leading");
      assertThat(e.getInvolvedObject().getName()).isEqualTo("hello");
      assertThat(e.getInvolvedObject().getUid())
          .isNotBlank()
          .isEqualTo(hello.getMetadata().getUid());
      assertThat(e.getSource().getComponent()).isEqualTo("weir-controller");
      assertThat(e.getReportingComponent()).isEqualTo("weir-controller");
      assertThat(e.getFirstTimestamp()).isEqualTo("2026-12-03T02:00:00Z");
      assertThat(e.getMetadata().getName()).startsWith("hello.");
    }
  }

  @Test
  void aRouteNamingAGatewayThatDoesNotExistGetsOneWarningEvent() throws Exception {
    ObjectKey shop = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "shop");
    GatewayApiResult.UnresolvedParents unresolved =
        new GatewayApiResult.UnresolvedParents(
            1, List.of(new GatewayApiResult.UnresolvedParent(0, "apps", "typo", null)));
    GatewayApiResult built =
        new GatewayApiResult(
            List.of(),
            Map.of(),
            Map.of(),
            List.of(),
            List.of(),
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of(shop, unresolved),
            GatewayApiState.INITIAL);
    try (RejectionReporter reporter =
        new RejectionReporter(
            Map.of("east", new KubernetesEventTarget(client, () -> true)),
            RejectionReporter.NO_ORIGINS,
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      for (int build = 0; build < 3; build++) {
        reporter.submit(Map.of(), built, ALL);
        reporter.awaitIdle();
      }
    }
    List<Event> events = events("apps");
    assertThat(events).hasSize(1);
    Event e = events.get(0);
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getReason()).isEqualTo("GatewayNotFound");
    assertThat(e.getMessage()).startsWith("spec.parentRefs[0]: Gateway apps/typo does not exist (");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("HTTPRoute");
    assertThat(e.getInvolvedObject().getName()).isEqualTo("shop");
    assertThat(e.getInvolvedObject().getUid())
        .isEqualTo(
            client
                .resources(HTTPRoute.class)
                .inNamespace("apps")
                .withName("shop")
                .get()
                .getMetadata()
                .getUid());
  }

  @Test
  void aClusterScopedObjectsEventIsInDefaultAndAGoneObjectGetsNone() {
    KubernetesEventTarget target = new KubernetesEventTarget(client, () -> true);
    String longMessage = "spec.controllerName: " + "x".repeat(2000);
    target.warn(
        new Rejection(
            "east",
            Rejection.GATEWAY_API_VERSION,
            "GatewayClass",
            "",
            "weir",
            3,
            "Unsupported",
            longMessage),
        NOW);
    target.warn(
        new Rejection(
            "east", "weir.dev/v1alpha1", "Route", "nowhere", "gone", 1, "InvalidSpec", "bad"),
        NOW);
    assertThat(events("nowhere")).isEmpty();
    List<Event> events =
        events("default").stream()
            .filter(e -> e.getInvolvedObject().getKind().equals("GatewayClass"))
            .toList();
    assertThat(events).hasSize(1);
    Event e = events.get(0);
    assertThat(e.getInvolvedObject().getNamespace()).isNull();
    assertThat(e.getInvolvedObject().getName()).isEqualTo("weir");
    assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("gateway.networking.k8s.io/v1");
    assertThat(e.getInvolvedObject().getUid())
        .isEqualTo(
            client.resources(GatewayClass.class).withName("weir").get().getMetadata().getUid());
    assertThat(e.getMessage())
        .hasSize(KubernetesEvents.MAX_MESSAGE)
        .startsWith("spec.controllerName: xxx")
        .endsWith("x…");
  }
}
