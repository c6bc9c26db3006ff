package dev.weir.xds.server;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.node;
import static dev.weir.xds.server.Models.threeWay;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.testing.Poll;
import dev.weir.testing.SotwClient;
import dev.weir.testing.TestPki;
import dev.weir.testing.TestPki.PemFiles;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** xDS over TLS, with the server requiring client certificates from one CA. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class XdsServerTlsTest {

  @TempDir static Path directory;

  Path caFile;
  PemFiles client;
  PemFiles stranger;
  XdsServer server;

  @BeforeAll
  void start() throws Exception {
    TestPki ca = TestPki.newAuthority("weir-test-ca");
    caFile = ca.writeCaPem(directory.resolve("weir-test-ca.crt"));
    PemFiles serverCert = ca.issue("localhost", "127.0.0.1").writeTo(directory, "xds-server");
    client = ca.issue("localhost", "127.0.0.1").writeTo(directory, "envoy-client");
    stranger =
        TestPki.newAuthority("other-ca")
            .issue("localhost", "127.0.0.1")
            .writeTo(directory, "stranger");
    // Plaintext would be refused on a non-loopback address; TLS is allowed there.
    server =
        XdsServer.builder()
            .bindAddress("0.0.0.0")
            .port(0)
            .tls(serverCert.certificateFile(), serverCert.keyFile(), caFile)
            .localPeer(peer -> false) // every client plays a remote one: only TLS lets keys through
            .build()
            .start();
    server.publish(threeWay(1, "10.0.0.1"));
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  ManagedChannel channel(ChannelCredentials credentials) {
    return Grpc.newChannelBuilderForAddress("localhost", server.port(), credentials).build();
  }

  @Test
  void clientWithACertificateFromTheCaGetsConfig() throws Exception {
    ManagedChannel channel =
        channel(
            TlsChannelCredentials.newBuilder()
                .keyManager(client.certificateFile().toFile(), client.keyFile().toFile())
                .trustManager(caFile.toFile())
                .build());
    try (SotwClient envoy = new SotwClient(channel, node("envoy-tls", "envoy", EAST))) {
      assertThat(envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL).getResourcesCount())
          .isEqualTo(3);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void tlsStreamFromARemotePeerGetsSecrets() throws Exception {
    server.publish(XdsServerSecretsTest.withCertificate(2, "overtls"));
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1",
                server.port(),
                TlsChannelCredentials.newBuilder()
                    .keyManager(client.certificateFile().toFile(), client.keyFile().toFile())
                    .trustManager(caFile.toFile())
                    .build())
            .overrideAuthority("localhost")
            .build();
    try (SotwClient envoy = new SotwClient(channel, node("envoy-tls-far", "envoy", EAST))) {
      var sds =
          envoy
              .subscribe(XdsServerSecretsTest.SECRET, XdsServerSecretsTest.CERT_NAME)
              .next(XdsServerSecretsTest.SECRET);
      assertThat(
              sds.getResources(0)
                  .unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.class)
                  .getTlsCertificate()
                  .getPrivateKey()
                  .getInlineString())
          .contains("overtls");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientWithoutACertificateIsRefused() throws Exception {
    assertRefused(TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build());
  }

  @Test
  void clientWithACertificateFromAnotherCaIsRefused() throws Exception {
    assertRefused(
        TlsChannelCredentials.newBuilder()
            .keyManager(stranger.certificateFile().toFile(), stranger.keyFile().toFile())
            .trustManager(caFile.toFile())
            .build());
  }

  /** Opens an LRS stream, sends the node and one report; the first response or the error. */
  static java.util.concurrent.CompletableFuture<
          io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse>
      reportLoad(ManagedChannel channel, String nodeId) {
    var first =
        new java.util.concurrent.CompletableFuture<
            io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse>();
    var requests =
        io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc.newStub(channel)
            .streamLoadStats(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(
                      io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse response) {
                    first.complete(response);
                  }

                  @Override
                  public void onError(Throwable t) {
                    first.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    var node = node(nodeId, "envoy", EAST);
    requests.onNext(
        io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest.newBuilder()
            .setNode(node)
            .build());
    requests.onNext(
        io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest.newBuilder()
            .setNode(node)
            .addClusterStats(
                io.envoyproxy.envoy.config.endpoint.v3.ClusterStats.newBuilder()
                    .setClusterName("default/hello-00001")
                    .addUpstreamLocalityStats(
                        io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats.newBuilder()
                            .setLocality(
                                io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                                    .setRegion(EAST.region())
                                    .setZone(EAST.zone())
                                    .setSubZone("east"))
                            .setTotalIssuedRequests(3)
                            .setTotalSuccessfulRequests(3)))
            .build());
    return first;
  }

  @Test
  void loadReportsTakeTheSameMutualTls() throws Exception {
    ManagedChannel channel =
        channel(
            TlsChannelCredentials.newBuilder()
                .keyManager(client.certificateFile().toFile(), client.keyFile().toFile())
                .trustManager(caFile.toFile())
                .build());
    java.time.Instant from = java.time.Instant.now();
    try {
      var response = reportLoad(channel, "envoy-lrs").get(20, TimeUnit.SECONDS);
      assertThat(response.getSendAllClusters()).isTrue();
      assertThat(response.getLoadReportingInterval().getSeconds()).isEqualTo(1);
      Poll.eventually(
          () ->
              assertThat(
                      server
                          .loadStore()
                          .window("default", "hello-00001", from, java.time.Instant.now())
                          .cluster("east")
                          .successes())
                  .isEqualTo(3));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    ManagedChannel anonymous =
        channel(TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build());
    try {
      var refused = reportLoad(anonymous, "envoy-lrs-anon");
      Poll.until("the LRS stream fails", refused::isDone);
      assertThat(refused).isCompletedExceptionally();
    } finally {
      anonymous.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  void assertRefused(ChannelCredentials credentials) throws Exception {
    ManagedChannel channel = channel(credentials);
    try (SotwClient envoy = new SotwClient(channel, node("envoy-anon", "envoy", EAST))) {
      envoy.subscribe(V3.CLUSTER_TYPE_URL);
      Poll.until("the stream fails", () -> envoy.error() != null);
      assertThat(Status.fromThrowable(envoy.error()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(server.dataPlanes()).noneMatch(d -> d.nodeId().equals("envoy-anon"));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
