package dev.weir.controller.e2e;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.WeirControllerApplication;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.xds.dialect.LoadReports;
import dev.weir.xds.server.XdsServer;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Scale from zero in the controller application on two folder clusters: a revision whose Service
 * asks to be scaled ({@code weir.dev/scale-target}) sits at 0 in both; a data plane in us-west
 * holds a request for it and says so over LRS, as the gateway does; the controller sets the west
 * Deployment's {@code replicas} to 1 (and changes nothing else), reports the revision {@code
 * waking}, then {@code ready} once its EndpointSlice is there (the test stands in for the kubelet),
 * and back to 0 after {@code scale-to-zero-after} without a request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@SuppressWarnings("NullAway.Init")
class ScaleFromZeroEndToEndTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private ConfigurableApplicationContext app;
  private int adminPort;
  private ManagedChannel channel;
  private StreamObserver<LoadStatsRequest> lrs;
  private Path eastCold;
  private Path westCold;
  private String westColdText;
  private String eastColdText;

  private static String cold(String cluster, String address) {
    return """
        # the preview revision sleeps at zero until asked for
        apiVersion: v1
        kind: Service
        metadata:
          name: hello-00003
          namespace: default
          annotations:
            weir.dev/scale-target: deployment/hello-00003
            weir.dev/scale-to-zero-after: 3s
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: hello-00003, namespace: default}
        spec:
          replicas: 0   # %s: Weir wakes it on demand
          selector: {matchLabels: {app: hello-00003}}
          template:
            metadata: {labels: {app: hello-00003}}
            spec: {containers: [{name: hello, image: "example/hello:%s"}]}
        """
        .formatted(cluster, address);
  }

  @BeforeAll
  void start() throws Exception {
    Path clusters = FolderClusters.copyTo(dir);
    eastCold = dir.resolve("east/cold.yaml");
    westCold = dir.resolve("west/cold.yaml");
    eastColdText = cold("east", "1");
    westColdText = cold("west", "2");
    Files.writeString(eastCold, eastColdText);
    Files.writeString(westCold, westColdText);
    FolderClusters.write(
        dir.resolve("east/sleepy.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: sleepy, namespace: default}
        spec:
          traffic:
          - {revisionName: hello-00001, percent: 100}
          - {revisionName: hello-00003, percent: 0, tag: preview}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: gone-00001
          namespace: default
          annotations: {weir.dev/scale-target: deployment/gone-00001}
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: gone, namespace: default}
        spec:
          traffic:
          - {revisionName: gone-00001, percent: 100}
        """);
    app =
        org.springframework.boot.SpringApplication.run(
            WeirControllerApplication.class,
            "--weir.clusters-file=" + clusters,
            "--weir.xds.port=0",
            "--server.port=0");
    adminPort = ((WebServerApplicationContext) app).getWebServer().getPort();
    int xdsPort = app.getBean(XdsServer.class).port();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (lrs != null) {
      lrs.onCompleted();
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.close();
    }
  }

  @Test
  @Order(1)
  void aRevisionAtZeroIsColdAndAMissingTargetMakesItsRouteNotReady() {
    eventually(
        PATIENCE,
        () -> {
          assertThat(activation(route("sleepy"), "hello-00003")).isEqualTo("cold");
          assertThat(activation(route("sleepy"), "hello-00001")).isEmpty();
          JsonNode ready = condition(route("gone"), "Ready");
          assertThat(ready.path("status").asText()).isEqualTo("False");
          assertThat(ready.path("reason").asText()).isEqualTo("ScaleTargetUnavailable");
          assertThat(ready.path("message").asText())
              .isEqualTo(
                  "revision default/gone-00001 cannot be woken: deployment/gone-00001 not found in"
                      + " namespace default under "
                      + dir.resolve("east"));
        });
  }

  @Test
  @Order(2)
  void demandFromAWestDataPlaneWakesTheWestTargetChangingOnlyItsReplicas() throws Exception {
    lrs = stream("gateway-west", "us-west", "us-west-1b");
    long sent = System.nanoTime();
    lrs.onNext(report(held("default/hello-00003", 1, 1)));

    eventually(
        PATIENCE,
        () ->
            assertThat(Files.readString(westCold))
                .isEqualTo(westColdText.replace("replicas: 0   # west", "replicas: 1   # west")));
    Duration toWrite = Duration.ofNanos(System.nanoTime() - sent);
    assertThat(Files.readString(eastCold)).isEqualTo(eastColdText);
    eventually(
        PATIENCE, () -> assertThat(activation(route("sleepy"), "hello-00003")).isEqualTo("waking"));
    System.out.printf("demand to the scale write: %d ms%n", toWrite.toMillis());
  }

  @Test
  @Order(3)
  void itIsReadyOnceAnEndpointIsReadyAndSleepsAgainWhenIdle() throws Exception {
    // The kubelet's part: the pod is up and ready.
    Path slice = dir.resolve("west/cold-slice.yaml");
    FolderClusters.write(
        slice,
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: hello-00003-west
          namespace: default
          labels: {kubernetes.io/service-name: hello-00003}
        addressType: IPv4
        ports: [{name: http, port: 9083}]
        endpoints: [{addresses: ["127.0.0.2"]}]
        """);
    eventually(
        PATIENCE, () -> assertThat(activation(route("sleepy"), "hello-00003")).isEqualTo("ready"));
    // Served requests keep it awake; then none for scale-to-zero-after (3s): back to 0.
    lrs.onNext(report(held("default/hello-00003", 0, 0)));
    eventually(PATIENCE, () -> assertThat(Files.readString(westCold)).isEqualTo(westColdText));
    Files.delete(slice);
    eventually(
        PATIENCE, () -> assertThat(activation(route("sleepy"), "hello-00003")).isEqualTo("cold"));
    String metrics = text("/actuator/prometheus");
    assertThat(metrics)
        .contains("weir_controller_scale_operations_total{direction=\"up\",result=\"ok\"} 1.0")
        .contains("weir_controller_scale_operations_total{direction=\"down\",result=\"ok\"} 1.0");
  }

  private StreamObserver<LoadStatsRequest> stream(String id, String region, String zone) {
    StreamObserver<LoadStatsRequest> requests =
        LoadReportingServiceGrpc.newStub(channel)
            .streamLoadStats(
                new StreamObserver<LoadStatsResponse>() {
                  @Override
                  public void onNext(LoadStatsResponse value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    node =
        Node.newBuilder()
            .setId(id)
            .setLocality(Locality.newBuilder().setRegion(region).setZone(zone))
            .build();
    requests.onNext(LoadStatsRequest.newBuilder().setNode(node).build());
    return requests;
  }

  private Node node;

  private LoadStatsRequest report(ClusterStats stats) {
    return LoadStatsRequest.newBuilder().setNode(node).addClusterStats(stats).build();
  }

  /** A cluster's stats as the gateway sends held requests: in its own locality. */
  private static ClusterStats held(String cluster, long heldNow, long started) {
    return ClusterStats.newBuilder()
        .setClusterName(cluster)
        .addUpstreamLocalityStats(
            UpstreamLocalityStats.newBuilder()
                .setLocality(Locality.newBuilder().setRegion("us-west").setZone("us-west-1b"))
                .addLoadMetricStats(
                    EndpointLoadMetricStats.newBuilder()
                        .setMetricName(LoadReports.HELD_REQUESTS_METRIC)
                        .setNumRequestsFinishedWithMetric(started)
                        .setTotalMetricValue(heldNow)))
        .build();
  }

  private JsonNode route(String name) throws Exception {
    for (JsonNode r : json(text("/api/v1/routes"))) {
      if (r.path("name").asText().equals(name)) {
        return r;
      }
    }
    throw new AssertionError("no route " + name);
  }

  private static String activation(JsonNode route, String revision) {
    for (JsonNode t : route.path("status").path("traffic")) {
      if (t.path("revisionName").asText().equals(revision)) {
        return t.path("activation").asText("");
      }
    }
    throw new AssertionError("no traffic entry of " + revision + " in " + route);
  }

  private static JsonNode condition(JsonNode route, String type) {
    for (JsonNode c : route.path("status").path("conditions")) {
      if (c.path("type").asText().equals(type)) {
        return c;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
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

  private static JsonNode json(String body) throws Exception {
    return new ObjectMapper().readTree(body);
  }
}
