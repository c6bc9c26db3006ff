package dev.weir.controller.e2e;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.WeirControllerApplication;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.testing.ProxylessGrpc;
import dev.weir.xds.server.XdsServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Rollouts wired end to end in the controller application on folder clusters: a proxyless grpc-xds
 * client is the data plane (it ACKs every step and reports load over LRS), real gRPC backends
 * answer, one of them failing a third of its calls, and a steady stream of calls is the traffic the
 * analysis judges.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RolloutEndToEndTest {

  private static final String SCHEME = "weir-rollout-e2e";
  private static final String HOST = "hello.default.example.com";
  private static final Duration PATIENCE = Duration.ofSeconds(40);

  @TempDir static Path dir;
  private final List<Server> backends = new java.util.ArrayList<>();
  private ConfigurableApplicationContext app;
  private ManagedChannel main;
  private int adminPort;
  private Path routeFile;
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
  private final AtomicLong failures = new AtomicLong();
  private Thread load;

  @BeforeAll
  void start() throws IOException {
    StringBuilder revisions = new StringBuilder();
    for (String revision : List.of("hello-00001", "hello-00002", "hello-00003")) {
      Server server = backend(revision, revision.equals("hello-00003") ? 3 : 0);
      backends.add(server);
      revisions.append(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: %1$s, namespace: default}
          spec: {ports: [{name: grpc, port: 50051}]}
          ---
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: %1$s-e2e
            namespace: default
            labels: {kubernetes.io/service-name: %1$s}
          addressType: IPv4
          ports: [{name: grpc, port: %2$d}]
          endpoints: [{addresses: ["127.0.0.1"]}]
          ---
          """
              .formatted(revision, server.getPort()));
    }
    Path clusters = FolderClusters.copyTo(dir);
    Path east = dir.resolve("east");
    Files.delete(east.resolve("revisions.yaml"));
    Files.delete(dir.resolve("west/revisions.yaml"));
    Files.writeString(east.resolve("revisions.yaml"), revisions);
    routeFile = east.resolve("route.yaml");
    FolderClusters.write(routeFile, route("hello-00001"));
    FolderClusters.write(
        east.resolve("rollout.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Rollout
        metadata: {name: hello, namespace: default}
        spec:
          routeRef: {name: hello}
          steps:
          - setWeight: 20
          - pause: {duration: 2s}
          - setWeight: 60
          - pause: {duration: 2s}
          analysis:
            minRequests: 20
            successRate: {min: 95}
          onFailure: Rollback
          progressDeadline: 60s
        """);

    app =
        SpringApplication.run(
            WeirControllerApplication.class,
            "--weir.clusters-file=" + clusters,
            "--weir.xds.port=0",
            "--weir.xds.load-reporting-interval=200ms",
            "--weir.admin.write-enabled=true",
            "--server.port=0");
    adminPort = ((WebServerApplicationContext) app).getWebServer().getPort();
    int xdsPort = app.getBean(XdsServer.class).port();
    ProxylessGrpc.registerScheme(
        SCHEME, ProxylessGrpc.bootstrap(xdsPort, "rollout-client", "e2e", "us-east", "us-east-1a"));
    main = ProxylessGrpc.channel(SCHEME, HOST);
    load = new Thread(this::load, "rollout-e2e-load");
    load.setDaemon(true);
    load.start();
  }

  @AfterAll
  void stop() throws InterruptedException {
    loading.set(false);
    if (load != null) {
      load.join(5000);
    }
    if (main != null) {
      main.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.close();
    }
    backends.forEach(Server::shutdownNow);
  }

  @Test
  @Order(1)
  void theFirstGenerationIsServedAtOnce() throws Exception {
    eventually(
        PATIENCE,
        () -> {
          assertThat(answers).containsKey("hello-00001");
          JsonNode r = rollout();
          assertThat(r.path("phase").asText()).isEqualTo("Succeeded");
          assertThat(traffic(route())).isEqualTo(Map.of("hello-00001", 100));
        });
  }

  @Test
  @Order(2)
  void aHealthyCandidateWalksTheStepsToTheSpecSplitWithoutAFailedCall() throws Exception {
    long failedBefore = failures.get();
    FolderClusters.write(routeFile, route("hello-00002"));

    // The first step: 20% of the way, shown in the Route's status, Ready Unknown meanwhile.
    eventually(
        PATIENCE,
        () -> {
          JsonNode route = route();
          assertThat(traffic(route)).isEqualTo(Map.of("hello-00001", 80, "hello-00002", 20));
          assertThat(condition(route, "RolloutReady").path("reason").asText())
              .isEqualTo("RolloutInProgress");
          assertThat(condition(route, "Ready").path("status").asText()).isEqualTo("Unknown");
        });
    eventually(
        PATIENCE,
        () -> {
          JsonNode r = rollout();
          assertThat(r.path("phase").asText()).isEqualTo("Succeeded");
          assertThat(traffic(route())).isEqualTo(Map.of("hello-00002", 100));
          assertThat(condition(route(), "RolloutReady").isMissingNode()).isTrue();
        });
    JsonNode r = rollout();
    assertThat(r.path("verdicts").findValuesAsText("verdict")).contains("Pass");
    assertThat(r.path("history").findValuesAsText("reason")).contains("RolloutStarted");
    assertThat(r.path("applied").path("applied").asInt())
        .isEqualTo(r.path("applied").path("connected").asInt())
        .isPositive();
    assertThat(failures.get() - failedBefore).as("failed calls during the rollout").isZero();
    assertThat(Files.exists(dir.resolve(WeirController.STATE_FILE))).isTrue();

    String metrics = text("/actuator/prometheus");
    assertThat(metrics)
        .contains(
            "weir_rollout_phase{name=\"hello\",namespace=\"default\",phase=\"Succeeded\"} 1.0")
        .contains(
            "weir_rollout_weight{kind=\"applied\",name=\"hello\",namespace=\"default\"} 100.0")
        .contains("weir_rollout_verdicts_total{verdict=\"Pass\"}")
        .contains("weir_rollout_step_apply_seconds_count");
  }

  @Test
  @Order(3)
  void aCandidateFailingAThirdOfItsCallsIsRolledBack() throws Exception {
    FolderClusters.write(routeFile, route("hello-00003"));
    eventually(
        PATIENCE,
        () -> {
          JsonNode r = rollout();
          assertThat(r.path("phase").asText()).isEqualTo("RolledBack");
          JsonNode route = route();
          assertThat(traffic(route)).isEqualTo(Map.of("hello-00002", 100));
          JsonNode ready = condition(route, "Ready");
          assertThat(ready.path("status").asText()).isEqualTo("False");
          assertThat(ready.path("reason").asText()).isEqualTo("RolloutFailed");
          assertThat(ready.path("message").asText())
              .contains("hello-00003")
              .contains("successRate");
        });
  }

  @Test
  @Order(4)
  void abortRetryAndPromoteThroughTheAdminApi() throws Exception {
    FolderClusters.write(routeFile, route("hello-00001"));
    eventually(
        PATIENCE,
        () -> assertThat(traffic(route())).isEqualTo(Map.of("hello-00001", 20, "hello-00002", 80)));

    HttpResponse<String> abort = post("/api/v1/rollouts/default/hello/abort");
    assertThat(abort.statusCode()).as(abort.body()).isEqualTo(200);
    assertThat(json(abort.body()).path("phase").asText()).isEqualTo("RolledBack");
    eventually(
        PATIENCE,
        () -> {
          JsonNode route = route();
          assertThat(traffic(route)).isEqualTo(Map.of("hello-00002", 100));
          assertThat(condition(route, "Ready").path("reason").asText()).isEqualTo("RolloutAborted");
        });

    HttpResponse<String> retry = post("/api/v1/rollouts/default/hello/retry");
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
    assertThat(json(retry.body()).path("phase").asText()).isEqualTo("Progressing");

    HttpResponse<String> promote = post("/api/v1/rollouts/default/hello/promote?full=true");
    assertThat(promote.statusCode()).as(promote.body()).isEqualTo(200);
    eventually(
        PATIENCE,
        () -> {
          assertThat(rollout().path("phase").asText()).isEqualTo("Succeeded");
          assertThat(traffic(route())).isEqualTo(Map.of("hello-00001", 100));
        });

    assertThat(post("/api/v1/rollouts/default/hello/explode").statusCode()).isEqualTo(400);
    assertThat(post("/api/v1/rollouts/default/nope/abort").statusCode()).isEqualTo(404);
  }

  // ------------------------------------------------------------------------------------------

  /** A backend that answers its name, failing every {@code failEvery}th call (0: never). */
  private static Server backend(String name, int failEvery) throws IOException {
    AtomicLong calls = new AtomicLong();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("weir.test.Backend")
            .addMethod(
                ProxylessGrpc.WHO,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      if (failEvery > 0 && calls.incrementAndGet() % failEvery == 0) {
                        response.onError(
                            Status.UNAVAILABLE.withDescription(name + " fails").asException());
                        return;
                      }
                      response.onNext(name);
                      response.onCompleted();
                    }))
            .build();
    return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(service)
        .build()
        .start();
  }

  /** About 200 calls a second until the class ends; counts answers per revision and failures. */
  private void load() {
    while (loading.get()) {
      try {
        String who =
            ClientCalls.blockingUnaryCall(
                main,
                ProxylessGrpc.WHO,
                CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS),
                "");
        answers.computeIfAbsent(who, k -> new AtomicLong()).incrementAndGet();
      } catch (RuntimeException e) {
        if (!answers.isEmpty()) {
          failures.incrementAndGet();
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static String route(String revision) {
    return """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: hello, namespace: default}
        spec:
          traffic:
          - {revisionName: %s, percent: 100}
        """
        .formatted(revision);
  }

  private JsonNode route() throws Exception {
    return get("/api/v1/routes").get(0);
  }

  private JsonNode rollout() throws Exception {
    JsonNode all = get("/api/v1/rollouts");
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  private static Map<String, Integer> traffic(JsonNode route) {
    Map<String, Integer> split = new java.util.TreeMap<>();
    for (JsonNode t : route.path("status").path("traffic")) {
      if (t.path("percent").asInt() > 0) {
        split.merge(t.path("revisionName").asText(), t.path("percent").asInt(), Integer::sum);
      }
    }
    return split;
  }

  private static JsonNode condition(JsonNode route, String type) {
    for (JsonNode c : route.path("status").path("conditions")) {
      if (c.path("type").asText().equals(type)) {
        return c;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return json(response.body());
  }

  private String text(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private HttpResponse<String> post(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(String body) throws IOException {
    return new ObjectMapper().readTree(body);
  }
}
