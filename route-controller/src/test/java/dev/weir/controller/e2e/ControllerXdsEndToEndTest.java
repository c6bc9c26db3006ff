package dev.weir.controller.e2e;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.ListenableFuture;
import dev.weir.controller.WeirControllerApplication;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.testing.ProxylessGrpc;
import dev.weir.xds.server.XdsServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * The controller application on a folder cluster serves xDS, and a proxyless grpc-xds client
 * reaches three real gRPC backends by the Route's weights, its tag host and its tag header.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ControllerXdsEndToEndTest {

  private static final String SCHEME = "weir-controller-e2e";
  private static final String HOST = "hello.default.example.com";
  private static final int CALLS = 1000;

  @TempDir static Path dir;
  private final Map<String, Server> backends = new TreeMap<>();
  private ConfigurableApplicationContext app;
  private ManagedChannel main;
  private ManagedChannel tagged;
  private int adminPort;

  @BeforeAll
  void start() throws IOException {
    StringBuilder revisions = new StringBuilder();
    for (String revision : List.of("hello-00001", "hello-00002", "hello-00003")) {
      Server server = ProxylessGrpc.startBackend(revision);
      backends.put(revision, server);
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
    FolderClusters.write(east.resolve("route.yaml"), route(50, 30, 20));

    app =
        SpringApplication.run(
            WeirControllerApplication.class,
            "--weir.clusters-file=" + clusters,
            "--weir.xds.port=0",
            "--server.port=0");
    adminPort = ((WebServerApplicationContext) app).getWebServer().getPort();
    int xdsPort = app.getBean(XdsServer.class).port();

    // Its own scheme with the bootstrap given directly, so no JVM-wide setting leaks to other
    // tests.
    ProxylessGrpc.registerScheme(
        SCHEME, ProxylessGrpc.bootstrap(xdsPort, "e2e-client", "e2e", "us-east", "us-east-1a"));
    main = ProxylessGrpc.channel(SCHEME, HOST);
    tagged = ProxylessGrpc.channel(SCHEME, "canary-" + HOST);
  }

  @AfterAll
  void stop() throws InterruptedException {
    for (ManagedChannel c : new ManagedChannel[] {main, tagged}) {
      if (c != null) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    if (app != null) {
      app.close();
    }
    for (Server s : backends.values()) {
      s.shutdownNow();
    }
  }

  @Test
  @Order(1)
  void callsAreSpreadByTheRoutesWeights() {
    eventually(() -> assertThat(call(main)).isNotEmpty());
    Map<String, Integer> spread = spread(main, CALLS);
    assertShare(spread, "hello-00001", 0.5);
    assertShare(spread, "hello-00002", 0.3);
    assertShare(spread, "hello-00003", 0.2);
  }

  @Test
  @Order(2)
  void tagHostAndTagHeaderReachOnlyTheTaggedRevision() {
    eventually(() -> assertThat(call(tagged)).isEqualTo("hello-00003"));
    assertThat(spread(tagged, 100)).containsOnlyKeys("hello-00003");

    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("weir-tag", Metadata.ASCII_STRING_MARSHALLER), "canary");
    Channel withTag =
        ClientInterceptors.intercept(main, MetadataUtils.newAttachHeadersInterceptor(headers));
    assertThat(spread(withTag, 100)).containsOnlyKeys("hello-00003");
  }

  @Test
  @Order(3)
  void routeIsReadyOnceTheClientAppliedItAndTheAdminApiShowsTheClient() {
    eventually(
        () -> {
          JsonNode route = get("/api/v1/routes").get(0);
          assertThat(route.at("/status/conditions/2/type").asText()).isEqualTo("Ready");
          assertThat(route.at("/status/conditions/2/status").asText()).isEqualTo("True");
          JsonNode planes = get("/api/v1/dataplanes");
          assertThat(planes).hasSize(1);
          assertThat(planes.at("/0/nodeId").asText()).isEqualTo("e2e-client");
          assertThat(planes.at("/0/region").asText()).isEqualTo("us-east");
          assertThat(planes.at("/0/appliedModelRevision").asLong()).isPositive();
        });
  }

  @Test
  @Order(4)
  void editingTheRouteFileChangesTheSpread() {
    FolderClusters.write(dir.resolve("east/route.yaml"), route(0, 10, 90));

    eventually(() -> assertThat(spread(main, 200).getOrDefault("hello-00001", 0)).isZero());
    Map<String, Integer> spread = spread(main, CALLS);
    assertShare(spread, "hello-00002", 0.1);
    assertShare(spread, "hello-00003", 0.9);
    eventually(
        () ->
            assertThat(get("/api/v1/routes").at("/0/status/observedGeneration").asLong())
                .isEqualTo(2));
  }

  private static String route(int first, int second, int third) {
    return """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: hello, namespace: default}
        spec:
          traffic:
          - {revisionName: hello-00001, percent: %d}
          - {revisionName: hello-00002, percent: %d}
          - {revisionName: hello-00003, percent: %d, tag: canary}
        """
        .formatted(first, second, third);
  }

  /**
   * One call, bounded by a wait of our own as well as the gRPC deadline, so a call stuck in the
   * client can only fail this test, never hang the build.
   */
  private static String call(Channel channel) {
    ListenableFuture<String> reply =
        ClientCalls.futureUnaryCall(
            channel.newCall(
                ProxylessGrpc.WHO,
                CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS)),
            "");
    try {
      return reply.get(15, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      reply.cancel(true);
      throw new AssertionError("call not answered within 15 s", e);
    } catch (ExecutionException e) {
      throw new AssertionError("call failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static Map<String, Integer> spread(Channel channel, int calls) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(call(channel), 1, Integer::sum);
    }
    return counts;
  }

  /** Within 6 points of the expected share: several standard deviations at 1,000 calls. */
  private static void assertShare(Map<String, Integer> spread, String revision, double expected) {
    double total = spread.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(spread.getOrDefault(revision, 0) / total)
        .as(revision + " in " + spread)
        .isCloseTo(expected, within(0.06));
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }
}
