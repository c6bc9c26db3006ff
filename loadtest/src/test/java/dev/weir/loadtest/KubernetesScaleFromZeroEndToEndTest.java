package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.loadtest.kubernetes.ScaleRecorder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scale from zero end to end in Kubernetes mode: the controller and the gateway from their jars,
 * two fabric8 mock API servers in CRUD mode as the clusters {@code east} (the config cluster) and
 * {@code west}, each in a zone of its own; the gateway is in {@code east}'s zone, so {@code east}
 * is the cluster nearest to it. The revision {@code cold-00001} exists in both, its Service
 * annotated {@code weir.dev/scale-target: deployment/cold-00001} and {@code
 * weir.dev/scale-to-zero-after: 5s}, its Deployment at 0 replicas. A {@link StandInKubelet} per
 * cluster watches that Deployment (an informer on the mock API server) and, while it asks for
 * replicas, runs a real HTTP backend answering with its cluster's name and keeps a ready
 * EndpointSlice for it; at 0 it deletes the slice and stops the backend.
 *
 * <p>The first request through the gateway is held, wakes {@code east} only and gets 200 from
 * {@code east}'s backend; the Route's {@code status.traffic[].activation} goes cold → ready → cold,
 * as both the admin API and the Route stored in the API server say; idle, {@code east} goes back to
 * 0. The controller scales through the Deployment's {@code scale} subresource. CRUD mode has no
 * such subresource: it answers {@code GET .../deployments/cold-00001/scale} with the stored
 * Deployment itself ({@code kind: Deployment}, not {@code autoscaling/v1 Scale}) and stores a
 * {@code PUT} there as the Deployment (fabric8's {@code Scale} keeps the fields it does not know,
 * so the selector survives the round trip); {@code generation} goes up as on a spec change. So this
 * proves Weir's side against a stand-in, not a real API server's {@code Scale} (whose {@code
 * status.selector} and kind differ); the recorded calls are printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesScaleFromZeroEndToEndTest {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  private static final Path CONTROLLER_JAR =
      ROOT.resolve("route-controller/target/weir-controller.jar");
  private static final Path GATEWAY_JAR = ROOT.resolve("gateway/target/weir-gateway.jar");
  private static final Path ROUTE_CRD = ROOT.resolve("deploy/crds/routes.weir.dev-v1.yml");
  private static final String NAMESPACE = BenchClusters.NAMESPACE;
  private static final String REVISION = "cold-00001";
  private static final String HOST = "cold." + NAMESPACE + "." + BenchClusters.DOMAIN;
  private static final List<String> CLUSTERS = List.of("east", "west");

  /** Generous: two JVMs start on a loaded 2-core machine; every wait polls, none sleeps fixed. */
  private static final Duration START = Duration.ofSeconds(180);

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  /** Long enough for the checks after the first answer; short enough to wait for. */
  private static final String SCALE_TO_ZERO_AFTER = "5s";

  private final Map<String, KubernetesMockServer> servers = new LinkedHashMap<>();
  private final Map<String, ScaleRecorder> recorders = new LinkedHashMap<>();
  private final Map<String, KubernetesClient> clients = new LinkedHashMap<>();
  private final Map<String, StandInKubelet> kubelets = new LinkedHashMap<>();
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "activation-poller");
            t.setDaemon(true);
            return t;
          });
  private Path dir;
  private Processes processes;
  private WeirStack stack;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(
        Harness.usableJar(CONTROLLER_JAR) && Harness.usableJar(GATEWAY_JAR),
        "Weir's jars are not built; the reactor build (./mvnw -B verify) builds them first");
    dir = MODULE.resolve("target/scale-e2e-kubernetes");
    if (Files.exists(dir)) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    StringBuilder clustersFile =
        new StringBuilder("domain: " + BenchClusters.DOMAIN + "\nclusters:\n");
    for (String cluster : CLUSTERS) {
      ScaleRecorder recorder = new ScaleRecorder();
      KubernetesMockServer server = ScaleRecorder.serve(recorder);
      servers.put(cluster, server);
      recorders.put(cluster, recorder);
      clients.put(cluster, server.createClient());
      Files.writeString(
          dir.resolve(cluster + ".kubeconfig"),
          KubernetesClusters.kubeconfig(cluster, server.getPort()));
      clustersFile
          .append("- name: ")
          .append(cluster)
          .append("\n  region: local\n  zone: ")
          .append(cluster)
          .append("\n  kubeconfig: ")
          .append(cluster)
          .append(".kubeconfig\n")
          .append(cluster.equals("east") ? "  config: true\n" : "");
    }
    Files.writeString(dir.resolve("clusters.yaml"), clustersFile);

    KubernetesClient east = clients.get("east");
    east.apiextensions().v1().customResourceDefinitions().load(ROUTE_CRD.toFile()).create();
    for (String cluster : CLUSTERS) {
      KubernetesClient client = clients.get(cluster);
      for (HasMetadata o :
          client
              .load(
                  new ByteArrayInputStream(
                      FolderClusters.scalableRevision(REVISION, "cold", 0, SCALE_TO_ZERO_AFTER)
                          .getBytes(StandardCharsets.UTF_8)))
              .items()) {
        client.resource(o).create();
      }
      kubelets.put(
          cluster,
          StandInKubelet.start(
              cluster,
              StandInKubelet.kubernetes(client, NAMESPACE, REVISION, REVISION),
              StandInKubelet.inProcess(REVISION + "@" + cluster)));
    }
    east.resource(FolderClusters.route("cold", Map.of(REVISION, 100))).create();

    processes = new Processes(dir.resolve("logs"));
    stack = new WeirStack(processes, WeirStack.Ports.free(), WeirStack.Jvm.QUICK);
    stack.start(
        CONTROLLER_JAR,
        dir.resolve("clusters.yaml"),
        "controller",
        List.of("--weir.xds.load-reporting-interval=200ms"),
        GATEWAY_JAR,
        "gateway",
        START);
  }

  @AfterAll
  void stop() {
    poller.shutdownNow();
    if (stack != null) {
      stack.close();
    }
    if (processes != null) {
      processes.close();
    }
    kubelets.values().forEach(StandInKubelet::close);
    clients.values().forEach(KubernetesClient::close);
    servers.values().forEach(KubernetesMockServer::destroy);
  }

  @Test
  void theFirstRequestWakesThePreferredClusterAndItGoesBackToZeroWhenIdle() throws Exception {
    // Cold: the controller read both Deployments at 0 and says so, in the admin API and in the
    // Route's status written to the config cluster.
    await(
        "activation cold before any request", () -> activations().equals(List.of("cold", "cold")));
    assertThat(kubelets.get("east").running()).isFalse();
    assertThat(kubelets.get("west").running()).isFalse();

    // "ready" lasts only until the idle time runs out; a poller that started before the request
    // keeps every state it saw, so a slow status write cannot be missed between two looks.
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    poller.scheduleWithFixedDelay(
        () -> {
          try {
            List<String> now = activations();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(now)) {
              seen.add(now);
            }
          } catch (RuntimeException e) {
            // the API server or the admin API did not answer this time; the next look will
          }
        },
        0,
        50,
        TimeUnit.MILLISECONDS);
    long sent = StandInKubelet.nowMicros();
    RawHttp.Response first;
    try (RawHttp http = new RawHttp("127.0.0.1", stack.ports().gatewayHttp())) {
      first = http.get(HOST, "/");
    }
    long answered = StandInKubelet.nowMicros();
    assertThat(first.status() + " " + first.body().strip())
        .as("the first request through the gateway; gateway log:\n%s", tail("gateway"))
        .isEqualTo("200 " + REVISION + "@east");

    // Only the preferred cluster was scaled, through its scale subresource.
    assertThat(replicas("east")).isEqualTo(1);
    assertThat(replicas("west")).isZero();
    assertThat(recorders.get("east").puts())
        .as("scale writes to east")
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.path())
                  .startsWith(
                      "/apis/apps/v1/namespaces/"
                          + NAMESPACE
                          + "/deployments/"
                          + REVISION
                          + "/scale");
              assertThat(c.status()).isEqualTo(200);
            });
    assertThat(recorders.get("west").puts()).as("scale writes to west").isEmpty();
    // What the mock made of the subresource: the Deployment it stores, replicas changed, the rest
    // (here: the selector) kept.
    io.fabric8.kubernetes.api.model.apps.Deployment stored =
        clients.get("east").apps().deployments().inNamespace(NAMESPACE).withName(REVISION).get();
    assertThat(stored.getSpec().getSelector().getMatchLabels()).containsEntry("app", REVISION);
    List<ScaleRecorder.Call> shown = new ArrayList<>(recorders.get("east").calls().subList(0, 1));
    shown.addAll(recorders.get("east").puts());
    for (ScaleRecorder.Call c : shown) {
      System.out.printf(
          "east: %s %s -> %d %s%n",
          c.method(),
          c.path(),
          c.status(),
          c.body().length() > 600 ? c.body().substring(0, 600) + "..." : c.body());
    }
    System.out.println("east's Deployment after the scale write: " + stored);
    assertThat(kubelets.get("east").wakes()).hasSize(1);
    assertThat(kubelets.get("west").wakes()).isEmpty();
    ScaleRecorder.Call put = recorders.get("east").puts().get(0);
    System.out.printf(
        "first request answered after %.1f ms; the mock API server saw the scale PUT %.1f ms after"
            + " it was sent (answered %d); the backend took %.1f ms to start%n",
        (answered - sent) / 1000.0,
        (put.atMicros() - sent) / 1000.0,
        put.status(),
        kubelets.get("east").wakes().get(0).backendStartupMicros() / 1000.0);

    // Idle for scale-to-zero-after: back to 0, the backend stopped, cold again.
    await("east back to 0", () -> replicas("east") == 0);
    await("east's backend stopped", () -> kubelets.get("east").sleeps().size() == 1);
    await("activation cold after idle", () -> activations().equals(List.of("cold", "cold")));
    poller.shutdownNow();
    seen.add(List.of("cold", "cold")); // what the await just saw, which the poller may not have
    // Both the admin API (index 0) and the Route stored in the API server (index 1) went through
    // cold → ready → cold (waking may come between).
    for (int i = 0; i < 2; i++) {
      int source = i;
      List<String> states = new ArrayList<>();
      for (List<String> s : seen) {
        String v = s.get(source);
        if (states.isEmpty() || !states.get(states.size() - 1).equals(v)) {
          states.add(v);
        }
      }
      assertThat(states)
          .as("activation states seen (%s): %s", source == 0 ? "admin API" : "stored Route", seen)
          .containsSubsequence("cold", "ready", "cold");
    }
    assertThat(replicas("west")).isZero();
    assertThat(recorders.get("west").puts()).isEmpty();
    assertThat(recorders.get("east").puts()).extracting(c -> c.path().split("\\?")[0]).hasSize(2);
    assertThat(kubelets.get("east").problems()).isEmpty();
    assertThat(kubelets.get("west").problems()).isEmpty();
  }

  /**
   * {@code status.traffic[].activation} of {@code cold-00001}: as the admin API answers it, then as
   * the Route stored in the config cluster's API server says ({@code ""} when absent).
   */
  private List<String> activations() {
    String admin = "";
    try {
      for (JsonNode r : stack.routes()) {
        if (r.path("name").asText().equals("cold")) {
          for (JsonNode t : r.path("status").path("traffic")) {
            if (t.path("revisionName").asText().equals(REVISION)) {
              admin = t.path("activation").asText("");
            }
          }
        }
      }
    } catch (java.io.IOException e) {
      admin = "unreadable: " + e.getMessage();
    }
    String stored = "";
    GenericKubernetesResource route =
        clients
            .get("east")
            .genericKubernetesResources("weir.dev/v1alpha1", "Route")
            .inNamespace(NAMESPACE)
            .withName("cold")
            .get();
    Object traffic = route == null ? null : route.get("status", "traffic");
    if (traffic instanceof List<?> targets) {
      for (Object t : targets) {
        if (t instanceof Map<?, ?> m && REVISION.equals(m.get("revisionName"))) {
          stored = String.valueOf(m.get("activation"));
        }
      }
    }
    List<String> both = new ArrayList<>();
    both.add(admin);
    both.add(stored);
    return both;
  }

  private int replicas(String cluster) {
    Integer r =
        clients
            .get(cluster)
            .apps()
            .deployments()
            .inNamespace(NAMESPACE)
            .withName(REVISION)
            .get()
            .getSpec()
            .getReplicas();
    return r == null ? 1 : r;
  }

  /** Polls {@code condition} every 50 ms for up to {@link #PATIENCE}; fails with what it saw. */
  private void await(String what, Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.get()) {
      stack.controller().requireAlive();
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after %d s waiting for %s: activations %s, replicas east %d west %d, scale"
                    .formatted(
                        PATIENCE.toSeconds(),
                        what,
                        activations(),
                        replicas("east"),
                        replicas("west"))
                + " calls "
                + recorders.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue().calls())
                    .toList()
                + ", kubelets' problems "
                + kubelets.values().stream().map(StandInKubelet::problems).toList()
                + "; controller log:\n"
                + tail("controller"));
      }
      Thread.sleep(50);
    }
  }

  private String tail(String process) {
    return Processes.tail(processes.logDir().resolve(process + ".log"), 40);
  }
}
