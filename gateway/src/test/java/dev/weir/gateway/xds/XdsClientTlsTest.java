package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.snapshot;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.testing.Poll;
import dev.weir.testing.TestPki;
import dev.weir.testing.TestPki.PemFiles;
import dev.weir.xds.dialect.ResourceNames;
import io.grpc.TlsServerCredentials;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ADS client over mutual TLS, against a server that requires client certificates (as the
 * controller does with {@code weir.xds.tls.client-ca}). Certificates: a test CA made per run.
 */
class XdsClientTlsTest {

  @TempDir static Path directory;

  @SuppressWarnings("NullAway.Init") // @BeforeAll
  static Path ca;

  @SuppressWarnings("NullAway.Init")
  static PemFiles serverCert;

  @SuppressWarnings("NullAway.Init")
  static PemFiles clientCert;

  @BeforeAll
  static void pki() {
    TestPki pki = TestPki.newAuthority("weir-test-ca");
    ca = pki.writeCaPem(directory.resolve("ca.pem"));
    serverCert = pki.issue("localhost", "127.0.0.1").writeTo(directory, "server");
    clientCert = pki.issue("weir-gateway").writeTo(directory, "client");
  }

  static XdsClient client(XdsTestServer server, RoutingTableHolder holder, XdsSettings.Tls tls) {
    return new XdsClient(
        new XdsSettings(
            "localhost:" + server.address().substring(server.address().indexOf(':') + 1),
            "gw-tls",
            "weir-gateway",
            "",
            "",
            ResourceNames.ROUTE_CONFIGURATION,
            Duration.ofSeconds(1),
            Duration.ofMillis(50),
            Duration.ofMillis(200),
            tls),
        new ResourceDecoder(2),
        RoutingTableBuilder.withDefaults(),
        holder,
        new SimpleMeterRegistry());
  }

  @Test
  void appliesConfigurationOverMutualTlsAndIsRefusedWithoutAClientCertificate() throws Exception {
    try (XdsTestServer server = new XdsTestServer()) {
      server
          .credentials(
              TlsServerCredentials.newBuilder()
                  .keyManager(serverCert.certificateFile().toFile(), serverCert.keyFile().toFile())
                  .trustManager(ca.toFile())
                  .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                  .build())
          .start();
      server.set(
          snapshot(
              "v1",
              List.of(cluster("default/hello-1")),
              List.of(assignment("default/hello-1", endpoint(9001))),
              routes(
                  List.of(vhost("hello.default.example.com", split("default", "hello-1", 100))))));

      RoutingTableHolder holder = new RoutingTableHolder();
      try (XdsClient client =
          client(
              server,
              holder,
              new XdsSettings.Tls(ca, clientCert.certificateFile(), clientCert.keyFile()))) {
        client.start();
        Poll.until("configuration over mutual TLS", holder::configured);
        assertThat(client.connected()).isTrue();
      }

      RoutingTableHolder anonymous = new RoutingTableHolder();
      try (XdsClient client = client(server, anonymous, new XdsSettings.Tls(ca, null, null))) {
        client.start();
        Poll.sleep(1_000);
        assertThat(anonymous.configured()).isFalse();
        assertThat(client.connected()).isFalse();
      }
    }
  }

  @Test
  void badTlsSettingsSayWhatIsWrong() throws Exception {
    assertThatThrownBy(() -> new XdsSettings.Tls(null, clientCert.certificateFile(), null))
        .hasMessageContaining("(expected: both or neither)");
    try (XdsTestServer server = new XdsTestServer()) {
      server.start();
      assertThatThrownBy(
              () ->
                  client(
                      server,
                      new RoutingTableHolder(),
                      new XdsSettings.Tls(Path.of("/nonexistent/ca.pem"), null, null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("weir.xds.tls.ca: /nonexistent/ca.pem: ");
    }
  }
}
