package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes mode's clusters against fabric8's mock API servers in CRUD mode, as the harness runs
 * them.
 */
class KubernetesClustersTest {

  private static final Path ROUTE_CRD =
      Path.of("").toAbsolutePath().getParent().resolve("deploy/crds/routes.weir.dev-v1.yml");
  private static final Map<String, Integer> PORTS =
      Map.of("hello-00001", 1, "hello-00002", 2, "hello-00003", 3, "filler", 4);

  private final Map<String, KubernetesMockServer> servers = new LinkedHashMap<>();
  private final Map<String, KubernetesClient> clients = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    for (String cluster : BenchClusters.CLUSTERS) {
      KubernetesMockServer server =
          new KubernetesMockServer(
              new Context(),
              new MockWebServer(),
              new HashMap<>(),
              new KubernetesCrudDispatcher(),
              false);
      server.init(InetAddress.getByName("127.0.0.1"), 0);
      servers.put(cluster, server);
      clients.put(cluster, server.createClient());
    }
  }

  @AfterEach
  void stop() {
    clients.values().forEach(KubernetesClient::close);
    servers.values().forEach(KubernetesMockServer::destroy);
  }

  @Test
  void createsTheFolderModeObjectsThroughTheApiAndNamesEachClusterByKubeconfig(@TempDir Path dir)
      throws Exception {
    try (KubernetesClusters clusters =
        KubernetesClusters.create(dir, apiPorts(), ROUTE_CRD, 10, PORTS)) {
      assertThat(clusters.mode()).isEqualTo(BenchClusters.Mode.KUBERNETES);
      assertThat(Files.readString(clusters.clustersFile()))
          .startsWith("domain: localhost\nclusters:\n- name: east\n")
          .contains(
              "  kubeconfig: east.kubeconfig\n  config: true\n",
              "kubeconfig: west.kubeconfig",
              "kubeconfig: central.kubeconfig");
      assertThat(Files.readString(dir.resolve("west.kubeconfig")))
          .contains("server: http://127.0.0.1:" + servers.get("west").getPort());
      assertThat(routes()).hasSize(10);
      assertThat(clusters.lastAddedHost()).isEqualTo("r00009.default.localhost");
      // hello's revisions in east; filler i's revision in cluster i % 3, as in the folders
      assertThat(
              clients.get("east").services().inNamespace("default").withName("hello-00003").get())
          .isNotNull();
      assertThat(
              clients.get("west").services().inNamespace("default").withName("r00001-00001").get())
          .isNotNull();
      assertThat(
              clients
                  .get("central")
                  .discovery()
                  .v1()
                  .endpointSlices()
                  .inNamespace("default")
                  .withName("r00002-00001-1")
                  .get()
                  .getEndpoints()
                  .get(0)
                  .getAddresses())
          .containsExactly("127.0.0.1");

      clusters.grow(12);

      assertThat(routes()).hasSize(12);
      assertThat(clusters.routes()).isEqualTo(12);
      assertThat(
              clients.get("east").services().inNamespace("default").withName("r00011-00001").get())
          .isNull();
      assertThat(
              clients
                  .get("central")
                  .services()
                  .inNamespace("default")
                  .withName("r00011-00001")
                  .get())
          .isNotNull();
    }
  }

  @Test
  void writingTheHelloRouteReplacesItsTrafficAndBumpsItsGeneration(@TempDir Path dir)
      throws Exception {
    try (KubernetesClusters clusters =
        KubernetesClusters.create(dir, apiPorts(), ROUTE_CRD, 3, PORTS)) {
      assertThat(clusters.writeHelloRoute(BenchClusters.initialHelloSplit())).isFalse();
      Map<String, Integer> split = new LinkedHashMap<>();
      split.put("hello-00002", 100);

      assertThat(clusters.writeHelloRoute(split)).isTrue();

      GenericKubernetesResource hello =
          clients
              .get("east")
              .genericKubernetesResources("weir.dev/v1alpha1", "Route")
              .inNamespace("default")
              .withName("hello")
              .get();
      assertThat(hello.getMetadata().getGeneration()).isEqualTo(2);
      assertThat(hello.get("spec", "traffic").toString())
          .isEqualTo("[{revisionName=hello-00002, percent=100}]");
      assertThat(clusters.writeHelloRoute(split)).isFalse();

      clusters.moveProbeEndpoint("127.0.0.2");
      assertThat(
              clients
                  .get("west")
                  .discovery()
                  .v1()
                  .endpointSlices()
                  .inNamespace("default")
                  .withName("r00001-00001-1")
                  .get()
                  .getEndpoints()
                  .get(0)
                  .getAddresses())
          .containsExactly("127.0.0.2");
    }
  }

  @Test
  void namesTheMissingClusterPort(@TempDir Path dir) {
    assertThatThrownBy(() -> KubernetesClusters.create(dir, Map.of("east", 1), ROUTE_CRD, 1, PORTS))
        .hasMessage("apiPorts: no port for cluster west (expected: [east, west, central])");
  }

  private List<GenericKubernetesResource> routes() {
    return clients
        .get("east")
        .genericKubernetesResources("weir.dev/v1alpha1", "Route")
        .inNamespace("default")
        .list()
        .getItems();
  }

  private Map<String, Integer> apiPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    servers.forEach((cluster, server) -> ports.put(cluster, server.getPort()));
    return ports;
  }
}
