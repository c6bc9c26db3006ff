package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Locality;
import dev.weir.xds.lrs.LoadStore;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Scale from zero on two Kubernetes clusters (fabric8's mock API server in CRUD mode each):
 * revision hello-00003 sits at 0 replicas in both; a data plane in us-west holds a request for it
 * (told to the controller's load store as the LRS server does); the controller scales west's
 * Deployment through its scale subresource, a stand-in for the kubelet makes its EndpointSlice
 * ready, the Route's status says waking, then ready; without requests for {@code
 * scale-to-zero-after} it goes back to 0, and east is never touched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SuppressWarnings("NullAway.Init")
class KubernetesScaleFromZeroTest {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final Locality WEST = new Locality("us-west", "us-west-1b");
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private KubernetesMockServer eastServer;
  private KubernetesMockServer westServer;
  private KubernetesClient east;
  private KubernetesClient west;
  private final FakeDataPlanes dataPlanes = new FakeDataPlanes();
  private final LoadStore loads = new LoadStore();
  private final ScheduledExecutorService kubelet = Executors.newSingleThreadScheduledExecutor();
  private WeirController controller;

  /** The west data plane's report stream, as the LRS server keeps one per stream. */
  private LoadStore.NodeLoad gateway;

  @BeforeAll
  void start() {
    eastServer = KubeObjects.crudServer();
    westServer = KubeObjects.crudServer();
    east = eastServer.createClient();
    west = westServer.createClient();
    for (KubernetesClient c : List.of(east, west)) {
      c.resource(coldService()).create();
      c.resource(deployment()).create();
    }
    east.resource(KubeObjects.service("hello-00001")).create();
    east.resource(KubeObjects.slice("hello-00001", "10.0.0.1")).create();
    // The kubelet's part: a ready endpoint while the Deployment wants a replica.
    kubelet.scheduleWithFixedDelay(
        () -> {
          standIn(east, "10.0.0.3");
          standIn(west, "10.1.0.3");
        },
        0,
        100,
        TimeUnit.MILLISECONDS);
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig("east", EAST, true, null, null, null),
                new ClusterConfig("west", WEST, false, null, null, null)));
    Map<String, KubernetesClient> clients = Map.of("east", east, "west", west);
    controller =
        new WeirController(
            clusters,
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> clients.get(c.name()),
            new SimpleMeterRegistry(),
            Clock.systemUTC(),
            new WeirController.RolloutSettings(loads, null, null));
    controller.start();
    Route route = new Route();
    route.setMetadata(new ObjectMetaBuilder().withName("hello").withNamespace("default").build());
    route.setSpec(
        new RouteSpec(
            List.of(
                TrafficTarget.revision("hello-00001", 100),
                TrafficTarget.revision("hello-00003", 0).withTag("preview"))));
    east.resource(route).create();
  }

  @AfterAll
  void stop() {
    kubelet.shutdownNow();
    if (controller != null) {
      controller.close();
    }
    east.close();
    west.close();
    eastServer.destroy();
    westServer.destroy();
  }

  @Test
  @Order(1)
  void theRevisionAtZeroIsCold() {
    eventually(PATIENCE, () -> assertThat(activation()).isEqualTo("cold"));
  }

  @Test
  @Order(2)
  void demandFromUsWestScalesWestThroughTheScaleSubresourceAndTheRevisionWakes() {
    gateway = loads.node("gateway-west", WEST);
    gateway.addHeld("default/hello-00003", 1, 1);
    gateway.endReport();

    eventually(PATIENCE, () -> assertThat(replicas(west)).isEqualTo(1));
    eventually(PATIENCE, () -> assertThat(activation()).isEqualTo("ready"));
    assertThat(replicas(east)).isZero();
  }

  @Test
  @Order(3)
  void withoutRequestsItGoesBackToZero() {
    // The same data plane's next report holds nothing: released.
    gateway.endReport();
    eventually(PATIENCE, () -> assertThat(replicas(west)).isZero());
    eventually(PATIENCE, () -> assertThat(activation()).isEqualTo("cold"));
    assertThat(replicas(east)).isZero();
  }

  private String activation() {
    Route r = east.resources(Route.class).inNamespace("default").withName("hello").get();
    RouteStatus status = r == null ? null : r.getStatus();
    if (status == null) {
      return "no status yet";
    }
    for (TrafficStatus t : status.traffic()) {
      if ("hello-00003".equals(t.revisionName())) {
        return String.valueOf(t.activation());
      }
    }
    throw new AssertionError("no traffic entry of hello-00003: " + status.traffic());
  }

  private static int replicas(KubernetesClient c) {
    Integer n =
        c.apps()
            .deployments()
            .inNamespace("default")
            .withName("hello-00003")
            .get()
            .getSpec()
            .getReplicas();
    return n == null ? 0 : n;
  }

  private static void standIn(KubernetesClient c, String address) {
    boolean wanted = replicas(c) > 0;
    var slices = c.discovery().v1().endpointSlices().inNamespace("default");
    boolean there = slices.withName("hello-00003-e2e").get() != null;
    if (wanted && !there) {
      var slice = KubeObjects.slice("hello-00003", address);
      slice.getMetadata().setName("hello-00003-e2e");
      c.resource(slice).create();
    } else if (!wanted && there) {
      slices.withName("hello-00003-e2e").delete();
    }
  }

  private static Service coldService() {
    Service s = KubeObjects.service("hello-00003");
    s.getMetadata()
        .setAnnotations(
            Map.of(
                "weir.dev/scale-target", "deployment/hello-00003",
                "weir.dev/scale-to-zero-after", "3s"));
    return s;
  }

  private static Deployment deployment() {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("hello-00003")
        .withNamespace("default")
        .endMetadata()
        .withNewSpec()
        .withReplicas(0)
        .endSpec()
        .build();
  }
}
