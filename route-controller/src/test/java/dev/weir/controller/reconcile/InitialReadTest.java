package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.model.Locality;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.xds.ModelPublisher;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, defect 7 (the controller's part): a starting or restarted controller serves nothing
 * built from part of the world. Every model it publishes is built after every cluster completed its
 * initial read, or after the initial read timeout for a cluster that cannot be read.
 */
class InitialReadTest {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final Locality WEST = new Locality("us-west", "us-west-1b");

  @TempDir Path dir;

  /** Records every model published, in order, and when the first came ({@link System#nanoTime}). */
  private static final class Recorder implements ModelPublisher {
    final List<TrafficModel> models = new CopyOnWriteArrayList<>();
    volatile long firstAt;

    @Override
    public void publish(TrafficModel model) {
      if (models.isEmpty()) {
        firstAt = System.nanoTime();
      }
      models.add(model);
    }
  }

  @Test
  void aRevisionWhoseEndpointsAreInTheSecondFolderNeverAppearsWithoutThem() throws Exception {
    // Route e at 100% e-1, whose only endpoint is in west; west has many files, so its first scan
    // takes a while after east's has asked for a build.
    Path east = Files.createDirectories(dir.resolve("east"));
    Path west = Files.createDirectories(dir.resolve("west"));
    Files.writeString(
        east.resolve("route.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: e, namespace: retail}
        spec:
          traffic:
          - revisionName: e-1
            percent: 100
        """);
    Files.writeString(east.resolve("e-1.yaml"), service("e-1"));
    Files.writeString(
        west.resolve("e-1.yaml"), service("e-1") + "---\n" + slice("e-1", "10.1.0.1"));
    for (int i = 0; i < 300; i++) {
      Files.writeString(
          west.resolve("filler-" + i + ".yaml"),
          service("filler-" + i)
              + "---\n"
              + slice("filler-" + i, "10.2." + (i / 200) + "." + (i % 200)));
    }
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig("east", EAST, true, null, null, east),
                new ClusterConfig("west", WEST, false, null, null, west)));
    Recorder published = new Recorder();
    FakeDataPlanes planes = new FakeDataPlanes();
    // No hold-off: a build runs as soon as anything asks for one.
    ControllerOptions options = ControllerOptions.defaults();
    options =
        new ControllerOptions(
            Duration.ZERO,
            Duration.ZERO,
            options.folderRescan(),
            options.healthCheck(),
            options.statusRetry(),
            false,
            "default",
            "weir",
            "test",
            options.leaseDuration());

    try (WeirController controller =
        new WeirController(
            clusters,
            options,
            published,
            planes,
            c -> {
              throw new AssertionError("no Kubernetes cluster here");
            },
            new SimpleMeterRegistry(),
            Clock.systemUTC())) {
      controller.start();
      eventually(() -> assertThat(published.models).isNotEmpty());
      Thread.sleep(300);
    }

    for (TrafficModel model : published.models) {
      Upstream e1 =
          model.upstreams().stream()
              .filter(u -> u.name().equals("retail/e-1"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no retail/e-1 in " + model));
      assertThat(e1.endpoints()).as("model revision %d", model.revision()).isNotEmpty();
    }
  }

  @Test
  void aClusterThatCannotBeReadHoldsTheFirstModelOnlyUntilTheTimeout() throws Exception {
    Path east = Files.createDirectories(dir.resolve("east"));
    Files.writeString(
        east.resolve("route.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: e, namespace: retail}
        spec:
          traffic:
          - revisionName: e-1
            percent: 100
        """);
    Files.writeString(
        east.resolve("e-1.yaml"), service("e-1") + "---\n" + slice("e-1", "10.0.0.1"));
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Config config =
        new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + closedPort)
            .withRequestRetryBackoffLimit(0)
            .build();
    Duration timeout = Duration.ofSeconds(4);
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig("east", EAST, true, null, null, east),
                new ClusterConfig("west", WEST, false, null, null, null)));
    Recorder published = new Recorder();
    FakeDataPlanes planes = new FakeDataPlanes();
    ControllerOptions options = ControllerOptions.defaults().withInitialReadTimeout(timeout);

    try (KubernetesClient unreachable = new KubernetesClientBuilder().withConfig(config).build();
        WeirController controller =
            new WeirController(
                clusters,
                options,
                published,
                planes,
                c -> unreachable,
                new SimpleMeterRegistry(),
                Clock.systemUTC())) {
      long started = System.nanoTime();
      controller.start();

      eventually(() -> assertThat(published.models).isNotEmpty());
      assertThat(Duration.ofNanos(published.firstAt - started))
          .as("nothing served before west is read or the timeout")
          .isGreaterThanOrEqualTo(timeout);
      TrafficModel first = published.models.get(0);
      assertThat(first.upstreams()).extracting(Upstream::name).containsExactly("retail/e-1");
      assertThat(controller.clusters())
          .filteredOn(h -> h.cluster().equals("west"))
          .extracting(ClusterHealth::state)
          .containsExactly(ClusterHealth.STALE);
    }
  }

  private static String service(String name) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: retail}
        spec:
          ports:
          - {name: http, port: 80}
        """
        .formatted(name);
  }

  private static String slice(String service, String address) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-x
          namespace: retail
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports:
        - {name: http, port: 8080}
        endpoints:
        - addresses: ["%s"]
        """
        .formatted(service, service, address);
  }
}
