package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.RolloutSpec;
import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.api.v1alpha1.RolloutStep;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Locality;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A Rollout in a Kubernetes config cluster (fabric8's mock API server in CRUD mode), run by the
 * real controller: its state goes to the status subresource and is read back by a restarted
 * controller, the {@code weir.dev/action} annotation is acted on once and removed, and every
 * transition is an Event. The tests run in order, as one story.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesRolloutsTest {

  private static final String HOST = "hello.default.example.com";

  private KubernetesMockServer server;
  private KubernetesClient client;
  private FakeDataPlanes dataPlanes = new FakeDataPlanes();
  private WeirController controller;
  private ClustersFile clusters;

  @BeforeAll
  void start() {
    server = KubeObjects.crudServer();
    client = server.createClient();
    client.resource(KubeObjects.service("hello-00001")).create();
    client.resource(KubeObjects.service("hello-00002")).create();
    client.resource(KubeObjects.slice("hello-00001", "10.0.0.1")).create();
    client.resource(KubeObjects.slice("hello-00002", "10.0.0.2")).create();
    client.resource(KubeObjects.route(100, 0)).create();
    Rollout rollout = new Rollout();
    rollout.setMetadata(
        new ObjectMetaBuilder().withName("hello-rollout").withNamespace("default").build());
    rollout.setSpec(
        new RolloutSpec(
            new RolloutSpec.RouteRef("hello"),
            List.of(RolloutStep.setWeight(50), RolloutStep.pause(null)),
            null,
            null,
            null));
    client.resource(rollout).create();
    clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig(
                    "east", new Locality("us-east", "us-east-1a"), true, null, null, null)));
    controller = startController();
  }

  private WeirController startController() {
    dataPlanes = new FakeDataPlanes();
    dataPlanes.connectApplyingEveryModel("gateway-1");
    WeirController c =
        new WeirController(
            clusters,
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            cluster -> client,
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    c.start();
    return c;
  }

  @AfterAll
  void stop() {
    if (controller != null) {
      controller.close();
    }
    client.close();
    server.destroy();
  }

  @Test
  @Order(1)
  void theFirstGenerationIsServedAtOnceAndRecordedInStatus() {
    eventually(
        () -> {
          RolloutStatus status = rollout().getStatus();
          assertThat(status).isNotNull();
          assertThat(status.phase()).isEqualTo("Succeeded");
          assertThat(split(HOST)).containsExactly(new WeightedUpstream("default/hello-00001", 100));
        });
  }

  @Test
  @Order(2)
  void aSpecChangeWalksToTheFirstStepAndHoldsAtThePauseWithoutDuration() {
    KubeObjects.update(client, this::route, r -> r.setSpec(KubeObjects.route(0, 100).getSpec()));

    eventually(
        () -> {
          assertThat(split(HOST))
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 50),
                  new WeightedUpstream("default/hello-00002", 50));
          RolloutStatus status = rollout().getStatus();
          assertThat(status.phase()).isEqualTo("Paused");
          assertThat(status.currentStep()).isEqualTo(1);
          assertThat(percents(route().getStatus().traffic()))
              .isEqualTo(Map.of("hello-00001", 50, "hello-00002", 50));
        });
  }

  @Test
  @Order(3)
  void aRestartedControllerServesTheRecordedStepNotTheSpec() throws Exception {
    controller.close();
    controller = startController();

    eventually(
        () ->
            assertThat(split(HOST))
                .containsExactly(
                    new WeightedUpstream("default/hello-00001", 50),
                    new WeightedUpstream("default/hello-00002", 50)));
    // It stays there: nothing but promote moves a pause without duration.
    Thread.sleep(1000);
    assertThat(split(HOST))
        .containsExactly(
            new WeightedUpstream("default/hello-00001", 50),
            new WeightedUpstream("default/hello-00002", 50));
    assertThat(rollout().getStatus().phase()).isEqualTo("Paused");
  }

  @Test
  @Order(4)
  void theActionAnnotationIsActedOnOnceAndRemoved() {
    KubeObjects.update(
        client,
        this::rollout,
        r -> r.getMetadata().setAnnotations(Map.of(Rollout.ACTION_ANNOTATION, "promote")));

    eventually(
        () -> {
          assertThat(split(HOST)).containsExactly(new WeightedUpstream("default/hello-00002", 100));
          Rollout now = rollout();
          assertThat(now.getStatus().phase()).isEqualTo("Succeeded");
          assertThat(now.getStatus().lastAction()).isEqualTo("promote");
          assertThat(now.getStatus().history())
              .anySatisfy(h -> assertThat(h.source()).isEqualTo("Annotation"));
          assertThat(now.getMetadata().getAnnotations())
              .doesNotContainKey(Rollout.ACTION_ANNOTATION);
        });
  }

  @Test
  @Order(5)
  void everyTransitionIsAnEventOnTheRollout() {
    eventually(
        () -> {
          List<Event> events = client.v1().events().inNamespace("default").list().getItems();
          assertThat(events)
              .allSatisfy(
                  e -> {
                    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Rollout");
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("hello-rollout");
                  });
          assertThat(events.stream().map(Event::getReason)).contains("RolloutStarted", "Succeeded");
        });
  }

  private Rollout rollout() {
    return client.resources(Rollout.class).inNamespace("default").withName("hello-rollout").get();
  }

  private Route route() {
    return client.resources(Route.class).inNamespace("default").withName("hello").get();
  }

  private List<WeightedUpstream> split(String host) {
    return dataPlanes.model().virtualHosts().stream()
        .filter(v -> v.host().equals(host))
        .findFirst()
        .map(VirtualHost::split)
        .orElseThrow(() -> new AssertionError("no virtual host " + host));
  }

  private static Map<String, Integer> percents(List<TrafficStatus> traffic) {
    Map<String, Integer> m = new java.util.TreeMap<>();
    for (TrafficStatus t : traffic) {
      m.merge(t.revisionName(), t.percent(), Integer::sum);
    }
    return m;
  }
}
