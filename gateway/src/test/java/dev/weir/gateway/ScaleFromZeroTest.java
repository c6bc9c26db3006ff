package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.weir.gateway.proxy.Activator;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.XdsResources;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.testing.Poll;
import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.dialect.LoadReports;
import dev.weir.xds.dialect.WeirMetadata;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Scale from zero, the gateway's half: the whole gateway (one Spring context) against real backends
 * on loopback, configured by a real xDS server in-process that also takes its load reports. The
 * clusters' activation metadata ({@code weir} filter metadata: {@code activatable}, {@code
 * activation_timeout_seconds}, {@code activation_error}) is written by hand until the translator
 * writes it. Each test uses revisions of its own and serves the full snapshot it needs.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "management.server.address=127.0.0.1",
      "management.server.port=0",
      "weir.node.id=scale-from-zero-test",
      "weir.node.region=us-east",
      "weir.node.zone=us-east-1a",
      "weir.xds.warming-timeout=1s",
      "weir.xds.initial-backoff=50ms",
      "weir.xds.max-backoff=500ms",
      "weir.gateway.max-request-body-bytes=1000",
      "weir.activation.timeout=3s",
      "weir.activation.max-held=3"
    })
class ScaleFromZeroTest {

  // Periodic reports far apart: a report within the test's second is an immediate one.
  static final XdsTestServer xds =
      new XdsTestServer().loadReportingInterval(Duration.ofSeconds(60));
  static final TestBackend warm = TestBackend.start("warm");
  static final List<String> echoed = new CopyOnWriteArrayList<>();
  static final AtomicInteger versions = new AtomicInteger();
  static final HttpClient http =
      HttpClient.create(
          ConnectionProvider.builder("scale")
              .maxConnections(64)
              .pendingAcquireMaxCount(-1)
              .build());
  static DisposableServer echo;

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;
  @Autowired RoutingTableHolder tables;
  @Autowired MeterRegistry registry;

  @BeforeAll
  static void startBackends() {
    // h2c: one connection, so requests reach it in the order the gateway sends them.
    echo =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .protocol(HttpProtocol.H2C)
            .handle(
                (request, response) -> {
                  echoed.add(request.uri());
                  return request
                      .receive()
                      .aggregate()
                      .asString()
                      .defaultIfEmpty("")
                      .flatMap(
                          body ->
                              response
                                  .header("x-backend", "echo")
                                  .header(
                                      "content-length",
                                      String.valueOf(body.getBytes(StandardCharsets.UTF_8).length))
                                  .sendString(Mono.just(body))
                                  .then());
                })
            .bindNow();
  }

  @AfterAll
  static void stopAll() throws Exception {
    xds.close();
    warm.close();
    echo.disposeNow();
  }

  @DynamicPropertySource
  static void xdsAddress(DynamicPropertyRegistry registry) throws Exception {
    if (xds.address().endsWith(":0")) {
      xds.start();
    }
    registry.add("weir.xds.address", xds::address);
  }

  /**
   * A revision that sits at zero, as the control plane will mark it; held for 30 s unless {@code
   * more} says otherwise, so that slow machines do not time out what a test releases.
   */
  static Cluster activatable(String name, Map<String, Object> more) {
    return activatable(name, more, true);
  }

  static Cluster activatable(String name, Map<String, Object> more, boolean http2) {
    Map<String, Object> fields = new TreeMap<>(more);
    fields.putIfAbsent(WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, 30);
    return marked(name, fields, http2);
  }

  /** A revision that sits at zero and is held for the gateway's {@code weir.activation.timeout}. */
  static Cluster activatableForTheGatewaysTimeout(String name) {
    return marked(name, Map.of(), true);
  }

  private static Cluster marked(String name, Map<String, Object> more, boolean http2) {
    ClusterName cluster = ClusterName.parse(name);
    Map<String, Object> fields = new TreeMap<>(more);
    fields.put(WeirMetadata.NAMESPACE, cluster.namespace());
    fields.put(WeirMetadata.REVISION, cluster.revision());
    fields.put(WeirMetadata.ACTIVATABLE, true);
    return XdsResources.cluster(name, Durations.fromSeconds(30), http2).toBuilder()
        .setMetadata(XdsProtos.weirMetadata(fields))
        .build();
  }

  static String host(String name) {
    ClusterName cluster = ClusterName.parse(name);
    return cluster.revision() + "." + cluster.namespace() + ".example.com";
  }

  /**
   * Serves {@code clusters} with their endpoints ({@code null}: none), a host per cluster ({@link
   * #host}) and the warm host, and waits until the gateway's table has them.
   */
  void serve(Map<Cluster, List<XdsResources.Ep>> clusters) {
    String version = "v" + versions.incrementAndGet();
    List<Cluster> all = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    List<VirtualHost> vhosts = new ArrayList<>();
    Cluster warmCluster = XdsResources.cluster("warm/w-1");
    all.add(warmCluster);
    assignments.add(assignment("warm/w-1", endpoint(warm.port())));
    vhosts.add(vhost("w-1.warm.example.com", split("warm", "w-1", 100)));
    clusters.forEach(
        (cluster, endpoints) -> {
          ClusterName name = ClusterName.parse(cluster.getName());
          all.add(cluster);
          assignments.add(assignment(cluster.getName(), endpoints.toArray(new XdsResources.Ep[0])));
          vhosts.add(vhost(host(cluster.getName()), split(name.namespace(), name.revision(), 100)));
        });
    xds.set(XdsResources.snapshot(version, all, assignments, routes(vhosts)));
    Poll.until(
        "gateway applies " + version,
        Duration.ofSeconds(30),
        () -> {
          for (Map.Entry<Cluster, List<XdsResources.Ep>> e : clusters.entrySet()) {
            Upstream upstream = tables.current().upstream(e.getKey().getName());
            if (tables.current().virtualHost(host(e.getKey().getName())) == null
                || upstream == null
                || upstream.endpointCount() != e.getValue().size()
                || upstream.spec().activation().activatable()
                    != e.getKey()
                        .getMetadata()
                        .getFilterMetadataOrThrow(WeirMetadata.FILTER_KEY)
                        .containsFields(WeirMetadata.ACTIVATABLE)
                || !upstream
                    .spec()
                    .activation()
                    .error()
                    .equals(
                        e.getKey()
                            .getMetadata()
                            .getFilterMetadataOrThrow(WeirMetadata.FILTER_KEY)
                            .getFieldsOrDefault(
                                WeirMetadata.ACTIVATION_ERROR,
                                com.google.protobuf.Value.newBuilder().setStringValue("").build())
                            .getStringValue())) {
              return false;
            }
          }
          return true;
        });
  }

  void serve(Cluster cluster, XdsResources.Ep... endpoints) {
    serve(Map.of(cluster, List.of(endpoints)));
  }

  static XdsResources.Ep echoEndpoint() {
    return endpoint(echo.port());
  }

  record Response(int status, String body, Duration took) {}

  Mono<Response> request(String host, String path) {
    return http.headers(h -> h.set("Host", host))
        .get()
        .uri("http://127.0.0.1:" + port + path)
        .responseSingle(
            (res, body) ->
                body.asString()
                    .defaultIfEmpty("")
                    .map(text -> new Response(res.status().code(), text, Duration.ZERO)));
  }

  Response get(String host, String path) {
    long started = System.nanoTime();
    Response r = requireNonNull(request(host, path).block(Duration.ofSeconds(30)));
    return new Response(r.status(), r.body(), Duration.ofNanos(System.nanoTime() - started));
  }

  double held(String revision) {
    Gauge gauge = registry.find(Activator.HELD).tag("revision", revision).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  double rejections(String revision, String reason) {
    Counter counter =
        registry
            .find(Activator.REJECTIONS)
            .tag("revision", revision)
            .tag("reason", reason)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  void awaitHeld(String revision, int n) {
    Poll.until(revision + " holds " + n, Duration.ofSeconds(10), () -> held(revision) == n);
  }

  /** A raw HTTP/1.1 connection that sent a request and waits. */
  static final class RawClient implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final BufferedReader in;

    RawClient(int port, String head) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      out = socket.getOutputStream();
      in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      send(head);
    }

    void send(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** The status line and the body (by Content-Length) of the next response. */
    String[] response() throws IOException {
      String status = in.readLine();
      int length = 0;
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      char[] body = new char[length];
      int read = 0;
      while (read < length) {
        int n = in.read(body, read, length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      return new String[] {status, new String(body, 0, read)};
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static String head(String host, String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
  }

  @Test
  void heldRequestsAreReleasedInArrivalOrderWhenEndpointsArrive() {
    String revision = "order/cold-1";
    Cluster cluster = activatable(revision, Map.of());
    // The gateway's h2c connection to the backend is open before the release.
    serve(
        Map.of(cluster, List.of(), activatable("order/warm-1", Map.of()), List.of(echoEndpoint())));
    assertThat(get(host("order/warm-1"), "/0").status()).isEqualTo(200);
    List<Response> answers = new CopyOnWriteArrayList<>();
    List<reactor.core.Disposable> subscriptions = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      subscriptions.add(request(host(revision), "/" + i).subscribe(answers::add));
      awaitHeld(revision, i);
    }
    assertThat(answers).as("held, not answered").isEmpty();
    echoed.clear();
    serve(
        Map.of(
            cluster,
            List.of(echoEndpoint()),
            activatable("order/warm-1", Map.of()),
            List.of(echoEndpoint())));
    Poll.until("all answered", Duration.ofSeconds(10), () -> answers.size() == 3);
    assertThat(answers).extracting(Response::status).containsOnly(200);
    // The gateway releases them in arrival order (ActivatorTest pins that); streams and
    // connections opened at once may still reach the backend in another order.
    assertThat(echoed).containsExactlyInAnyOrder("/1", "/2", "/3");
    assertThat(held(revision)).isZero();
    Timer coldStart = registry.find(Activator.COLD_START).tag("revision", revision).timer();
    assertThat(requireNonNull(coldStart).count()).isEqualTo(3);
    subscriptions.forEach(reactor.core.Disposable::dispose);
    // Warm now: no longer through the queue.
    assertThat(get(host(revision), "/4").status()).isEqualTo(200);
    assertThat(coldStart.count()).isEqualTo(3);
  }

  @Test
  void aReleasedRequestGoesOnTheConnectionOpenedAheadOfIt() throws Exception {
    String revision = "early/cold-1";
    // HTTP/1.1: a connection per request in flight, opened by the request unless one waits.
    Cluster cluster = activatable(revision, Map.of(), false);
    try (TestBackend woken = TestBackend.start("woken")) {
      serve(Map.of(cluster, List.of()));
      java.util.concurrent.CompletableFuture<Response> answer =
          request(host(revision), "/").toFuture();
      awaitHeld(revision, 1);
      assertThat(woken.connections()).isZero();
      serve(Map.of(cluster, List.of(endpoint(woken.port()))));
      assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(woken.hits()).isEqualTo(1);
      // The gateway's pool held the connection opened when the endpoint arrived; the request
      // took it rather than connecting on its own (PreconnectorTest pins that the release waits
      // for it).
      assertThat(woken.connections()).isEqualTo(1);
    }
  }

  @Test
  void timeoutAnswersAfterTheRevisionsOwnOrTheGatewaysTimeout() {
    String own = "timeout/cold-own";
    String gateways = "timeout/cold-default";
    serve(
        Map.of(
            activatable(own, Map.of(WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, 1)),
            List.of(),
            activatableForTheGatewaysTimeout(gateways),
            List.of()));
    Response r = get(host(own), "/");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("revision timeout/cold-own did not become ready within 1s\n");
    assertThat(r.took()).isBetween(Duration.ofMillis(950), Duration.ofMillis(2900));
    r = get(host(gateways), "/");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.body())
        .isEqualTo("revision timeout/cold-default did not become ready within 3s\n");
    assertThat(r.took()).isBetween(Duration.ofMillis(2950), Duration.ofMillis(6000));
    assertThat(rejections(own, "timeout")).isEqualTo(1);
    assertThat(rejections(gateways, "timeout")).isEqualTo(1);
    assertThat(held(own)).isZero();
    // The gateway's own answers never count against the revision.
    Upstream upstream = requireNonNull(tables.current().upstream(own));
    assertThat(upstream.circuitBreaker().getMetrics().getNumberOfBufferedCalls()).isZero();
  }

  @Test
  void aFullQueueAnswersAtOnce() throws Exception {
    String revision = "full/cold-f";
    serve(activatable(revision, Map.of()));
    assertThat(get("w-1.warm.example.com", "/").status()).isEqualTo(200);
    List<RawClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        clients.add(new RawClient(port, head(host(revision), "/" + i)));
        awaitHeld(revision, i + 1);
      }
      Response r = get(host(revision), "/over");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("too many requests waiting for revision full/cold-f\n");
      assertThat(r.took()).as("at once, not after the timeout").isLessThan(Duration.ofMillis(2500));
      assertThat(rejections(revision, "queue_full")).isEqualTo(1);
      assertThat(held(revision)).isEqualTo(3);
    } finally {
      for (RawClient client : clients) {
        client.close();
      }
    }
  }

  @Test
  void aClientThatGoesAwayLeavesTheQueueAtOnce() throws Exception {
    String revision = "cancel/cold-c";
    serve(activatable(revision, Map.of()));
    try (RawClient staying = new RawClient(port, head(host(revision), "/stays"))) {
      awaitHeld(revision, 1);
      RawClient leaving = new RawClient(port, head(host(revision), "/leaves"));
      awaitHeld(revision, 2);
      leaving.close();
      Poll.until("the gauge drops", Duration.ofSeconds(2), () -> held(revision) == 1);
      serve(activatable(revision, Map.of()), echoEndpoint());
      String[] answer = staying.response();
      assertThat(answer[0]).isEqualTo("HTTP/1.1 200 OK");
      assertThat(rejections(revision, "timeout")).isZero();
    }
  }

  @Test
  void warmTrafficNeverPassesThroughTheQueue() throws Exception {
    String revision = "mixed/cold-m";
    serve(activatable(revision, Map.of()));
    try (RawClient waiting = new RawClient(port, head(host(revision), "/"))) {
      awaitHeld(revision, 1);
      for (int i = 0; i < 20; i++) {
        Response r = get("w-1.warm.example.com", "/");
        assertThat(r.status()).isEqualTo(200);
      }
      assertThat(registry.find(Activator.HELD).tag("revision", "warm/w-1").gauge()).isNull();
      assertThat(registry.find(Activator.COLD_START).tag("revision", "warm/w-1").timer()).isNull();
      assertThat(held(revision)).isEqualTo(1);
    }
  }

  @Test
  void aBodyOverTheLimitAnswers413WhileHeld() throws Exception {
    String revision = "body/cold-b";
    serve(activatable(revision, Map.of()));
    String chunk = "x".repeat(600);
    try (RawClient client =
        new RawClient(
            port,
            "POST /big HTTP/1.1\r\nHost: "
                + host(revision)
                + "\r\nTransfer-Encoding: chunked\r\n\r\n")) {
      awaitHeld(revision, 1);
      client.send(Integer.toHexString(600) + "\r\n" + chunk + "\r\n");
      client.send(Integer.toHexString(600) + "\r\n" + chunk + "\r\n0\r\n\r\n");
      String[] answer = client.response();
      assertThat(answer[0]).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
      assertThat(answer[1]).isEqualTo("request body larger than 1000 bytes\n");
    }
    assertThat(held(revision)).isZero();
    try (RawClient client =
        new RawClient(
            port,
            "POST /big HTTP/1.1\r\nHost: " + host(revision) + "\r\nContent-Length: 1001\r\n\r\n")) {
      assertThat(client.response()[0]).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
    }
  }

  @Test
  void expectContinueIsAnsweredAtOnceAndTheBodyKeptWhileHeld() throws Exception {
    String revision = "expect/cold-x";
    serve(activatable(revision, Map.of()));
    try (RawClient client =
        new RawClient(
            port,
            "POST /e HTTP/1.1\r\nHost: "
                + host(revision)
                + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")) {
      assertThat(client.in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(client.in.readLine()).isEmpty();
      client.send("hello");
      awaitHeld(revision, 1);
      serve(activatable(revision, Map.of()), echoEndpoint());
      String[] answer = client.response();
      assertThat(answer[0]).isEqualTo("HTTP/1.1 200 OK");
      assertThat(answer[1]).isEqualTo("hello");
    }
  }

  @Test
  void aWebSocketUpgradeIsHeldLikeAnyRequest() throws Exception {
    String revision = "ws/cold-w";
    DisposableServer ws =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes.ws(
                        "/ws",
                        (in, out) ->
                            out.sendString(in.receive().asString().map(text -> "echo:" + text))))
            .bindNow();
    try {
      Cluster cluster = activatable(revision, Map.of(), false);
      serve(cluster);
      java.util.concurrent.CompletableFuture<String> answer =
          HttpClient.create()
              .headers(h -> h.set("Host", host(revision)))
              .websocket()
              .uri("ws://127.0.0.1:" + port + "/ws")
              .handle(
                  (in, out) ->
                      Mono.from(out.sendString(Mono.just("hi")))
                          .thenMany(in.receive().asString().take(1)))
              .next()
              .toFuture();
      awaitHeld(revision, 1);
      assertThat(answer).isNotDone();
      serve(cluster, endpoint(ws.port()));
      assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("echo:hi");
    } finally {
      ws.disposeNow();
    }
  }

  @Test
  void aRevisionThatCannotBeWokenAnswersAtOnce() throws Exception {
    String revision = "error/cold-e";
    serve(activatable(revision, Map.of()));
    try (RawClient waiting = new RawClient(port, head(host(revision), "/"))) {
      awaitHeld(revision, 1);
      serve(
          activatable(
              revision, Map.of(WeirMetadata.ACTIVATION_ERROR, "deployment/cold-e not found")));
      String[] answer = waiting.response();
      assertThat(answer[0]).isEqualTo("HTTP/1.1 503 Service Unavailable");
      assertThat(answer[1])
          .isEqualTo("revision error/cold-e cannot be woken: deployment/cold-e not found\n");
    }
    Response r = get(host(revision), "/");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.body())
        .isEqualTo("revision error/cold-e cannot be woken: deployment/cold-e not found\n");
    assertThat(r.took()).as("at once, not after the timeout").isLessThan(Duration.ofMillis(2500));
    assertThat(held(revision)).isZero();
  }

  @Test
  void theFirstHeldRequestIsReportedAtOnce() throws Exception {
    String revision = "lrs/cold-r";
    serve(activatable(revision, Map.of()));
    Poll.until(
        "the load reporting stream is up",
        Duration.ofSeconds(10),
        () -> !xds.loadReports().isEmpty());
    Thread.sleep(200);
    Instant sent = Instant.now();
    try (RawClient waiting = new RawClient(port, head(host(revision), "/"))) {
      Poll.until(
          "a report with the held request",
          Duration.ofSeconds(5),
          () -> heldInReport(revision, sent) != null);
      XdsTestServer.LoadReport report = requireNonNull(heldInReport(revision, sent));
      // The periodic report is 60 s away: anything well short of it was sent on demand (the
      // bound leaves room for a loaded test machine; the speed itself is loadtest's).
      assertThat(Duration.between(sent, report.received())).isLessThan(Duration.ofSeconds(5));
      EndpointLoadMetricStats metric = requireNonNull(heldMetric(report, revision));
      assertThat(metric.getTotalMetricValue()).isEqualTo(1.0);
      assertThat(metric.getNumRequestsFinishedWithMetric()).isEqualTo(1);
    }
  }

  private static XdsTestServer.@Nullable LoadReport heldInReport(String revision, Instant after) {
    for (XdsTestServer.LoadReport report : xds.loadReports()) {
      if (!report.received().isBefore(after) && heldMetric(report, revision) != null) {
        return report;
      }
    }
    return null;
  }

  private static @Nullable EndpointLoadMetricStats heldMetric(
      XdsTestServer.LoadReport report, String revision) {
    for (ClusterStats stats : report.request().getClusterStatsList()) {
      if (!stats.getClusterName().equals(revision)) {
        continue;
      }
      for (UpstreamLocalityStats locality : stats.getUpstreamLocalityStatsList()) {
        if (!locality.getLocality().getSubZone().isEmpty()) {
          continue;
        }
        for (EndpointLoadMetricStats metric : locality.getLoadMetricStatsList()) {
          if (metric.getMetricName().equals(LoadReports.HELD_REQUESTS_METRIC)) {
            return metric;
          }
        }
      }
    }
    return null;
  }

  @Test
  void metricsAreExportedUnderTheirPrometheusNames() throws Exception {
    String revision = "metrics/cold-p";
    serve(activatable(revision, Map.of()));
    try (RawClient waiting = new RawClient(port, head(host(revision), "/"))) {
      awaitHeld(revision, 1);
      String prometheus =
          requireNonNull(
              HttpClient.create()
                  .get()
                  .uri("http://127.0.0.1:" + managementPort + "/actuator/prometheus")
                  .responseContent()
                  .aggregate()
                  .asString()
                  .block(Duration.ofSeconds(10)));
      assertThat(prometheus)
          .contains("weir_gateway_held_requests{revision=\"metrics/cold-p\"} 1.0")
          .contains("weir_gateway_cold_start_seconds_bucket{")
          .contains(
              "weir_gateway_held_rejections_total{reason=\"queue_full\",revision=\"metrics/cold-p\"} 0.0")
          .contains(
              "weir_gateway_held_rejections_total{reason=\"timeout\",revision=\"metrics/cold-p\"} 0.0");
    }
  }
}
