package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Locality;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real controller against a Kubernetes API (fabric8's mock server in CRUD mode): an invalid
 * generation of an HTTPRoute and of a Route each get exactly one Warning Event naming the object
 * and the reason its status gives, however many builds follow; a new invalid generation gets
 * another; valid objects get none; an HTTPRoute naming a Gateway that does not exist gets one, and
 * no status entry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesRejectionEventsTest {

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeAll
  void start() {
    server = KubeObjects.crudServer();
    client = server.createClient();
    KubeObjects.gatewayApiCrds(client);
    client.resource(KubeObjects.service("hello-00001")).create();
    client.resource(KubeObjects.service("hello-00002")).create();
    client.resource(KubeObjects.slice("hello-00001", "10.0.0.1")).create();
    client.resource(KubeObjects.slice("hello-00002", "10.0.0.2")).create();
    client.resource(KubeObjects.route(100, 0)).create();
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: weir}
        spec: {controllerName: weir.dev/gateway-controller}
        """,
        GatewayClass.class);
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: weir
          listeners: [{name: http, port: 80, protocol: HTTP}]
        """,
        Gateway.class);
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [shop.example.com]
          rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
        """,
        HTTPRoute.class);
  }

  @AfterAll
  void stop() {
    client.close();
    server.destroy();
  }

  private <T extends HasMetadata> T create(String yaml, Class<T> type) {
    return client.resource(Serialization.unmarshal(yaml, type)).create();
  }

  private HTTPRoute shop() {
    return client.resources(HTTPRoute.class).inNamespace("default").withName("shop").get();
  }

  private Route route(String name) {
    return client.resources(Route.class).inNamespace("default").withName(name).get();
  }

  /** The Warning Events on the object of {@code kind} and {@code name} in namespace default. */
  private List<Event> warnings(String kind, String name) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()))
        .filter(e -> kind.equals(e.getInvolvedObject().getKind()))
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /**
   * Creates an invalid Route and waits for its Event: the reporter, which looks at every object on
   * each build it takes, has taken another build since the last probe.
   */
  private void probe(int n) {
    Route probe = new Route();
    probe.setMetadata(
        new ObjectMetaBuilder().withName("probe-" + n).withNamespace("default").build());
    probe.setSpec(new RouteSpec(List.of(TrafficTarget.revision("hello-00001", 120))));
    client.resource(probe).create();
    eventually(() -> assertThat(warnings("Route", "probe-" + n)).hasSize(1));
  }

  @Test
  void anInvalidGenerationGetsOneWarningEventAcrossBuildsAndValidObjectsNone() {
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig(
                    "east", new Locality("us-east", "us-east-1a"), true, null, null, null)));
    FakeDataPlanes dataPlanes = new FakeDataPlanes();
    dataPlanes.connectApplyingEveryModel("gateway-1");
    try (WeirController controller =
        new WeirController(
            clusters,
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> client,
            new SimpleMeterRegistry(),
            Clock.systemUTC())) {
      controller.start();
      eventually(
          () -> {
            RouteParentStatus weirs = shop().getStatus().getParents().get(0);
            assertThat(weirs.getControllerName()).isEqualTo(GatewayApiCompiler.CONTROLLER_NAME);
            assertThat(weirs.getConditions().get(0).getStatus()).isEqualTo("True");
            assertThat(route("hello").getStatus()).isNotNull();
          });

      // A path value that is no path: the generation is rejected, the last valid one serves.
      HTTPRoute invalidShop =
          KubeObjects.update(
              client,
              this::shop,
              r ->
                  r.getSpec()
                      .getRules()
                      .get(0)
                      .setMatches(
                          List.of(
                              new HTTPRouteMatchBuilder()
                                  .withNewPath()
                                  .withType("Exact")
                                  .withValue("nope")
                                  .endPath()
                                  .build())));
      // Percents that sum to 120: the Route's generation is rejected.
      Route invalidHello =
          KubeObjects.update(
              client,
              () -> route("hello"),
              r ->
                  r.setSpec(
                      new RouteSpec(
                          List.of(
                              TrafficTarget.revision("hello-00001", 60),
                              TrafficTarget.revision("hello-00002", 60)))));
      eventually(
          () -> {
            assertThat(warnings("HTTPRoute", "shop")).hasSize(1);
            assertThat(warnings("Route", "hello")).hasSize(1);
          });
      for (int n = 1; n <= 3; n++) {
        probe(n);
      }

      Event shopEvent = warnings("HTTPRoute", "shop").get(0);
      assertThat(shopEvent.getReason()).isEqualTo("UnsupportedValue");
      assertThat(shopEvent.getMessage())
          .contains("spec.rules[0].matches[0].path.value")
          .contains("serving generation");
      assertThat(shopEvent.getInvolvedObject().getApiVersion())
          .isEqualTo("gateway.networking.k8s.io/v1");
      assertThat(shopEvent.getInvolvedObject().getUid())
          .isEqualTo(invalidShop.getMetadata().getUid());
      assertThat(shopEvent.getSource().getComponent()).isEqualTo("weir-controller");
      // The status says the same.
      assertThat(shop().getStatus().getParents().get(0).getConditions().get(0).getReason())
          .isEqualTo("UnsupportedValue");

      Event helloEvent = warnings("Route", "hello").get(0);
      assertThat(helloEvent.getReason()).isEqualTo("InvalidSpec");
      assertThat(helloEvent.getMessage()).contains("spec.traffic");
      assertThat(helloEvent.getInvolvedObject().getApiVersion()).isEqualTo(Route.API_VERSION);
      assertThat(helloEvent.getInvolvedObject().getUid())
          .isEqualTo(invalidHello.getMetadata().getUid());

      // Valid all along: no Event.
      assertThat(warnings("Gateway", "gw")).isEmpty();
      assertThat(warnings("GatewayClass", "weir")).isEmpty();

      // Another invalid generation: one Event more; a valid one: none.
      KubeObjects.update(
          client,
          () -> route("hello"),
          r ->
              r.setSpec(
                  new RouteSpec(
                      List.of(
                          TrafficTarget.revision("hello-00001", 70),
                          TrafficTarget.revision("hello-00002", 70)))));
      eventually(() -> assertThat(warnings("Route", "hello")).hasSize(2));
      KubeObjects.update(
          client,
          () -> route("hello"),
          r -> r.setSpec(new RouteSpec(List.of(TrafficTarget.revision("hello-00001", 100)))));
      eventually(
          () ->
              assertThat(route("hello").getStatus().observedGeneration())
                  .isEqualTo(route("hello").getMetadata().getGeneration()));
      for (int n = 4; n <= 5; n++) {
        probe(n);
      }
      assertThat(warnings("Route", "hello")).hasSize(2);
      assertThat(warnings("HTTPRoute", "shop")).hasSize(1);

      // A parentRef naming a Gateway that does not exist: no status entry can say it (no
      // controller owns that parent), so one Warning Event does, however many builds follow.
      HTTPRoute orphan =
          create(
              """
              apiVersion: gateway.networking.k8s.io/v1
              kind: HTTPRoute
              metadata: {name: orphan, namespace: default}
              spec:
                parentRefs: [{name: typo}]
                rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
              """,
              HTTPRoute.class);
      eventually(() -> assertThat(warnings("HTTPRoute", "orphan")).hasSize(1));
      for (int n = 6; n <= 7; n++) {
        probe(n);
      }
      Event orphanEvent = warnings("HTTPRoute", "orphan").get(0);
      assertThat(warnings("HTTPRoute", "orphan")).hasSize(1);
      assertThat(orphanEvent.getReason()).isEqualTo("GatewayNotFound");
      assertThat(orphanEvent.getMessage())
          .startsWith("spec.parentRefs[0]: Gateway default/typo does not exist");
      assertThat(orphanEvent.getInvolvedObject().getUid()).isEqualTo(orphan.getMetadata().getUid());
      HTTPRoute stored =
          client.resources(HTTPRoute.class).inNamespace("default").withName("orphan").get();
      assertThat(stored.getStatus() == null ? List.of() : stored.getStatus().getParents())
          .isEmpty();
    }
  }
}
