package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.RouteTls;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.controller.store.KubernetesObjects;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.TestPki;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
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
 * Two Kubernetes API servers (fabric8's mock server in CRUD mode) as clusters east and west, read
 * by the real controller: informers, builder, status writer. The tests run in order, as one story.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesClustersTest {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final Locality WEST = new Locality("us-west", "us-west-1b");

  private KubernetesMockServer eastServer;
  private KubernetesMockServer westServer;
  private KubernetesClient east;
  private KubernetesClient west;
  private final FakeDataPlanes dataPlanes = new FakeDataPlanes();
  private WeirController controller;

  @BeforeAll
  void start() throws Exception {
    eastServer = KubeObjects.crudServer();
    westServer = KubeObjects.crudServer();
    east = eastServer.createClient();
    west = westServer.createClient();

    for (KubernetesClient c : List.of(east, west)) {
      c.resource(KubeObjects.service("hello-00001")).create();
      c.resource(KubeObjects.service("hello-00002")).create();
    }
    east.resource(KubeObjects.slice("hello-00001", "10.0.0.1")).create();
    east.resource(KubeObjects.slice("hello-00002", "10.0.0.2")).create();
    west.resource(KubeObjects.slice("hello-00001", "10.1.0.1")).create();
    west.resource(KubeObjects.slice("hello-00002", "10.1.0.2")).create();

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
            Clock.systemUTC());
    controller.start();

    east.resource(KubeObjects.route(90, 10)).create();
  }

  @AfterAll
  void stop() {
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
  void modelHoldsEndpointsOfBothClustersWithTheirLocalities() {
    eventually(
        () -> {
          assertThat(host("hello.default.example.com").split())
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 90),
                  new WeightedUpstream("default/hello-00002", 10));
          assertThat(host("canary-hello.default.example.com").split())
              .containsExactly(new WeightedUpstream("default/hello-00002", 100));
          assertThat(upstream("hello-00001").endpoints())
              .containsExactly(
                  new Endpoint("10.0.0.1", 8080, "east", EAST, false),
                  new Endpoint("10.1.0.1", 8080, "west", WEST, false));
        });
  }

  @Test
  @Order(2)
  void statusIsWrittenToTheRouteInEast() {
    eventually(
        () -> {
          RouteStatus status = eastRoute().getStatus();
          assertThat(status).isNotNull();
          assertThat(status.observedGeneration())
              .isEqualTo(eastRoute().getMetadata().getGeneration());
          assertThat(status.url()).isEqualTo("http://hello.default.example.com");
          assertThat(status.traffic())
              .containsExactly(
                  new TrafficStatus(null, "hello-00001", null, false, 90, null),
                  new TrafficStatus(
                      "canary",
                      "hello-00002",
                      null,
                      false,
                      10,
                      "http://canary-hello.default.example.com"));
          assertThat(summary(status))
              .isEqualTo(
                  "AllTrafficAssigned=True IngressReady=Unknown/NoDataPlane"
                      + " Ready=Unknown/NoDataPlane");
        });
    assertThat(west.resources(Route.class).inAnyNamespace().list().getItems()).isEmpty();
  }

  @Test
  @Order(3)
  void readyOnceADataPlaneAppliedTheModel() {
    dataPlanes.connectUpToDate("gw-1");
    eventually(
        () ->
            assertThat(summary(eastRoute().getStatus()))
                .isEqualTo("AllTrafficAssigned=True IngressReady=True Ready=True"));
  }

  @Test
  @Order(4)
  void editingPercentsUpdatesModelAndStatus() {
    KubeObjects.update(east, this::eastRoute, r -> r.setSpec(KubeObjects.route(50, 50).getSpec()));

    eventually(
        () -> {
          assertThat(host("hello.default.example.com").split())
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 50),
                  new WeightedUpstream("default/hello-00002", 50));
          RouteStatus status = eastRoute().getStatus();
          assertThat(status.traffic()).extracting(TrafficStatus::percent).containsExactly(50, 50);
          assertThat(status.observedGeneration())
              .isEqualTo(eastRoute().getMetadata().getGeneration());
          // The new routing is in a model no data plane has applied yet.
          assertThat(status.condition(Condition.INGRESS_READY).reason()).isEqualTo("Pending");
        });
  }

  @Test
  @Order(5)
  void deletingARevisionServiceGivesRevisionMissing() {
    east.services().inNamespace("default").withName("hello-00002").delete();
    west.services().inNamespace("default").withName("hello-00002").delete();

    eventually(
        () -> {
          Condition assigned = eastRoute().getStatus().condition(Condition.ALL_TRAFFIC_ASSIGNED);
          assertThat(assigned.status()).isEqualTo("False");
          assertThat(assigned.reason()).isEqualTo("RevisionMissing");
          assertThat(assigned.message())
              .startsWith("spec.traffic[1].revisionName: \"hello-00002\"");
          assertThat(eastRoute().getStatus().condition(Condition.READY).reason())
              .isEqualTo("RevisionMissing");
          // The last valid resolution is kept; the missing revision has no endpoints left.
          assertThat(host("hello.default.example.com").split()).hasSize(2);
          assertThat(upstream("hello-00002").endpoints()).isEmpty();
        });
  }

  @Test
  @Order(6)
  void stoppingWestLeavesEastUpdatingAndWestEndpointsStale() {
    // Only the server goes away; the controller's client and informers stay and keep retrying.
    westServer.destroy();

    eventually(
        () -> {
          assertThat(upstream("hello-00001").endpoints())
              .containsExactly(
                  new Endpoint("10.0.0.1", 8080, "east", EAST, false),
                  new Endpoint("10.1.0.1", 8080, "west", WEST, true));
          assertThat(controller.clusters())
              .extracting(ClusterHealth::cluster, ClusterHealth::state)
              .containsExactly(
                  org.assertj.core.groups.Tuple.tuple("east", "Ready"),
                  org.assertj.core.groups.Tuple.tuple("west", "Stale"));
        });

    east.resource(KubeObjects.slice("hello-00001", "10.0.0.1", "10.0.0.5")).update();
    KubeObjects.update(
        east,
        this::eastRoute,
        r -> r.setSpec(new RouteSpec(List.of(TrafficTarget.revision("hello-00001", 100)))));

    eventually(
        () -> {
          assertThat(host("hello.default.example.com").split())
              .containsExactly(new WeightedUpstream("default/hello-00001", 100));
          assertThat(upstream("hello-00001").endpoints())
              .containsExactly(
                  new Endpoint("10.0.0.1", 8080, "east", EAST, false),
                  new Endpoint("10.0.0.5", 8080, "east", EAST, false),
                  new Endpoint("10.1.0.1", 8080, "west", WEST, true));
          assertThat(eastRoute().getStatus().condition(Condition.ALL_TRAFFIC_ASSIGNED).status())
              .isEqualTo("True");
        });
  }

  @Test
  @Order(7)
  void westComingBackIsReadAgain() {
    int port = west.getMasterUrl().getPort();
    westServer = KubeObjects.crudServer(port);
    try (KubernetesClient again = westServer.createClient()) {
      again.resource(KubeObjects.service("hello-00001")).create();
      again.resource(KubeObjects.slice("hello-00001", "10.1.0.9")).create();
    }

    eventually(
        () -> {
          assertThat(controller.clusters())
              .extracting(ClusterHealth::state)
              .containsExactly("Ready", "Ready");
          assertThat(upstream("hello-00001").endpoints())
              .containsExactly(
                  new Endpoint("10.0.0.1", 8080, "east", EAST, false),
                  new Endpoint("10.0.0.5", 8080, "east", EAST, false),
                  new Endpoint("10.1.0.9", 8080, "west", WEST, false));
        });
  }

  @Test
  @Order(8)
  void onlyTlsSecretsOfTheConfigClusterServeARoute() {
    TestPki.Issued issued =
        TestPki.newAuthority("weir test CA")
            .issue("hello.default.example.com", "*.default.example.com");
    KubeObjects.update(
        east,
        this::eastRoute,
        r -> r.setSpec(new RouteSpec(r.getSpec().traffic(), new RouteTls("hello-tls"))));
    // An Opaque Secret of that name is not a certificate: the informer never sees it.
    east.resource(secret("Opaque", issued)).create();
    // The right Secret in west, which is not a config cluster, does not count either.
    west.resource(secret(KubernetesObjects.TLS_SECRET_TYPE, issued)).create();
    eventually(
        () ->
            assertThat(
                    eastRoute().getStatus().condition(Condition.CERTIFICATE_PROVISIONED).reason())
                .isEqualTo("SecretMissing"));
    assertThat(dataPlanes.model().certificates()).isEmpty();

    east.secrets().inNamespace("default").withName("hello-tls").delete();
    eventually(
        () ->
            assertThat(east.secrets().inNamespace("default").withName("hello-tls").get()).isNull());
    east.resource(secret(KubernetesObjects.TLS_SECRET_TYPE, issued)).create();
    eventually(
        () -> {
          assertThat(eastRoute().getStatus().condition(Condition.CERTIFICATE_PROVISIONED).status())
              .isEqualTo("True");
          assertThat(eastRoute().getStatus().url()).isEqualTo("https://hello.default.example.com");
          assertThat(dataPlanes.model().certificates())
              .singleElement()
              .satisfies(
                  c -> {
                    assertThat(c.name()).isEqualTo("default/hello-tls");
                    assertThat(c.privateKeyPem()).isEqualTo(issued.keyPem());
                    assertThat(c.serverNames()).contains("hello.default.example.com");
                  });
        });
  }

  private static Secret secret(String type, TestPki.Issued issued) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("hello-tls")
        .withNamespace("default")
        .endMetadata()
        .withType(type)
        .addToData("tls.crt", base64(issued.chainPem()))
        .addToData("tls.key", base64(issued.keyPem()))
        .build();
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private Route eastRoute() {
    return east.resources(Route.class).inNamespace("default").withName("hello").get();
  }

  private VirtualHost host(String host) {
    return dataPlanes.model().virtualHosts().stream()
        .filter(v -> v.host().equals(host))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no virtual host " + host + " in " + dataPlanes.model()));
  }

  private Upstream upstream(String revision) {
    return dataPlanes.model().upstreams().stream()
        .filter(u -> u.revision().equals(revision))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no upstream " + revision));
  }

  private static String summary(RouteStatus status) {
    return String.join(
        " ",
        status.conditions().stream()
            .map(c -> c.type() + "=" + c.status() + (c.reason() == null ? "" : "/" + c.reason()))
            .toList());
  }
}
