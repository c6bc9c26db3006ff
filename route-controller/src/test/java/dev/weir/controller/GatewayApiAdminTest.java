package dev.weir.controller;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.testing.FolderClusters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The admin API's Gateway API lists ({@code /api/v1/gatewayclasses}, {@code gateways}, {@code
 * httproutes}, {@code grpcroutes}) on the example folder clusters plus Gateway API objects.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayApiAdminTest {

  @TempDir static Path dir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    Path file = FolderClusters.copyTo(dir);
    Files.writeString(
        dir.resolve("east/gateway-api.yaml"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: weir}
        spec: {controllerName: weir.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: weir
          listeners:
          - {name: http, port: 80, protocol: HTTP}
          - {name: other, port: 8081, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs: [{name: gw, sectionName: http}]
          hostnames: [shop.example.net]
          rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
        ---
        # Written by a cluster's controllers before it was copied here: Weir's entry is stale
        # (the route names only another controller's Gateway now).
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: moved, namespace: default}
        spec:
          parentRefs: [{name: theirs}]
          rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
        status:
          parents:
          - parentRef: {group: gateway.networking.k8s.io, kind: Gateway, name: gw}
            controllerName: weir.dev/gateway-controller
            conditions: [{type: Accepted, status: "True", reason: Accepted, message: old, lastTransitionTime: "2026-01-01T00:00:00Z"}]
          - parentRef: {group: gateway.networking.k8s.io, kind: Gateway, name: theirs}
            controllerName: example.com/other
            conditions: [{type: Accepted, status: "True", reason: Accepted, message: theirs, lastTransitionTime: "2026-01-01T00:00:00Z"}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: api, namespace: default}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [api.example.net]
          rules: [{matches: [{method: {service: a.B}}], backendRefs: [{name: nope, port: 9000}]}]
        """);
    registry.add("weir.clusters-file", file::toString);
    registry.add("weir.xds.port", () -> "0");
    registry.add("weir.gateway-api.addresses", () -> "203.0.113.7,lb.example.com");
  }

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void listsTheObjectsWithTheirStatusAsKubernetesWouldHoldThem() {
    eventually(
        () -> {
          JsonNode classes = get("/api/v1/gatewayclasses");
          assertThat(classes).hasSize(1);
          assertThat(classes.at("/0/status/conditions/0/type").asText()).isEqualTo("Accepted");
          assertThat(classes.at("/0/status/conditions/0/status").asText()).isEqualTo("True");

          JsonNode gateways = get("/api/v1/gateways");
          assertThat(gateways).hasSize(1);
          JsonNode gw = gateways.get(0);
          assertThat(gw.get("cluster").asText()).isEqualTo("east");
          assertThat(gw.at("/metadata/generation").asLong()).isEqualTo(1);
          assertThat(gw.at("/spec/gatewayClassName").asText()).isEqualTo("weir");
          assertThat(gw.at("/status/addresses").toString())
              .isEqualTo(
                  "[{\"type\":\"IPAddress\",\"value\":\"203.0.113.7\"},"
                      + "{\"type\":\"Hostname\",\"value\":\"lb.example.com\"}]");
          assertThat(gw.at("/status/listeners/0/attachedRoutes").asInt()).isEqualTo(2);
          assertThat(gw.at("/status/listeners/1/attachedRoutes").asInt()).isEqualTo(1);
          assertThat(gw.at("/status/listeners/1/conditions/0/message").asText())
              .isEqualTo("served on Weir's HTTP listener for port 8081");

          JsonNode routes = get("/api/v1/httproutes");
          assertThat(routes).hasSize(2);
          JsonNode moved = routes.get(0);
          assertThat(moved.at("/metadata/name").asText()).isEqualTo("moved");
          assertThat(moved.at("/status/parents").findValuesAsText("controllerName"))
              .as("Weir's stale entry removed, the other controller's kept")
              .containsExactly("example.com/other");
          JsonNode parent = routes.at("/1/status/parents/0");
          assertThat(parent.get("controllerName").asText())
              .isEqualTo("weir.dev/gateway-controller");
          assertThat(parent.at("/parentRef/kind").asText()).isEqualTo("Gateway");
          assertThat(parent.at("/conditions/0/type").asText()).isEqualTo("Accepted");
          assertThat(parent.at("/conditions/0/status").asText()).isEqualTo("True");
          assertThat(parent.at("/conditions/0/observedGeneration").asLong()).isEqualTo(1);

          JsonNode grpc = get("/api/v1/grpcroutes");
          assertThat(grpc.at("/0/status/parents/0/conditions/1/reason").asText())
              .isEqualTo("BackendNotFound");

          JsonNode model = get("/api/v1/model");
          assertThat(model.get("virtualHosts").toString()).contains("shop.example.net");
        });
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return json.readTree(response.body());
  }
}
