package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-cluster story of {@link KubernetesClustersTest}, with clusters that are folders of YAML:
 * edits, new and deleted files take effect like watch events, and a malformed file is reported with
 * its path while everything else keeps working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FolderClustersTest {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final Locality WEST = new Locality("us-west", "us-west-1b");

  @TempDir static Path dir;
  private Path east;
  private Path west;
  private final FakeDataPlanes dataPlanes = new FakeDataPlanes();
  private WeirController controller;

  @BeforeAll
  void start() {
    Path file = FolderClusters.copyTo(dir);
    east = dir.resolve("east");
    west = dir.resolve("west");
    ControllerOptions d = ControllerOptions.defaults();
    ControllerOptions options =
        new ControllerOptions(
            d.holdOff(),
            d.maxDelay(),
            Duration.ofMillis(300),
            d.healthCheck(),
            d.statusRetry(),
            false,
            "default",
            "weir",
            "test",
            d.leaseDuration());
    controller =
        new WeirController(
            ClustersFile.read(file),
            options,
            dataPlanes,
            dataPlanes,
            c -> {
              throw new AssertionError("no Kubernetes cluster here");
            },
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    controller.start();
  }

  @AfterAll
  void stop() {
    controller.close();
  }

  @Test
  @Order(1)
  void modelHoldsEndpointsOfBothFoldersWithTheirLocalities() {
    eventually(
        () -> {
          assertThat(host("hello.default.example.com").split())
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 90),
                  new WeightedUpstream("default/hello-00002", 10));
          assertThat(upstream("hello-00001").endpoints())
              .containsExactly(
                  new Endpoint("127.0.0.1", 8081, "east", EAST, false),
                  new Endpoint("127.0.0.2", 9081, "west", WEST, false));
          assertThat(upstream("hello-00002").endpoints())
              .containsExactly(new Endpoint("127.0.0.1", 8082, "east", EAST, false));
        });
  }

  @Test
  @Order(2)
  void statusIsVisibleInTheAdminView() {
    eventually(
        () -> {
          RouteStatus status = status();
          assertThat(status.observedGeneration()).isEqualTo(1);
          assertThat(status.url()).isEqualTo("http://hello.default.example.com");
          assertThat(status.traffic())
              .extracting(TrafficStatus::revisionName, TrafficStatus::percent)
              .containsExactly(tuple("hello-00001", 90), tuple("hello-00002", 10));
          assertThat(status.condition(Condition.ALL_TRAFFIC_ASSIGNED).status()).isEqualTo("True");
        });
  }

  @Test
  @Order(3)
  void editingPercentsUpdatesModelAndStatus() throws IOException {
    // One write: two would be two generations (the first one invalid, summing to 50).
    Path route = east.resolve("route.yaml");
    FolderClusters.write(
        route,
        Files.readString(route)
            .replace("percent: 90", "percent: 40")
            .replace("percent: 10", "percent: 60"));

    eventually(
        () -> {
          assertThat(host("hello.default.example.com").split())
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 40),
                  new WeightedUpstream("default/hello-00002", 60));
          assertThat(status().observedGeneration()).isEqualTo(2);
          assertThat(status().traffic()).extracting(TrafficStatus::percent).containsExactly(40, 60);
        });
  }

  @Test
  @Order(4)
  void deletingARevisionServiceGivesRevisionMissing() throws IOException {
    String text = Files.readString(east.resolve("revisions.yaml"));
    int start = text.indexOf("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: hello-00002");
    int end = text.indexOf("---", start + 3);
    FolderClusters.write(
        east.resolve("revisions.yaml"), text.substring(0, start) + text.substring(end));

    eventually(
        () -> {
          assertThat(status().condition(Condition.READY).reason()).isEqualTo("RevisionMissing");
          assertThat(upstream("hello-00002").endpoints()).isEmpty();
        });
  }

  @Test
  @Order(5)
  void malformedFileIsReportedWithItsPathAndTheRestKeepsWorking() throws IOException {
    Path broken = west.resolve("revisions.yaml");
    FolderClusters.write(broken, "apiVersion: v1\nkind: Service\nmetadata: [name: oops\n");

    eventually(
        () -> {
          ClusterHealth westHealth = controller.clusters().get(1);
          assertThat(westHealth.state()).isEqualTo(ClusterHealth.DEGRADED);
          assertThat(westHealth.problems())
              .singleElement()
              .asString()
              .startsWith(broken + ": line ");
          // The broken file's last-known endpoints stay, marked stale.
          assertThat(upstream("hello-00001").endpoints())
              .contains(new Endpoint("127.0.0.2", 9081, "west", WEST, true));
        });

    // East keeps updating: a new file adds an endpoint.
    FolderClusters.write(
        east.resolve("more.yaml"),
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: hello-00001-more
          labels: {kubernetes.io/service-name: hello-00001}
        ports: [{name: http, port: 8085}]
        endpoints: [{addresses: ["127.0.0.5"]}]
        """);
    eventually(
        () ->
            assertThat(upstream("hello-00001").endpoints())
                .containsExactly(
                    new Endpoint("127.0.0.1", 8081, "east", EAST, false),
                    new Endpoint("127.0.0.5", 8085, "east", EAST, false),
                    new Endpoint("127.0.0.2", 9081, "west", WEST, true)));
  }

  @Test
  @Order(6)
  void unknownKindAndDeletedFilesTakeEffect() throws IOException {
    Path broken = west.resolve("revisions.yaml");
    Files.delete(broken);
    Files.delete(east.resolve("more.yaml"));
    FolderClusters.write(
        east.resolve("odd.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");

    eventually(
        () -> {
          assertThat(upstream("hello-00001").endpoints())
              .containsExactly(new Endpoint("127.0.0.1", 8081, "east", EAST, false));
          assertThat(controller.clusters())
              .extracting(ClusterHealth::state, ClusterHealth::problems)
              .containsExactly(
                  tuple(
                      "Degraded",
                      java.util.List.of(
                          east.resolve("odd.yaml")
                              + ": document 1: kind \"ConfigMap\" (expected: Route, Rollout, Service, EndpointSlice, Secret, Deployment,"
                              + " Namespace, GatewayClass, Gateway, HTTPRoute, GRPCRoute or ReferenceGrant)")),
                  tuple("Ready", java.util.List.of()));
        });
  }

  @Test
  @Order(7)
  void aFolderThatGoesAwayIsStaleUntilItComesBack() throws IOException {
    FolderClusters.write(
        west.resolve("more.yaml"),
        """
        apiVersion: v1
        kind: Service
        metadata: {name: hello-00001}
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: hello-00001-west
          labels: {kubernetes.io/service-name: hello-00001}
        ports: [{name: http, port: 9081}]
        endpoints: [{addresses: ["127.0.0.2"]}]
        """);
    eventually(
        () ->
            assertThat(upstream("hello-00001").endpoints())
                .contains(new Endpoint("127.0.0.2", 9081, "west", WEST, false)));

    Path moved = dir.resolve("west-away");
    Files.move(west, moved);
    eventually(
        () -> {
          assertThat(controller.clusters().get(1).state()).isEqualTo(ClusterHealth.STALE);
          assertThat(controller.clusters().get(1).problems())
              .containsExactly(west + ": folder does not exist");
          assertThat(upstream("hello-00001").endpoints())
              .contains(new Endpoint("127.0.0.2", 9081, "west", WEST, true));
        });

    Files.move(moved, west);
    eventually(
        () -> {
          assertThat(controller.clusters().get(1).state()).isEqualTo(ClusterHealth.READY);
          assertThat(upstream("hello-00001").endpoints())
              .contains(new Endpoint("127.0.0.2", 9081, "west", WEST, false));
        });
  }

  @Test
  @Order(8)
  void tlsSecretFilesServeTheRouteOverHttpsAndABrokenVersionKeepsTheLastValid() {
    TestPki pki = TestPki.newAuthority("weir test CA");
    TestPki.Issued valid = pki.issue("hello.default.example.com", "*.default.example.com");
    TestPki.Issued other = pki.issue("other.example.com");
    FolderClusters.write(
        east.resolve("route.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: hello, namespace: default}
        spec:
          tls: {secretName: hello-tls}
          traffic:
          - {revisionName: hello-00001, percent: 90}
          - {revisionName: hello-00002, percent: 10, tag: canary}
        """);
    // stringData, as people write Secrets by hand.
    FolderClusters.write(
        east.resolve("hello-tls.yaml"),
        """
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata: {name: hello-tls, namespace: default}
        stringData:
          tls.crt: |
        %s
          tls.key: |
        %s
        """
            .formatted(indent(valid.chainPem()), indent(valid.keyPem())));
    eventually(
        () -> {
          assertThat(dataPlanes.model().certificates())
              .singleElement()
              .satisfies(
                  c -> {
                    assertThat(c.name()).isEqualTo("default/hello-tls");
                    assertThat(c.serverNames())
                        .containsExactly(
                            "canary-hello.default.example.com", "hello.default.example.com");
                    assertThat(c.certificateChainPem()).isEqualTo(valid.chainPem());
                    assertThat(c.privateKeyPem()).isEqualTo(valid.keyPem());
                  });
          assertThat(status().url()).isEqualTo("https://hello.default.example.com");
          assertThat(status().condition(Condition.CERTIFICATE_PROVISIONED).status())
              .isEqualTo("True");
        });
    long revision = dataPlanes.model().revision();

    // base64 data, with a key that belongs to another certificate
    FolderClusters.write(
        east.resolve("hello-tls.yaml"),
        """
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata: {name: hello-tls, namespace: default}
        data:
          tls.crt: %s
          tls.key: %s
        """
            .formatted(base64(valid.chainPem()), base64(other.keyPem())));
    eventually(
        () -> {
          Condition c = status().condition(Condition.CERTIFICATE_PROVISIONED);
          assertThat(c.reason()).isEqualTo("KeyMismatch");
          assertThat(c.message())
              .endsWith("(serving its last valid version)")
              .doesNotContain(other.keyBody().substring(0, 30));
        });
    assertThat(dataPlanes.model().revision()).isEqualTo(revision);
    assertThat(dataPlanes.model().certificates())
        .singleElement()
        .satisfies(c -> assertThat(c.privateKeyPem()).isEqualTo(valid.keyPem()));
    assertThat(status().url()).isEqualTo("https://hello.default.example.com");

    FolderClusters.write(
        east.resolve("opaque.yaml"),
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: opaque, namespace: default}
        stringData: {password: hunter2}
        """);
    eventually(
        () ->
            assertThat(controller.clusters().get(0).problems())
                .contains(
                    east.resolve("opaque.yaml")
                        + ": document 1: Secret without type (expected: type"
                        + " kubernetes.io/tls)"));
  }

  private static String indent(String pem) {
    return pem.lines().map(l -> "    " + l).collect(java.util.stream.Collectors.joining("\n"));
  }

  private static String base64(String s) {
    return java.util.Base64.getEncoder()
        .encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private RouteStatus status() {
    var routes = controller.routes();
    assertThat(routes)
        .extracting(WeirController.RouteView::cluster, WeirController.RouteView::name)
        .containsExactly(tuple("east", "hello"));
    return java.util.Objects.requireNonNull(routes.get(0).status());
  }

  private VirtualHost host(String host) {
    return dataPlanes.model().virtualHosts().stream()
        .filter(v -> v.host().equals(host))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no virtual host " + host));
  }

  private Upstream upstream(String revision) {
    return dataPlanes.model().upstreams().stream()
        .filter(u -> u.revision().equals(revision))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no upstream " + revision));
  }
}
