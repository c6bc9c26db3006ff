package dev.weir.gateway;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.TlsProbe;
import dev.weir.gateway.tls.HttpsServer;
import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.Poll;
import dev.weir.testing.TestPki;
import dev.weir.xds.DataPlane;
import dev.weir.xds.dialect.WeirHeaders;
import dev.weir.xds.server.XdsServer;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The real control plane and the real gateway together: {@link XdsServer} translates a {@link
 * TrafficModel} with certificates into the {@code weir-https} listener and SDS secrets, the gateway
 * ACKs them over Delta ADS and serves them, chosen by SNI, to TLS clients that check what they see
 * against the CA made here. Rotation is a new model; the test that rotates runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XdsServerTlsEndToEndTest {

  static final String NODE = "xds-e2e-gateway";
  static final String HELLO = "hello.default.example.com";
  static final String BYE = "bye.default.example.com";
  static final String CANARY = "canary-hello.default.example.com";
  static final String PLAIN = "plain.other.example.com";
  static final Locality EAST = Locality.of("us-east", "us-east-1a");

  static final TestPki ca = TestPki.newAuthority("weir-e2e-ca");
  static final TestPki.Issued helloCert = ca.issueWithCommonName("hello", HELLO);
  static final TestPki.Issued byeCert = ca.issueWithCommonName("bye", BYE);
  static final TestPki.Issued wildcardCert =
      ca.issueWithCommonName("wildcard", "*.default.example.com");
  static final TestPki.Issued defaultCert =
      ca.issueWithCommonName("default", "default.example.com");

  static TestBackend hello1;
  static TestBackend hello2;
  static TestBackend bye1;
  static XdsServer xds;
  static ConfigurableApplicationContext gateway;
  static int dataPort;
  static HttpsServer https;

  @BeforeAll
  static void start() {
    hello1 = TestBackend.start("hello-1");
    hello2 = TestBackend.start("hello-2");
    bye1 = TestBackend.start("bye-1");
    xds =
        XdsServer.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .httpsListenerPort(8443)
            .build()
            .start();
    xds.publish(model(1, helloCert));
    gateway =
        new SpringApplicationBuilder(WeirGatewayApplication.class)
            .initializers(new dev.weir.gateway.testing.OwnEventLoops())
            .run(
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--weir.https.port=0",
                "--weir.https.redirect-port=443",
                "--weir.node.id=" + NODE,
                "--weir.node.region=" + EAST.region(),
                "--weir.node.zone=" + EAST.zone(),
                "--weir.xds.address=127.0.0.1:" + xds.port(),
                "--weir.xds.initial-backoff=50ms",
                "--weir.xds.max-backoff=500ms");
    dataPort = requireNonNull(((WebServerApplicationContext) gateway).getWebServer()).getPort();
    https = gateway.getBean(HttpsServer.class);
    Poll.until("the HTTPS port binds", Duration.ofSeconds(30), () -> https.port() > 0);
    awaitApplied(1);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (xds != null) {
      xds.close();
    }
    for (TestBackend backend : new TestBackend[] {hello1, hello2, bye1}) {
      if (backend != null) {
        backend.close();
      }
    }
  }

  /**
   * hello at 90/10 over two revisions with tag {@code canary} on hello-2, bye on one revision,
   * plain in another namespace (no certificate covers it); certificates for hello (the given one)
   * and bye, a wildcard for tag hosts and a default one; plain HTTP is redirected.
   */
  static TrafficModel model(long revision, TestPki.Issued helloCertificate) {
    Upstream h1 = upstream("default", "hello-00001", hello1);
    Upstream h2 = upstream("default", "hello-00002", hello2);
    Upstream b1 = upstream("default", "bye-00001", bye1);
    Upstream p1 = upstream("other", "plain-00001", bye1);
    RouteRef helloRoute = new RouteRef("east", "default", "hello", 1);
    List<VirtualHost> hosts =
        List.of(
            new VirtualHost(
                HELLO,
                helloRoute,
                List.of(new TagRoute("canary", h2.name())),
                List.of(new WeightedUpstream(h1.name(), 90), new WeightedUpstream(h2.name(), 10))),
            new VirtualHost(
                CANARY, helloRoute, List.of(), List.of(new WeightedUpstream(h2.name(), 100))),
            new VirtualHost(
                BYE,
                new RouteRef("east", "default", "bye", 1),
                List.of(),
                List.of(new WeightedUpstream(b1.name(), 100))),
            new VirtualHost(
                PLAIN,
                new RouteRef("east", "other", "plain", 1),
                List.of(),
                List.of(new WeightedUpstream(p1.name(), 100))));
    List<Certificate> certificates =
        List.of(
            certificate("default/hello-tls", helloCertificate, List.of(HELLO), false),
            certificate("default/bye-tls", byeCert, List.of(BYE), false),
            certificate(
                "default/wildcard-tls", wildcardCert, List.of("*.default.example.com"), false),
            certificate("weir-system/default-tls", defaultCert, List.of(), true));
    return new TrafficModel(
        revision, hosts, List.of(h1, h2, b1, p1), certificates, HttpOption.REDIRECTED);
  }

  static Upstream upstream(String namespace, String revision, TestBackend backend) {
    return new Upstream(
        namespace,
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint("127.0.0.1", backend.port(), "east", EAST, false)));
  }

  static Certificate certificate(
      String name, TestPki.Issued issued, List<String> serverNames, boolean fallback) {
    return new Certificate(name, issued.chainPem(), issued.keyPem(), serverNames, fallback);
  }

  static @Nullable DataPlane gatewayNode() {
    return xds.dataPlanes().stream().filter(d -> d.nodeId().equals(NODE)).findFirst().orElse(null);
  }

  /**
   * Waits until the gateway has ACKed every type of model {@code revision}, then checks no NACK.
   */
  static void awaitApplied(long revision) {
    Poll.until(
        "the gateway applies model revision " + revision,
        Duration.ofSeconds(30),
        () -> {
          DataPlane node = gatewayNode();
          return node != null && node.appliedModelRevision() == revision;
        });
    DataPlane node = requireNonNull(gatewayNode());
    assertThat(node.lastNack()).as("the gateway's last NACK").isEqualTo(Optional.empty());
    assertThat(node.nodeCluster()).isEqualTo("weir-gateway");
    assertThat(node.locality()).isEqualTo(EAST);
  }

  @Test
  @Order(1)
  void theGatewayAckedTheModelWithItsCertificates() {
    DataPlane node = requireNonNull(gatewayNode());
    assertThat(node.appliedModelRevision()).isEqualTo(1);
    assertThat(node.lastNack()).isEmpty();
    // The secrets and the weir-https listener are among what it ACKed, not only routes.
    assertThat(node.ackedVersions())
        .containsKeys(
            "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
            "type.googleapis.com/envoy.config.listener.v3.Listener",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "each host its own certificate,     hello.default.example.com,        CN=hello,    hello.default.example.com",
    "the other host its own,            bye.default.example.com,          CN=bye,      bye.default.example.com",
    "a tag host gets the wildcard,      canary-hello.default.example.com, CN=wildcard, *.default.example.com",
    "unknown SNI gets the default,      nobody.else.test,                 CN=default,  default.example.com",
  })
  @Order(2)
  void sniPicksTheCertificateTheControlPlaneSent(
      String name, String sni, String subject, String dnsName) throws Exception {
    TlsProbe.Seen seen = TlsProbe.get(https.port(), sni, sni, "/");
    assertThat(seen.subject()).isEqualTo(subject);
    assertThat(seen.dnsNames()).containsExactly(dnsName);
    seen.leaf().verify(ca.caCertificate().getPublicKey()); // issued by the CA made here
    assertThat(seen.protocol()).isIn("TLSv1.3", "TLSv1.2");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "bye.default.example.com,          bye-1",
    "canary-hello.default.example.com, hello-2",
  })
  @Order(3)
  void requestsOverTlsAreProxiedToTheRightBackend(String host, String backend) {
    Answer answer = get(client(host, null), "/x?y=1");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(backend);
    assertThat(answer.proto()).isEqualTo("https");
  }

  @Test
  @Order(3)
  void theSplitAndTheTagHeaderHoldOverTls() {
    ConnectionProvider pool = ConnectionProvider.create("e2e-split", 1);
    List<String> seen = new ArrayList<>();
    try {
      HttpClient client = client(HELLO, pool);
      for (int i = 0; i < 20; i++) {
        seen.add(get(client, "/").body());
      }
    } finally {
      pool.disposeLater().block(Duration.ofSeconds(10));
    }
    // Smooth weighted round-robin at 90/10: exactly 2 of 20, wherever the cycle starts.
    assertThat(Collections.frequency(seen, "hello-2")).isEqualTo(2);
    assertThat(Collections.frequency(seen, "hello-1")).isEqualTo(18);
    HttpClient tagged = client(HELLO, null).headers(h -> h.set(WeirHeaders.TAG, "canary"));
    assertThat(get(tagged, "/").body()).isEqualTo("hello-2");
  }

  @ParameterizedTest(name = "{0}{1}")
  @CsvSource({
    "hello.default.example.com,        /a/b?x=1&y=2, 301, https://hello.default.example.com/a/b?x=1&y=2, ",
    "canary-hello.default.example.com, /,            301, https://canary-hello.default.example.com/,     ",
    "plain.other.example.com,          /,            200,                                              , bye-1",
  })
  @Order(4)
  void plainHttpToHttpsHostsIsRedirected(
      String host, String path, int status, String location, String body) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", dataPort)) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String response =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(response).startsWith("HTTP/1.1 " + status + " ");
      if (location != null) {
        assertThat(response).containsIgnoringCase("\r\nlocation: " + location + "\r\n");
      } else {
        assertThat(response).doesNotContainIgnoringCase("location:").endsWith(body);
      }
    }
  }

  @Test
  @Order(10)
  void rotationReachesNewHandshakesWhileTheOldConnectionKeepsWorking() throws Exception {
    ConnectionProvider one = ConnectionProvider.builder("e2e-rotation").maxConnections(1).build();
    Set<Channel> channels = ConcurrentHashMap.newKeySet();
    Set<String> subjectsOnTheConnection = ConcurrentHashMap.newKeySet();
    HttpClient client =
        client(HELLO, one)
            .doOnRequest(
                (request, connection) -> {
                  channels.add(connection.channel());
                  subjectsOnTheConnection.add(peerSubject(connection.channel()));
                });
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    Thread loop =
        new Thread(
            () -> {
              while (running.get()) {
                try {
                  Answer answer = get(client, "/");
                  if (answer.status() == 200 && answer.body().startsWith("hello-")) {
                    ok.incrementAndGet();
                  } else {
                    failures.add(answer.toString());
                  }
                } catch (RuntimeException e) {
                  failures.add(e.toString());
                }
              }
            },
            "e2e-rotation-load");
    TestPki.Issued rotated = ca.issueWithCommonName("hello-rotated", HELLO);
    loop.start();
    try {
      Poll.until("requests flow", Duration.ofSeconds(30), () -> ok.get() > 5);
      xds.publish(model(2, rotated));
      Poll.until(
          "new handshakes see the rotated certificate",
          Duration.ofSeconds(30),
          () -> TlsProbe.subjectOf(https.port(), HELLO).equals("CN=hello-rotated"));
      long before = ok.get();
      Poll.until("requests keep flowing", Duration.ofSeconds(30), () -> ok.get() > before + 20);
    } finally {
      running.set(false);
      loop.join(30_000);
      one.disposeLater().block(Duration.ofSeconds(10));
    }
    assertThat(failures).isEmpty();
    assertThat(channels)
        .as("every request on the one connection opened before rotation")
        .hasSize(1);
    assertThat(subjectsOnTheConnection).containsExactly("CN=hello");
    awaitApplied(2);
    TlsProbe.Seen seen = TlsProbe.get(https.port(), HELLO, HELLO, "/");
    assertThat(seen.leaf()).isEqualTo(rotated.certificate());
    assertThat(seen.response()).startsWith("HTTP/1.1 200").contains("x-backend: hello-");
    // The other hosts' certificates did not change.
    assertThat(TlsProbe.subjectOf(https.port(), BYE)).isEqualTo("CN=bye");
  }

  record Answer(int status, String body, String proto) {}

  /**
   * A client that trusts only the test CA and verifies the host name, connecting to the HTTPS port
   * on loopback under the name {@code host} (so SNI and Host are that name, no DNS involved).
   */
  static HttpClient client(String host, @Nullable ConnectionProvider provider) {
    HttpClient client = provider == null ? HttpClient.newConnection() : HttpClient.create(provider);
    return client
        .remoteAddress(
            () -> {
              try {
                return new InetSocketAddress(
                    InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}), https.port());
              } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
              }
            })
        .secure(
            spec ->
                spec.sslContext(
                    Http11SslContextSpec.forClient()
                        .configure(b -> b.trustManager(ca.caCertificate()))));
  }

  static Answer get(HttpClient client, String path) {
    return requireNonNull(
        client
            .get()
            .uri(path)
            .responseSingle(
                (response, body) ->
                    body.asString()
                        .defaultIfEmpty("")
                        .map(
                            text ->
                                new Answer(
                                    response.status().code(),
                                    text,
                                    response.responseHeaders().get("x-seen-proto"))))
            .block(Duration.ofSeconds(20)));
  }

  static String peerSubject(Channel channel) {
    try {
      SslHandler ssl = channel.pipeline().get(SslHandler.class);
      return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
