package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.loadtest.backend.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scale from zero end to end: the controller and the gateway from their jars on folder clusters, a
 * revision at zero replicas (its Deployment document in the folder says 0), and the local demo's
 * stand-in for the kubelet ({@code deploy/local/kubelet.sh}) starting its backend when the
 * controller sets 1. Twenty clients ask for the cold revision at once: the gateway holds them all,
 * the controller wakes the revision, and every one gets its 200 from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleFromZeroEndToEndTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path KUBELET = ROOT.resolve("deploy/local/kubelet.sh");
  private static final String NAMESPACE = BenchClusters.NAMESPACE;
  private static final String HOST = "cold." + NAMESPACE + "." + BenchClusters.DOMAIN;

  private Processes processes;
  private WeirStack stack;
  private Path deployment;
  private String deploymentText;

  @BeforeAll
  void startKubelet() throws Exception {
    SharedFolderStack shared = SharedFolderStack.get();
    stack = shared.stack();
    Path dir = shared.dir();
    deployment = dir.resolve("east/cold.yaml");
    // idle for 10 minutes before it would go back to zero: never during this test
    deploymentText =
        FolderClusters.scalableRevision("cold-00001", "cold", 0, "10m")
            + FolderClusters.route("cold", Map.of("cold-00001", 100));
    // The kubelet first, so that it sees the Deployment at 0 before the controller can scale it.
    Files.createDirectories(dir.resolve("scale-logs"));
    processes = new Processes(dir.resolve("scale-logs"));
    int backendPort = Harness.freePort();
    processes.start(
        "kubelet",
        Stream.concat(
                Stream.of(
                    "bash",
                    KUBELET.toString(),
                    deployment.toString(),
                    dir.resolve("east/cold-00001-slice.yaml").toString(),
                    String.valueOf(backendPort),
                    dir.resolve("scale-logs/cold-00001.log").toString(),
                    "--"),
                Processes.javaMain(
                    Backend.class.getName(),
                    List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                    List.of("--name", "cold-00001", "--port", String.valueOf(backendPort)))
                    .stream())
            .toList());
    shared.write("cold", deploymentText);
  }

  @AfterAll
  void stopKubelet() {
    if (processes != null) {
      processes.close(); // kubelet.sh stops the backend it started
    }
  }

  @Test
  void twentyConcurrentFirstRequestsToAColdRevisionAllGet200() throws Exception {
    // The controller has seen the target at 0: the revision is cold, nothing runs for it; and
    // the gateway has applied the Route (IngressReady), so a request finds its host.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String activation = "";
    String ingressReady = "";
    while (System.nanoTime() < deadline) {
      activation = activation();
      ingressReady = ingressReady();
      if (activation.equals("cold") && ingressReady.equals("True")) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(activation).as("status.traffic[].activation of cold-00001").isEqualTo("cold");
    assertThat(ingressReady).as("IngressReady of Route cold").isEqualTo("True");

    // Twenty clients at once, each on a connection of its own.
    java.util.concurrent.ExecutorService clients = Executors.newFixedThreadPool(20);
    long sent = System.nanoTime();
    List<CompletableFuture<String>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        answers.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (RawHttp http = new RawHttp("127.0.0.1", stack.ports().gatewayHttp())) {
                    RawHttp.Response r = http.get(HOST, "/");
                    return r.status() + " " + r.body().strip();
                  } catch (java.io.IOException e) {
                    return "failed: " + e;
                  }
                },
                clients));
      }
      List<String> got = new ArrayList<>();
      for (CompletableFuture<String> a : answers) {
        got.add(a.join());
      }
      long tookMillis = (System.nanoTime() - sent) / 1_000_000;
      assertThat(got)
          .as("20 first requests, answered after %d ms", tookMillis)
          .hasSize(20)
          .allSatisfy(a -> assertThat(a).startsWith("200").contains("cold-00001"));
      System.out.printf("20 held requests to a cold revision answered after %d ms%n", tookMillis);
    } finally {
      clients.shutdownNow();
    }
    // Only the replicas value changed in the folder.
    assertThat(Files.readString(deployment))
        .isEqualTo(deploymentText.replace("replicas: 0", "replicas: 1"));
    assertThat(
            stack.get(
                "http://127.0.0.1:" + stack.ports().gatewayManagement() + "/actuator/prometheus"))
        .contains("weir_gateway_cold_start_seconds_count");
    assertThat(activation()).isEqualTo("ready");
  }

  /** The status of Route cold's {@code IngressReady} condition, or "" before it has one. */
  private String ingressReady() throws Exception {
    JsonNode status = coldStatus();
    for (JsonNode c : status.path("conditions")) {
      if (c.path("type").asText().equals("IngressReady")) {
        return c.path("status").asText("");
      }
    }
    return "";
  }

  /** Revision cold-00001's {@code status.traffic[].activation}, or "" before it has one. */
  private String activation() throws Exception {
    for (JsonNode t : coldStatus().path("traffic")) {
      if (t.path("revisionName").asText().equals("cold-00001")) {
        return t.path("activation").asText("");
      }
    }
    return "";
  }

  private JsonNode coldStatus() throws Exception {
    for (JsonNode r : stack.routes()) {
      if (r.path("name").asText().equals("cold")) {
        return r.path("status");
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }
}
