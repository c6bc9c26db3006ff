package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.redirectedVhost;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.TlsProbe;
import dev.weir.gateway.testing.TlsProbe.Seen;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.gateway.tls.HttpsServer;
import dev.weir.gateway.tls.TlsConfigHolder;
import dev.weir.testing.Poll;
import dev.weir.testing.TestPki;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * The HTTPS port of the whole gateway: certificates and the {@code weir-https} listener served by a
 * real xDS server, a CA made in the test, and clients that record the certificate they were shown.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "management.server.address=127.0.0.1",
      "management.server.port=0",
      "weir.node.id=https-test",
      "weir.https.port=0",
      "weir.https.redirect-port=8443",
      "weir.xds.initial-backoff=50ms",
      "weir.xds.max-backoff=500ms"
    })
class HttpsIntegrationTest {

  static final XdsTestServer xds = new XdsTestServer();
  static final TestBackend backend = TestBackend.start("tls");
  static final TestPki ca = TestPki.newAuthority("weir-test-ca");
  static final TestPki.Issued hello = ca.issueWithCommonName("hello", "hello.default.example.com");
  static final TestPki.Issued bye = ca.issueWithCommonName("bye", "bye.default.example.com");
  static final TestPki.Issued wildcard =
      ca.issueWithCommonName("wildcard", "*.default.example.com");
  static final TestPki.Issued fallback = ca.issueWithCommonName("fallback", "fallback.example.com");
  static final AtomicInteger versions = new AtomicInteger();

  @Autowired HttpsServer https;
  @Autowired TlsConfigHolder tls;
  @LocalServerPort int port;

  @DynamicPropertySource
  static void xdsAddress(DynamicPropertyRegistry registry) throws Exception {
    if (xds.address().endsWith(":0")) {
      xds.start();
      serve(fallback);
    }
    registry.add("weir.xds.address", xds::address);
  }

  @AfterAll
  static void stopAll() throws Exception {
    xds.close();
    backend.close();
  }

  /** Serves the three host certificates and {@code fallbackCert} as the default chain. */
  static void serve(TestPki.Issued fallbackCert) {
    serve(secret("default/fallback", fallbackCert));
  }

  static void serve(Secret fallbackSecret) {
    String version = "tls-" + versions.incrementAndGet();
    List<String> hosts =
        List.of(
            "hello.default.example.com",
            "bye.default.example.com",
            "tag-x.default.example.com",
            "unknown.other.test");
    List<io.envoyproxy.envoy.config.route.v3.VirtualHost> vhosts = new ArrayList<>();
    for (String host : hosts) {
      vhosts.add(vhost(host, "default/app", List.of(), List.of(split("default", "app-1", 100))));
    }
    vhosts.add(
        redirectedVhost(
            "secure.default.example.com", "default/secure", split("default", "app-1", 100)));
    Listener listener =
        XdsProtos.httpsListener(
            8443,
            List.of(
                chain(List.of("hello.default.example.com"), "default/hello"),
                chain(List.of("bye.default.example.com"), "default/bye"),
                chain(List.of("*.default.example.com"), "default/wildcard")),
            XdsProtos.tlsFilterChain(
                ResourceNames.DEFAULT_FILTER_CHAIN, List.of(), "default/fallback"));
    List<Secret> secrets =
        List.of(
            secret("default/hello", hello),
            secret("default/bye", bye),
            secret("default/wildcard", wildcard),
            fallbackSecret);
    xds.set(
        Snapshot.create(
            List.of(cluster("default/app-1")),
            List.of(assignment("default/app-1", endpoint(backend.port()))),
            List.of(listener),
            List.of(routes(vhosts)),
            secrets,
            version));
  }

  static FilterChain chain(List<String> serverNames, String secret) {
    return XdsProtos.tlsFilterChain(secret, serverNames, secret);
  }

  static Secret secret(String name, TestPki.Issued issued) {
    return XdsProtos.tlsSecret(name, issued.chainPem(), issued.keyPem());
  }

  int httpsPort() {
    Poll.until("the HTTPS port binds", Duration.ofSeconds(30), () -> https.port() > 0);
    return https.port();
  }

  /** Connects with {@code sni} (none when empty), records the server's certificate, sends GET /. */
  Seen handshake(String sni, String host) throws Exception {
    return TlsProbe.get(httpsPort(), sni, host, "/");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "exact name,          hello.default.example.com, CN=hello",
    "other exact name,    bye.default.example.com,   CN=bye",
    "tag host uses the wildcard, tag-x.default.example.com, CN=wildcard",
    "unknown name gets the fallback, unknown.other.test,        CN=fallback",
    "wildcard covers one label only, a.b.default.example.com,   CN=fallback",
  })
  void sniPicksTheCertificate(String name, String host, String subject) throws Exception {
    Poll.until(
        "certificates applied",
        Duration.ofSeconds(30),
        () -> tls.current().toString().contains("hello.default.example.com"));
    Seen seen = handshake(host, host);
    assertThat(seen.subject()).isEqualTo(subject);
    assertThat(seen.protocol()).isIn("TLSv1.3", "TLSv1.2");
    assertThat(seen.response()).startsWith("HTTP/1.1 ");
  }

  @Test
  void noSniGetsTheFallbackAndRequestsAreProxiedAsHttps() throws Exception {
    Seen seen = handshake("", "hello.default.example.com");
    assertThat(seen.subject()).isEqualTo("CN=fallback");
    assertThat(seen.response())
        .startsWith("HTTP/1.1 200")
        .contains("x-backend: tls")
        .contains("x-seen-proto: https");
  }

  @Test
  void oldProtocolsAreRefused() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", httpsPort())) {
      socket.setSoTimeout(20_000);
      socket.setEnabledProtocols(new String[] {"TLSv1.1"});
      org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake)
          .isInstanceOf(java.io.IOException.class);
    } catch (IllegalArgumentException unsupportedByTheClient) {
      // the JDK here cannot even offer TLSv1.1: nothing to check
    }
  }

  /**
   * The HTTPS port takes the data port's {@code server.*} settings, as the Gateway listener ports
   * do: here {@code server.max-http-request-header-size=16KB} from {@code application.properties}
   * (reactor-netty's own default is 8 KB). A host no route serves, answered by the gateway itself.
   */
  @Test
  void httpsPortTakesTheDataPortsServerSettings() {
    HttpClient client =
        HttpClient.newConnection()
            .secure(
                spec ->
                    spec.sslContext(
                        Http11SslContextSpec.forClient()
                            .configure(b -> b.trustManager(InsecureTrustManagerFactory.INSTANCE))));
    String uri = "https://127.0.0.1:" + httpsPort() + "/nothing";
    java.util.function.IntFunction<Integer> status =
        kilobytes ->
            client
                .headers(
                    h ->
                        h.set("Host", "no-route.example.org")
                            .set("x-large", "v".repeat(kilobytes * 1024)))
                .get()
                .uri(uri)
                .responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
                .block(Duration.ofSeconds(30));
    assertThat(status.apply(12)).isEqualTo(404);
    assertThat(status.apply(20)).isEqualTo(431);
  }

  @Test
  void http2OverTlsWithAlpn() {
    HttpClient client =
        HttpClient.create()
            .protocol(HttpProtocol.H2)
            .secure(
                spec ->
                    spec.sslContext(
                        Http2SslContextSpec.forClient()
                            .configure(b -> b.trustManager(InsecureTrustManagerFactory.INSTANCE))))
            .headers(h -> h.set("Host", "hello.default.example.com"));
    String result =
        client
            .get()
            .uri("https://127.0.0.1:" + httpsPort() + "/")
            .responseSingle(
                (response, body) ->
                    body.asString()
                        .map(
                            text ->
                                response.version()
                                    + " "
                                    + response.status().code()
                                    + " "
                                    + text
                                    + " "
                                    + response.responseHeaders().get("x-seen-proto")))
            .block(Duration.ofSeconds(30));
    assertThat(result).isEqualTo("HTTP/2.0 200 tls https");
  }

  @Test
  void rotationUnderLoadFailsNoRequestAndNewHandshakesSeeTheNewCertificate() throws Exception {
    HttpClient client =
        HttpClient.create()
            .secure(
                spec ->
                    spec.sslContext(
                        Http11SslContextSpec.forClient()
                            .configure(b -> b.trustManager(InsecureTrustManagerFactory.INSTANCE))))
            .headers(h -> h.set("Host", "unknown.other.test"));
    String uri = "https://127.0.0.1:" + httpsPort() + "/";
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread loop =
        new Thread(
            () -> {
              while (running.get()) {
                try {
                  Integer status =
                      client
                          .get()
                          .uri(uri)
                          .responseSingle(
                              (response, body) ->
                                  body.asString().thenReturn(response.status().code()))
                          .block(Duration.ofSeconds(20));
                  if (status != null && status == 200) {
                    ok.incrementAndGet();
                  } else {
                    failures.add("status " + status);
                  }
                } catch (RuntimeException e) {
                  failures.add(e.toString());
                }
              }
            },
            "rotation-load");
    loop.start();
    try {
      Poll.until("requests flow", Duration.ofSeconds(30), () -> ok.get() > 5);
      TestPki.Issued rotated = ca.issueWithCommonName("fallback-rotated", "fallback.example.com");
      serve(rotated);
      Poll.until(
          "new handshakes see the rotated certificate",
          Duration.ofSeconds(30),
          () -> subjectOf("unknown.other.test").equals("CN=fallback-rotated"));
      long before = ok.get();
      Poll.until("requests keep flowing", Duration.ofSeconds(30), () -> ok.get() > before + 5);
    } finally {
      running.set(false);
      loop.join(30_000);
      serve(fallback);
      Poll.until(
          "fallback restored",
          Duration.ofSeconds(30),
          () -> subjectOf("unknown.other.test").equals("CN=fallback"));
    }
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(10);
  }

  private String subjectOf(String sni) {
    return TlsProbe.subjectOf(httpsPort(), sni);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "redirect host with query,   secure.default.example.com,      /a/b?x=1&y=2, 301, https://secure.default.example.com:8443/a/b?x=1&y=2",
    "redirect host with a port,  secure.default.example.com:8080, /,            301, https://secure.default.example.com:8443/",
    "plain host is proxied,      hello.default.example.com,       /,            200, ",
  })
  void redirectedHostsAnswerPlainHttpWith301(
      String name, String host, String path, int status, String location) throws Exception {
    Poll.until(
        "routes applied",
        Duration.ofSeconds(30),
        () -> tls.current().toString().contains("hello.default.example.com"));
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String response =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(response).startsWith("HTTP/1.1 " + status);
      if (location != null) {
        assertThat(response).containsIgnoringCase("location: " + location + "\r\n");
      } else {
        assertThat(response).doesNotContainIgnoringCase("location:");
      }
    }
  }

  @Test
  void redirectedHostIsServedOverHttps() throws Exception {
    Seen seen = handshake("secure.default.example.com", "secure.default.example.com");
    assertThat(seen.subject()).isEqualTo("CN=wildcard");
    assertThat(seen.response()).startsWith("HTTP/1.1 200").contains("x-seen-proto: https");
  }

  @Test
  void aSecretWithAnUnusableKeyIsNackedWithoutTheKeyAndTheLastGoodStays() throws Exception {
    String garbageKey =
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";
    // A key the controller would have refused: only the gateway's own check stands in the way.
    Secret bad = XdsProtos.tlsSecret("default/fallback", fallback.chainPem(), garbageKey);
    int nacks = xds.nackDetails().size();
    try {
      serve(bad);
      Poll.until(
          "the bad secret is NACKed",
          Duration.ofSeconds(30),
          () -> xds.nackDetails().size() > nacks);
      String detail = xds.nackDetails().get(xds.nackDetails().size() - 1);
      assertThat(detail)
          .startsWith("secret default/fallback: tls_certificate.private_key: ")
          .doesNotContain("c2VjcmV0")
          .doesNotContain("PRIVATE KEY");
      assertThat(subjectOf("unknown.other.test")).isEqualTo("CN=fallback");
    } finally {
      serve(fallback);
    }
  }

  @Test
  void alpnOffersH2() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", httpsPort())) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
    }
  }
}
