package dev.weir.controller;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.clusters.ClustersFileException;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
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
    // A wildcard certificate as the clusters file's default Secret, as base64 data in a Secret
    // file.
    try {
      Files.writeString(
          file,
          "tls: {defaultSecret: default/wildcard, httpOption: Redirected}\n",
          java.nio.file.StandardOpenOption.APPEND);
      Files.writeString(
          dir.resolve("east/tls.yaml"),
          """
          apiVersion: v1
          kind: Secret
          type: kubernetes.io/tls
          metadata: {name: wildcard, namespace: default}
          data:
            tls.crt: %s
            tls.key: %s
          """
              .formatted(base64(WILDCARD.chainPem()), base64(WILDCARD.keyPem())));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    registry.add("weir.clusters-file", file::toString);
    registry.add("weir.xds.port", () -> "0");
  }

  private static final TestPki.Issued WILDCARD =
      TestPki.newAuthority("weir test CA").issue("*.default.example.com");

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void servesRoutesWithTheirStatus() {
    eventually(
        () -> {
          JsonNode routes = get("/api/v1/routes");
          assertThat(routes).hasSize(1);
          JsonNode route = routes.get(0);
          assertThat(route.get("cluster").asText()).isEqualTo("east");
          assertThat(route.get("namespace").asText()).isEqualTo("default");
          assertThat(route.get("name").asText()).isEqualTo("hello");
          assertThat(route.at("/spec/traffic/1/tag").asText()).isEqualTo("canary");
          assertThat(route.at("/status/url").asText())
              .isEqualTo("https://hello.default.example.com");
          assertThat(route.at("/status/traffic/1/url").asText())
              .isEqualTo("https://canary-hello.default.example.com");
          assertThat(route.at("/status/traffic/0/revisionName").asText()).isEqualTo("hello-00001");
          assertThat(route.at("/status/conditions/0/type").asText())
              .isEqualTo("AllTrafficAssigned");
          assertThat(route.at("/status/conditions/0/status").asText()).isEqualTo("True");
        });
  }

  @Test
  void servesClustersModelHealthAndMetrics() throws Exception {
    eventually(
        () -> {
          JsonNode clusters = get("/api/v1/clusters");
          assertThat(clusters.get("domain").asText()).isEqualTo("example.com");
          assertThat(clusters.get("clusters")).hasSize(2);
          assertThat(clusters.at("/clusters/1/cluster").asText()).isEqualTo("west");
          assertThat(clusters.at("/clusters/1/state").asText()).isEqualTo("Ready");
          assertThat(clusters.get("tls").toString())
              .isEqualTo(
                  "{\"defaultSecret\":\"default/wildcard\","
                      + "\"httpOption\":\"Redirected\",\"valid\":true,\"servingLastValid\":false}");
          assertThat(get("/api/v1/model").get("virtualHosts")).hasSize(2);
        });
    assertThat(get("/api/v1/dataplanes").isArray()).isTrue();
    assertThat(get("/actuator/health").get("status").asText()).isEqualTo("UP");
    String metrics = text("/actuator/prometheus");
    assertThat(metrics)
        .contains(
            "weir_controller_rebuilds_total",
            "weir_controller_rebuild_duration",
            "weir_controller_routes{state=\"ready\"}");
  }

  @Test
  void theModelShowsCertificatesButNeverTheirKeys() throws Exception {
    eventually(
        () -> {
          JsonNode model = get("/api/v1/model");
          assertThat(model.get("httpOption").asText()).isEqualTo("REDIRECTED");
          assertThat(model.get("certificates")).hasSize(1);
          assertThat(model.at("/certificates/0/name").asText()).isEqualTo("default/wildcard");
          assertThat(model.at("/certificates/0/fallback").asBoolean()).isTrue();
          assertThat(model.at("/certificates/0/serverNames").toString())
              .isEqualTo("[\"canary-hello.default.example.com\",\"hello.default.example.com\"]");
        });
    String key = WILDCARD.keyBody();
    for (String path :
        List.of("/api/v1/model", "/api/v1/routes", "/api/v1/clusters", "/api/v1/dataplanes")) {
      assertThat(text(path))
          .as(path)
          .doesNotContain("PRIVATE KEY")
          .doesNotContain(key.substring(0, 40))
          .doesNotContain(key.substring(key.length() - 40))
          .doesNotContain(base64(WILDCARD.keyPem()).substring(0, 40));
    }
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void missingOrWrongClustersFileStopsStartupWithOneLine() throws Exception {
    assertThatThrownBy(
            () ->
                SpringApplication.run(
                    WeirControllerApplication.class, "--server.port=0", "--weir.xds.port=0"))
        .hasRootCauseInstanceOf(ClustersFileException.class)
        .rootCause()
        .hasMessageStartingWith("weir.clusters-file: missing");

    Path wrong = Files.writeString(dir.resolve("wrong.yaml"), "domain: x.com\nclusters: []\n");
    assertThatThrownBy(
            () ->
                SpringApplication.run(
                    WeirControllerApplication.class,
                    "--server.port=0",
                    "--weir.xds.port=0",
                    "--weir.clusters-file=" + wrong))
        .rootCause()
        .hasMessage(
            "clusters file "
                + wrong
                + ": clusters: missing or empty (expected: a list of"
                + " clusters)");
  }

  @Test
  void plaintextXdsOnANonLoopbackAddressIsRefused() {
    Path file = dir.resolve("clusters.yaml");
    assertThatThrownBy(
            () ->
                SpringApplication.run(
                    WeirControllerApplication.class,
                    "--server.port=0",
                    "--weir.xds.port=0",
                    "--weir.xds.bind-address=0.0.0.0",
                    "--weir.clusters-file=" + file))
        .rootCause()
        .isInstanceOf(ConfigurationProblem.class)
        .hasMessage(
            "weir.xds.bind-address: 0.0.0.0 is not loopback (expected: loopback for"
                + " plaintext xDS, or weir.xds.tls.cert-chain and weir.xds.tls.private-key, or"
                + " weir.xds.allow-plaintext-on-non-loopback=true)");
  }

  private JsonNode get(String path) throws Exception {
    return json.readTree(text(path));
  }

  private String text(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
    return response.body();
  }
}
