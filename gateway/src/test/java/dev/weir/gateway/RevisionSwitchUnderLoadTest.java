package dev.weir.gateway;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.tls.HttpsServer;
import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.Poll;
import dev.weir.testing.TestPki;
import dev.weir.xds.DataPlane;
import dev.weir.xds.server.XdsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Make-before-break under continuous load (issue 12, items 1 and 7): the real gateway (one Spring
 * context) configured by the real {@link XdsServer}, real backends, and a few client loops that
 * count every answer that is not a 200 from one of the Route's revisions. The server drops a
 * revision nothing else references in the same snapshot that moves the Route off it, and a restart
 * is a new server on the same port; the gateway must ride through every switch and every resync
 * with zero failed requests. The test with certificates runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevisionSwitchUnderLoadTest {

  static final String NODE = "switch-gateway";
  static final String HOST = "sw.default.example.com";
  static final Locality EAST = Locality.of("us-east", "us-east-1a");
  static final RouteRef ROUTE = new RouteRef("east", "default", "sw", 1);

  /** How long the load runs after each switch has been applied, before the next one. */
  static final long SETTLE_MILLIS = 300;

  static final TestPki ca = TestPki.newAuthority("weir-switch-ca");
  static final TestPki.Issued certA = ca.issueWithCommonName("sw-a", HOST);
  static final TestPki.Issued certB = ca.issueWithCommonName("sw-b", HOST);

  static TestBackend backend1;
  static TestBackend backend2;
  static XdsServer xds;
  static int xdsPort;
  static ConfigurableApplicationContext gateway;
  static int dataPort;
  static HttpsServer https;
  static long revision;
  static TrafficModel served = TrafficModel.EMPTY;

  @BeforeAll
  static void start() {
    backend1 = TestBackend.start("backend-1");
    backend2 = TestBackend.start("backend-2");
    xds = startXds(0);
    xdsPort = xds.port();
    publish(model(List.of(upstream("sw-1", backend1)), List.of(), "sw-1", 100));
    gateway =
        new SpringApplicationBuilder(WeirGatewayApplication.class)
            .initializers(new dev.weir.gateway.testing.OwnEventLoops())
            .run(
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--weir.https.port=0",
                "--weir.node.id=" + NODE,
                "--weir.node.region=" + EAST.region(),
                "--weir.node.zone=" + EAST.zone(),
                "--weir.xds.address=127.0.0.1:" + xdsPort,
                "--weir.xds.initial-backoff=50ms",
                "--weir.xds.max-backoff=500ms");
    dataPort = requireNonNull(((WebServerApplicationContext) gateway).getWebServer()).getPort();
    https = gateway.getBean(HttpsServer.class);
    awaitApplied();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (xds != null) {
      xds.close();
    }
    for (TestBackend backend : new TestBackend[] {backend1, backend2}) {
      if (backend != null) {
        backend.close();
      }
    }
  }

  /** Every test starts from the Route at 100% sw-1 over plain HTTP, no certificate. */
  @BeforeEach
  void resetRoute() {
    publish(model(List.of(upstream("sw-1", backend1)), List.of(), "sw-1", 100));
    awaitApplied();
  }

  @Nullable Load load;

  @AfterEach
  void stopLoad() {
    if (load != null) {
      load.close();
    }
  }

  @Test
  @Order(1)
  void switchingTheOnlyRevisionBackAndForthDropsNoRequest() {
    load = Load.start("switch back and forth", 4, 0);
    for (int i = 1; i <= 6; i++) {
      boolean two = i % 2 == 1;
      switchTo(two ? "sw-2" : "sw-1", two ? backend2 : backend1, List.of());
    }
    load.assertNoFailure();
  }

  @Test
  @Order(2)
  void switchingToARevisionThatWasMissingDropsNoRequest() {
    // Each switch goes to a revision the gateway has never seen (the controller kept the old split
    // while it was missing and switches the moment it appears).
    load = Load.start("switch to new revisions", 4, 0);
    for (int i = 1; i <= 4; i++) {
      switchTo("sw-new-" + i, i % 2 == 1 ? backend2 : backend1, List.of());
    }
    load.assertNoFailure();
  }

  @Test
  @Order(5)
  void aSplitChangeTogetherWithACertificateChangeDropsNoRequest() {
    publish(
        model(List.of(upstream("sw-1", backend1)), List.of(certificate("a", certA)), "sw-1", 100));
    awaitApplied();
    Poll.until("the HTTPS port binds", Duration.ofSeconds(30), () -> https.port() > 0);
    // Keep-alive clients on plain HTTP, and clients that make a new TLS handshake for every request
    // and check the certificate against the host name.
    load = Load.start("split and certificate", 3, 2);
    for (int i = 1; i <= 6; i++) {
      boolean two = i % 2 == 1;
      switchTo(
          two ? "sw-2" : "sw-1",
          two ? backend2 : backend1,
          List.of(two ? certificate("b", certB) : certificate("a", certA)));
    }
    load.assertNoFailure();
    assertThat(load.httpsOk.get()).as("requests over new TLS connections").isPositive();
  }

  @Test
  @Order(3)
  void aControlPlaneRestartedWithAnEditDropsNoRequest() {
    load = Load.start("restart with an edit", 4, 0);
    for (int i = 1; i <= 2; i++) {
      boolean two = i % 2 == 1;
      restartWith(
          model(
              List.of(upstream(two ? "sw-2" : "sw-1", two ? backend2 : backend1)),
              List.of(),
              two ? "sw-2" : "sw-1",
              100));
      Poll.until(
          "requests reach " + (two ? "sw-2" : "sw-1"),
          Duration.ofSeconds(30),
          () -> requireNonNull(load).lastBackend.equals(two ? backend2.name() : backend1.name()));
      Poll.sleep(SETTLE_MILLIS);
    }
    load.assertNoFailure();
  }

  @Test
  @Order(4)
  void aControlPlaneRestartedWithoutAnEditDropsNoRequest() {
    load = Load.start("restart without an edit", 4, 0);
    for (int i = 1; i <= 2; i++) {
      restartWith(served);
      Poll.sleep(SETTLE_MILLIS);
    }
    load.assertNoFailure();
  }

  /** Moves the Route to 100% {@code revision} (the only upstream), waits until the gateway ACKs. */
  static void switchTo(String revisionName, TestBackend backend, List<Certificate> certificates) {
    publish(model(List.of(upstream(revisionName, backend)), certificates, revisionName, 100));
    awaitApplied();
    Poll.sleep(SETTLE_MILLIS);
  }

  /**
   * Closes the control plane under load, keeps it away a moment and starts a new one on the port
   * that, like a restarted controller, listens before its first model is built: the gateway's new
   * stream is open (and holds its old state) when the first snapshot arrives.
   */
  static void restartWith(TrafficModel model) {
    xds.close();
    Poll.sleep(1_000);
    xds = startXds(xdsPort);
    Poll.until(
        "the gateway reconnects",
        Duration.ofSeconds(30),
        () -> xds.dataPlanes().stream().anyMatch(d -> d.nodeId().equals(NODE)));
    publish(model);
    awaitApplied();
  }

  static XdsServer startXds(int port) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        return XdsServer.builder().bindAddress("127.0.0.1").port(port).build().start();
      } catch (RuntimeException e) {
        // The port of the server just closed may take a moment to be free again.
        last = e;
        Poll.sleep(100);
      }
    }
    throw last;
  }

  static void publish(TrafficModel model) {
    served = model.withRevision(++revision);
    xds.publish(served);
  }

  static void awaitApplied() {
    long wanted = revision;
    try {
      Poll.until(
          "the gateway applies model revision " + wanted,
          Duration.ofSeconds(30),
          () -> {
            DataPlane node =
                xds.dataPlanes().stream()
                    .filter(d -> d.nodeId().equals(NODE))
                    .findFirst()
                    .orElse(null);
            return node != null && node.appliedModelRevision() == wanted;
          });
    } catch (RuntimeException e) {
      // What the control plane saw (ACKed versions per type, last NACK) says why it did not.
      throw new AssertionError(
          "the gateway did not apply model revision "
              + wanted
              + "; data planes: "
              + xds.dataPlanes(),
          e);
    }
  }

  static TrafficModel model(
      List<Upstream> upstreams, List<Certificate> certificates, String revisionName, int percent) {
    VirtualHost host =
        new VirtualHost(
            HOST,
            ROUTE,
            List.of(),
            List.of(new WeightedUpstream(Upstream.nameOf("default", revisionName), percent)));
    return new TrafficModel(0, List.of(host), upstreams, certificates, HttpOption.ENABLED);
  }

  static Upstream upstream(String revisionName, TestBackend backend) {
    return new Upstream(
        "default",
        revisionName,
        Protocol.HTTP1,
        List.of(new Endpoint("127.0.0.1", backend.port(), "east", EAST, false)));
  }

  /** The host's certificate under a secret name of its own, so a change renames the SDS secret. */
  static Certificate certificate(String suffix, TestPki.Issued issued) {
    return new Certificate(
        "default/sw-tls-" + suffix, issued.chainPem(), issued.keyPem(), List.of(HOST), false);
  }

  /**
   * Client loops until closed: {@code plain} keep-alive clients (one connection each) on the data
   * port and {@code tls} clients that open a new, host-name-checked TLS connection per request.
   * Loops are bounded by time: at most two minutes.
   */
  static final class Load implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong ok = new AtomicLong();
    final AtomicLong httpsOk = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Long> failuresByKind = new ConcurrentHashMap<>();
    final List<Thread> threads = new ArrayList<>();
    final List<ConnectionProvider> pools = new ArrayList<>();
    final long started = System.nanoTime();
    volatile String lastBackend = "";

    final String name;

    Load(String name) {
      this.name = name;
    }

    static Load start(String name, int plain, int tls) {
      Load load = new Load(name);
      for (int i = 0; i < plain; i++) {
        ConnectionProvider pool =
            ConnectionProvider.builder("switch-load-" + i).maxConnections(1).build();
        load.pools.add(pool);
        HttpClient client =
            HttpClient.create(pool)
                .baseUrl("http://127.0.0.1:" + dataPort)
                .headers(h -> h.set("Host", HOST));
        load.loop("plain-" + i, () -> client, load.ok);
      }
      for (int i = 0; i < tls; i++) {
        load.loop("tls-" + i, Load::tlsClient, load.httpsOk);
      }
      Poll.until(
          "requests flow", Duration.ofSeconds(30), () -> load.ok.get() + load.httpsOk.get() > 20);
      return load;
    }

    static HttpClient tlsClient() {
      return HttpClient.newConnection()
          .remoteAddress(
              () -> {
                try {
                  return new InetSocketAddress(
                      InetAddress.getByAddress(HOST, new byte[] {127, 0, 0, 1}), https.port());
                } catch (UnknownHostException e) {
                  throw new IllegalStateException(e);
                }
              })
          .secure(
              spec ->
                  spec.sslContext(
                      Http11SslContextSpec.forClient()
                          .configure(b -> b.trustManager(ca.caCertificate()))));
    }

    void loop(String name, Supplier<HttpClient> clients, AtomicLong counter) {
      Thread thread =
          new Thread(
              () -> {
                long deadline = started + Duration.ofMinutes(2).toNanos();
                while (running.get() && System.nanoTime() < deadline) {
                  String outcome;
                  try {
                    outcome =
                        clients
                            .get()
                            .get()
                            .uri("/")
                            .responseSingle(
                                (response, body) ->
                                    body.asString()
                                        .defaultIfEmpty("")
                                        .map(
                                            text ->
                                                response.status().code() == 200
                                                    ? "200 " + text
                                                    : response.status().code() + " " + text))
                            .block(Duration.ofSeconds(10));
                  } catch (RuntimeException e) {
                    outcome = "error " + e;
                  }
                  if (outcome != null
                      && (outcome.equals("200 " + backend1.name())
                          || outcome.equals("200 " + backend2.name()))) {
                    counter.incrementAndGet();
                    lastBackend = outcome.substring(4);
                  } else {
                    failed.incrementAndGet();
                    failuresByKind.merge(String.valueOf(outcome), 1L, Long::sum);
                    if (failures.size() < 20) {
                      failures.add(name + ": " + outcome);
                    }
                  }
                }
              },
              "switch-load-" + name);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }

    void assertNoFailure() {
      close();
      long total = ok.get() + httpsOk.get() + failed.get();
      System.out.printf(
          "load %s: %d requests in %d ms, %d failed %s%n",
          name, total, (System.nanoTime() - started) / 1_000_000, failed.get(), failuresByKind);
      assertThat(failures).as("failed requests of %d: %s", total, failuresByKind).isEmpty();
      assertThat(total).isGreaterThan(100);
    }

    @Override
    public void close() {
      running.set(false);
      for (Thread thread : threads) {
        try {
          thread.join(20_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      threads.clear();
      for (ConnectionProvider pool : pools) {
        pool.disposeLater().block(Duration.ofSeconds(10));
      }
      pools.clear();
    }
  }
}
