package dev.weir.controller.e2e;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.controller.WeirControllerApplication;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.controller.tls.CertificateCheck;
import dev.weir.testing.TestPki;
import dev.weir.xds.server.XdsServer;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The controller application, fed Secrets from a folder cluster, serves over xDS exactly the
 * certificates that passed its checks: a data plane subscribed to every listener and secret gets
 * the default and a Route's own valid Secret, never the Secret whose key does not match its
 * certificate, so it has nothing to NACK; that Route reports why instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ControllerSdsEndToEndTest {

  private static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  private static final TestPki CA = TestPki.newAuthority("weir sds e2e CA");
  private static final TestPki.Issued WILDCARD = CA.issue("*.default.example.com");
  private static final TestPki.Issued OWN = CA.issue("shop.default.example.com");
  // A certificate with the key of another one: it parses, but must never be served.
  private static final TestPki.Issued BROKEN =
      new TestPki.Issued(
          CA.issue("blog.default.example.com").chainPem(),
          CA.issue("blog.default.example.com").keyPem(),
          null);

  @TempDir static Path dir;
  private ConfigurableApplicationContext app;
  private ManagedChannel channel;
  private StreamObserver<DeltaDiscoveryRequest> requests;
  private final Map<String, Map<String, Resource>> received = new ConcurrentHashMap<>();
  private final List<Throwable> streamErrors = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private int adminPort;

  @BeforeAll
  void start() throws Exception {
    Path clusters = FolderClusters.copyTo(dir);
    Files.writeString(
        clusters,
        "tls: {defaultSecret: default/wildcard, httpOption: Enabled}\n",
        StandardOpenOption.APPEND);
    Files.writeString(
        dir.resolve("east/tls.yaml"),
        secret("wildcard", WILDCARD)
            + "---\n"
            + secret("shop-tls", OWN)
            + "---\n"
            + secret("blog-tls", BROKEN));
    Files.writeString(
        dir.resolve("east/routes-tls.yaml"),
        route("shop", "shop-tls") + "---\n" + route("blog", "blog-tls"));

    app =
        SpringApplication.run(
            WeirControllerApplication.class,
            "--weir.clusters-file=" + clusters,
            "--weir.xds.port=0",
            "--server.port=0",
            "--server.address=127.0.0.1");
    adminPort = ((WebServerApplicationContext) app).getWebServer().getPort();
    int xdsPort = app.getBean(XdsServer.class).port();

    // An Envoy-like node on loopback (a stream allowed to carry keys), every listener and secret.
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", xdsPort)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    Node node =
        Node.newBuilder().setId("sds-e2e").setCluster("edge").setUserAgentName("envoy").build();
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse response) {
                    Map<String, Resource> byName =
                        received.computeIfAbsent(
                            response.getTypeUrl(), t -> new ConcurrentHashMap<>());
                    response.getResourcesList().forEach(r -> byName.put(r.getName(), r));
                    response.getRemovedResourcesList().forEach(byName::remove);
                    send(
                        DeltaDiscoveryRequest.newBuilder()
                            .setTypeUrl(response.getTypeUrl())
                            .setResponseNonce(response.getNonce())
                            .build());
                  }

                  @Override
                  public void onError(Throwable t) {
                    synchronized (streamErrors) {
                      streamErrors.add(t);
                    }
                  }

                  @Override
                  public void onCompleted() {}
                });
    send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(LISTENER).build());
    send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(SECRET).build());
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (requests != null) {
      synchronized (this) {
        requests.onCompleted();
      }
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.close();
    }
  }

  @Test
  void onlyCertificatesThatPassedTheirChecksAreSentAndTheDataPlaneNacksNothing() throws Exception {
    eventually(
        () -> {
          assertThat(received.getOrDefault(SECRET, Map.of()).keySet())
              .containsExactlyInAnyOrder("default/wildcard", "default/shop-tls");
          Listener https = listener("weir-https");
          Map<String, String> secretByHost = new java.util.TreeMap<>();
          for (FilterChain chain : https.getFilterChainsList()) {
            String secret =
                chain
                    .getTransportSocket()
                    .getTypedConfig()
                    .unpack(DownstreamTlsContext.class)
                    .getCommonTlsContext()
                    .getTlsCertificateSdsSecretConfigs(0)
                    .getName();
            chain
                .getFilterChainMatch()
                .getServerNamesList()
                .forEach(h -> secretByHost.put(h, secret));
          }
          assertThat(secretByHost)
              .containsEntry("shop.default.example.com", "default/shop-tls")
              .doesNotContainKey("blog.default.example.com");
          assertThat(new TreeSet<>(secretByHost.values())).doesNotContain("default/blog-tls");
        });
    // What was sent is what was checked: the chain and key of the Route's own Secret, as given.
    Secret shop = received.get(SECRET).get("default/shop-tls").getResource().unpack(Secret.class);
    assertThat(inline(shop.getTlsCertificate().getCertificateChain())).isEqualTo(OWN.chainPem());
    assertThat(inline(shop.getTlsCertificate().getPrivateKey())).isEqualTo(OWN.keyPem());

    eventually(
        () -> {
          JsonNode node = null;
          for (JsonNode d : get("/api/v1/dataplanes")) {
            if (d.get("nodeId").asText().equals("sds-e2e")) {
              node = d;
            }
          }
          assertThat(node).as("the data plane in /api/v1/dataplanes").isNotNull();
          assertThat(node.get("lastNack").isNull()).as("lastNack of %s", node).isTrue();
          assertThat(node.get("appliedModelRevision").asLong()).isPositive();
        });
    synchronized (streamErrors) {
      assertThat(streamErrors).isEmpty();
    }

    eventually(
        () -> {
          JsonNode blog = routeNamed("blog");
          JsonNode certificate = condition(blog, "CertificateProvisioned");
          assertThat(certificate.get("status").asText()).isEqualTo("False");
          assertThat(certificate.get("reason").asText())
              .isEqualTo(CertificateCheck.REASON_KEY_MISMATCH);
          assertThat(certificate.get("message").asText()).contains("default/blog-tls");
          assertThat(blog.at("/status/url").asText()).isEqualTo("http://blog.default.example.com");
          JsonNode shopRoute = routeNamed("shop");
          assertThat(condition(shopRoute, "CertificateProvisioned").get("status").asText())
              .isEqualTo("True");
          assertThat(shopRoute.at("/status/url").asText())
              .isEqualTo("https://shop.default.example.com");
        });
  }

  private static String inline(DataSource source) {
    return source.hasInlineString()
        ? source.getInlineString()
        : source.getInlineBytes().toString(StandardCharsets.UTF_8);
  }

  private Listener listener(String name) throws InvalidProtocolBufferException {
    Resource r = received.getOrDefault(LISTENER, Map.of()).get(name);
    assertThat(r).as("listener " + name).isNotNull();
    return r.getResource().unpack(Listener.class);
  }

  private JsonNode routeNamed(String name) throws Exception {
    for (JsonNode r : get("/api/v1/routes")) {
      if (r.get("name").asText().equals(name)) {
        return r;
      }
    }
    throw new AssertionError("no Route " + name + " in /api/v1/routes");
  }

  private static JsonNode condition(JsonNode route, String type) {
    for (JsonNode c : route.at("/status/conditions")) {
      if (c.get("type").asText().equals(type)) {
        return c;
      }
    }
    throw new AssertionError("no condition " + type + " in " + route);
  }

  private synchronized void send(DeltaDiscoveryRequest request) {
    requests.onNext(request);
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
    return json.readTree(response.body());
  }

  private static String secret(String name, TestPki.Issued issued) {
    return """
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata: {name: %s, namespace: default}
        data:
          tls.crt: %s
          tls.key: %s
        """
        .formatted(name, base64(issued.chainPem()), base64(issued.keyPem()));
  }

  private static String route(String name, String secretName) {
    return """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: %s, namespace: default}
        spec:
          tls: {secretName: %s}
          traffic:
          - revisionName: hello-00001
            percent: 100
        """
        .formatted(name, secretName);
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
