package dev.weir.controller;

import static dev.weir.controller.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.clusters.ClustersFileException;
import dev.weir.controller.testing.FolderClusters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The real application on the example folder clusters, asked over HTTP on a random port. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WeirControllerApplicationTest {

  @TempDir static Path dir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    Path file = FolderClusters.copyTo(dir);
    registry.add("weir.clusters-file", file::toString);
    registry.add("weir.xds.port", () -> "0");
  }

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void servesRoutesWithTheirStatus() {
    eventually(() -> {
      JsonNode routes = get("/api/v1/routes");
      assertThat(routes).hasSize(1);
      JsonNode route = routes.get(0);
      assertThat(route.get("cluster").asText()).isEqualTo("east");
      assertThat(route.get("namespace").asText()).isEqualTo("default");
      assertThat(route.get("name").asText()).isEqualTo("hello");
      assertThat(route.at("/spec/traffic/1/tag").asText()).isEqualTo("canary");
      assertThat(route.at("/status/url").asText()).isEqualTo("http://hello.default.example.com");
      assertThat(route.at("/status/traffic/0/revisionName").asText()).isEqualTo("hello-00001");
      assertThat(route.at("/status/conditions/0/type").asText()).isEqualTo("AllTrafficAssigned");
      assertThat(route.at("/status/conditions/0/status").asText()).isEqualTo("True");
    });
  }

  @Test
  void servesClustersModelHealthAndMetrics() throws Exception {
    eventually(() -> {
      JsonNode clusters = get("/api/v1/clusters");
      assertThat(clusters.get("domain").asText()).isEqualTo("example.com");
      assertThat(clusters.get("clusters")).hasSize(2);
      assertThat(clusters.at("/clusters/1/cluster").asText()).isEqualTo("west");
      assertThat(clusters.at("/clusters/1/state").asText()).isEqualTo("Ready");
      assertThat(get("/api/v1/model").get("virtualHosts")).hasSize(2);
    });
    assertThat(get("/api/v1/dataplanes").isArray()).isTrue();
    assertThat(get("/actuator/health").get("status").asText()).isEqualTo("UP");
    String metrics = text("/actuator/prometheus");
    assertThat(metrics).contains("weir_controller_rebuilds_total", "weir_controller_rebuild_duration",
        "weir_controller_routes{state=\"ready\"}");
  }

  @Test
  void missingOrWrongClustersFileStopsStartupWithOneLine() throws Exception {
    assertThatThrownBy(() -> SpringApplication.run(WeirControllerApplication.class,
            "--server.port=0", "--weir.xds.port=0"))
        .hasRootCauseInstanceOf(ClustersFileException.class)
        .rootCause()
        .hasMessageStartingWith("weir.clusters-file: missing");

    Path wrong = Files.writeString(dir.resolve("wrong.yaml"), "domain: x.com\nclusters: []\n");
    assertThatThrownBy(() -> SpringApplication.run(WeirControllerApplication.class,
            "--server.port=0", "--weir.xds.port=0", "--weir.clusters-file=" + wrong))
        .rootCause()
        .hasMessage("clusters file " + wrong + ": clusters: missing or empty (expected: a list of"
            + " clusters)");
  }

  @Test
  void plaintextXdsOnANonLoopbackAddressIsRefused() {
    Path file = dir.resolve("clusters.yaml");
    assertThatThrownBy(() -> SpringApplication.run(WeirControllerApplication.class,
            "--server.port=0", "--weir.xds.port=0", "--weir.xds.bind-address=0.0.0.0",
            "--weir.clusters-file=" + file))
        .rootCause()
        .isInstanceOf(ConfigurationProblem.class)
        .hasMessage("weir.xds.bind-address: 0.0.0.0 is not loopback (expected: loopback for"
            + " plaintext xDS, or weir.xds.tls.cert-chain and weir.xds.tls.private-key, or"
            + " weir.xds.allow-plaintext-on-non-loopback=true)");
  }

  private JsonNode get(String path) throws Exception {
    return json.readTree(text(path));
  }

  private String text(String path) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
    return response.body();
  }
}
