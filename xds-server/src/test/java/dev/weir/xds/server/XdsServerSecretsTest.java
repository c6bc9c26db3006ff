package dev.weir.xds.server;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.HOST;
import static dev.weir.xds.server.Models.node;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.model.TrafficModel;
import dev.weir.testing.DeltaClient;
import dev.weir.testing.Poll;
import dev.weir.testing.SotwClient;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** SDS over ADS: who gets the secrets and the weir-https listener, and rotation by SDS alone. */
class XdsServerSecretsTest {

  static final String SECRET = XdsProtos.SECRET_TYPE_URL;
  static final String CERT_NAME = "default/hello-tls";
  static final Duration QUIET = Duration.ofMillis(700);

  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final List<AutoCloseable> closing = new ArrayList<>();

  @SuppressWarnings("NullAway.Init") // started by each test
  XdsServer server;

  @AfterEach
  void stop() throws Exception {
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  static String keyPem(String marker) {
    return "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
        + marker
        + "\n-----END PRIVATE KEY-----\n";
  }

  static TrafficModel withCertificate(long revision, String keyMarker) {
    TrafficModel base = Models.threeWay(revision, "10.0.0.1");
    Certificate certificate =
        new Certificate(
            CERT_NAME,
            "-----BEGIN CERTIFICATE-----\nchain-" + keyMarker + "\n-----END CERTIFICATE-----\n",
            keyPem(keyMarker),
            List.of(HOST),
            true);
    return new TrafficModel(
        revision,
        base.virtualHosts(),
        base.upstreams(),
        List.of(certificate),
        HttpOption.REDIRECTED);
  }

  XdsServer start(String bindAddress) {
    return start(bindAddress, StreamTransport.LOOPBACK);
  }

  XdsServer start(String bindAddress, Predicate<SocketAddress> localPeer) {
    server =
        XdsServer.builder()
            .bindAddress(bindAddress)
            .localPeer(localPeer)
            .port(0)
            .httpsListenerPort(9443)
            .meterRegistry(meters)
            .build()
            .start();
    closing.add(server);
    return server;
  }

  ManagedChannel channel(String address) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(address, server.port()).usePlaintext().build();
    closing.add(channel::shutdownNow);
    return channel;
  }

  static List<String> listenerNames(DiscoveryResponse response)
      throws InvalidProtocolBufferException {
    List<String> names = new ArrayList<>();
    for (var any : response.getResourcesList()) {
      names.add(any.unpack(Listener.class).getName());
    }
    return names;
  }

  @Test
  void envoyOnLoopbackGetsTheSecretAndTheHttpsListenerAndAcks() throws Exception {
    start("127.0.0.1").publish(withCertificate(1, "first"));
    SotwClient envoy = new SotwClient(channel("127.0.0.1"), node("envoy-1", "envoy", EAST));
    closing.add(envoy);

    DiscoveryResponse lds = envoy.subscribe(V3.LISTENER_TYPE_URL).next(V3.LISTENER_TYPE_URL);
    assertThat(listenerNames(lds)).containsExactly("weir-http", "weir-https");
    Listener https = lds.getResources(1).unpack(Listener.class);
    assertThat(https.getAddress().getSocketAddress().getPortValue()).isEqualTo(9443);
    assertThat(https.getFilterChains(0).getFilterChainMatch().getServerNamesList())
        .containsExactly(HOST);
    envoy.ack(lds);

    DiscoveryResponse rds = envoy.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
    var vhost = rds.getResources(0).unpack(RouteConfiguration.class).getVirtualHosts(0);
    assertThat(vhost.getRequireTls())
        .isEqualTo(io.envoyproxy.envoy.config.route.v3.VirtualHost.TlsRequirementType.ALL);
    envoy.ack(rds, "weir-http");

    DiscoveryResponse sds = envoy.subscribe(SECRET, CERT_NAME).next(SECRET);
    Secret secret = sds.getResources(0).unpack(Secret.class);
    assertThat(secret.getName()).isEqualTo(CERT_NAME);
    assertThat(secret.getTlsCertificate().getPrivateKey().getInlineString())
        .isEqualTo(keyPem("first"));
    envoy.ack(sds, CERT_NAME);

    Poll.until(
        "the secret is ACKed",
        () ->
            server.dataPlanes().stream()
                .anyMatch(
                    d ->
                        d.nodeId().equals("envoy-1")
                            && d.ackedVersions().containsKey(SECRET)
                            && d.appliedModelRevision() == 1));
    assertThat(server.dataPlanes().get(0).lastNack()).isEmpty();

    // Rotation: new content under the same name is one new Secret, and nothing else is re-sent.
    server.publish(withCertificate(2, "second"));
    DiscoveryResponse rotated = envoy.next(SECRET);
    assertThat(rotated.getResourcesCount()).isEqualTo(1);
    assertThat(rotated.getVersionInfo()).isNotEqualTo(sds.getVersionInfo());
    assertThat(
            rotated
                .getResources(0)
                .unpack(Secret.class)
                .getTlsCertificate()
                .getPrivateKey()
                .getInlineString())
        .isEqualTo(keyPem("second"));
    envoy.ack(rotated, CERT_NAME);
    envoy.expectNothingFor(QUIET);
    Poll.until(
        "the rotated secret is applied",
        () ->
            server.dataPlanes().stream()
                .anyMatch(d -> d.nodeId().equals("envoy-1") && d.appliedModelRevision() == 2));
  }

  @Test
  void gatewayOverDeltaGetsTheSecretAndTheHttpsListener() throws Exception {
    start("127.0.0.1").publish(withCertificate(1, "first"));
    DeltaClient gateway =
        new DeltaClient(channel("127.0.0.1"), node("gateway-1", "weir-gateway", EAST));
    closing.add(gateway);

    DeltaDiscoveryResponse lds =
        gateway.subscribe(V3.LISTENER_TYPE_URL, "weir-https").next(V3.LISTENER_TYPE_URL);
    assertThat(lds.getResourcesCount()).isEqualTo(1);
    Listener https = lds.getResources(0).getResource().unpack(Listener.class);
    assertThat(https.getName()).isEqualTo("weir-https");
    assertThat(https.hasDefaultFilterChain()).as("the fallback certificate").isTrue();
    gateway.ack(lds);

    // A wildcard: the gateway wants every secret (the server makes Delta treat Secret as a
    // wildcard type, which java-control-plane alone does not).
    DeltaDiscoveryResponse sds = gateway.subscribe(SECRET).next(SECRET);
    assertThat(sds.getResourcesCount()).isEqualTo(1);
    assertThat(sds.getResources(0).getName()).isEqualTo(CERT_NAME);
    gateway.ack(sds);

    server.publish(withCertificate(2, "second"));
    DeltaDiscoveryResponse rotated = gateway.next(SECRET);
    assertThat(rotated.getResourcesCount()).isEqualTo(1);
    assertThat(
            rotated
                .getResources(0)
                .getResource()
                .unpack(Secret.class)
                .getTlsCertificate()
                .getPrivateKey()
                .getInlineString())
        .isEqualTo(keyPem("second"));
    gateway.ack(rotated);
    gateway.expectNothingFor(QUIET);
    Poll.until(
        "the rotation is applied without a NACK",
        () ->
            server.dataPlanes().stream()
                .anyMatch(
                    d ->
                        d.nodeId().equals("gateway-1")
                            && d.appliedModelRevision() == 2
                            && d.lastNack().isEmpty()));

    // No certificate any more: the listener goes first; the secret it named only once the
    // gateway ACKed the listener's removal (make-before-break), never in the same snapshot.
    server.publish(Models.threeWay(3, "10.0.0.1"));
    DeltaDiscoveryResponse listenerGone = gateway.next(V3.LISTENER_TYPE_URL);
    assertThat(listenerGone.getRemovedResourcesList()).containsExactly("weir-https");
    gateway.expectNothingFor(QUIET);
    gateway.ack(listenerGone);
    DeltaDiscoveryResponse secretGone = gateway.next(SECRET);
    assertThat(secretGone.getResourcesCount()).isZero();
    assertThat(secretGone.getRemovedResourcesList()).containsExactly(CERT_NAME);
    gateway.ack(secretGone);
    gateway.expectNothingFor(QUIET);
  }

  @Test
  void deltaSubscriptionByNameGetsThatSecret() throws Exception {
    start("127.0.0.1").publish(withCertificate(1, "first"));
    DeltaClient gateway =
        new DeltaClient(channel("127.0.0.1"), node("gateway-3", "weir-gateway", EAST));
    closing.add(gateway);

    DeltaDiscoveryResponse sds = gateway.subscribe(SECRET, CERT_NAME).next(SECRET);
    assertThat(sds.getResourcesCount()).isEqualTo(1);
    assertThat(sds.getResources(0).getName()).isEqualTo(CERT_NAME);
    gateway.ack(sds);
    gateway.expectNothingFor(QUIET);
  }

  @Test
  void gatewayWithoutCertificatesStillAppliesTheModel() throws Exception {
    // The gateway always asks for weir-https and its secrets; with no certificate nothing is
    // answered for them, and that must not hold its applied revision at 0.
    start("127.0.0.1").publish(Models.threeWay(1, "127.0.0.1"));
    DeltaClient gateway =
        new DeltaClient(channel("127.0.0.1"), node("gateway-plain", "weir-gateway", EAST));
    closing.add(gateway);
    gateway.subscribe(V3.LISTENER_TYPE_URL, "weir-https");
    gateway.subscribe(SECRET);
    DeltaDiscoveryResponse cds = gateway.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
    gateway.ack(cds);
    DeltaDiscoveryResponse rds =
        gateway.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
    gateway.ack(rds);
    List<String> clusters = cds.getResourcesList().stream().map(r -> r.getName()).toList();
    DeltaDiscoveryResponse eds =
        gateway
            .subscribe(V3.ENDPOINT_TYPE_URL, clusters.toArray(String[]::new))
            .next(V3.ENDPOINT_TYPE_URL);
    gateway.ack(eds);
    Poll.until(
        "the gateway applied revision 1",
        () ->
            server.dataPlanes().stream()
                .anyMatch(
                    d -> d.nodeId().equals("gateway-plain") && d.appliedModelRevision() == 1));
  }

  @Test
  void gatewayOverSotwGetsEverySecretByWildcard() throws Exception {
    start("127.0.0.1").publish(withCertificate(1, "first"));
    SotwClient gateway =
        new SotwClient(channel("127.0.0.1"), node("gateway-2", "weir-gateway", EAST));
    closing.add(gateway);

    DiscoveryResponse lds =
        gateway.subscribe(V3.LISTENER_TYPE_URL, "weir-https").next(V3.LISTENER_TYPE_URL);
    assertThat(listenerNames(lds)).containsExactly("weir-https");
    gateway.ack(lds, "weir-https");
    DiscoveryResponse sds = gateway.subscribe(SECRET).next(SECRET);
    assertThat(sds.getResourcesCount()).isEqualTo(1);
    assertThat(sds.getResources(0).unpack(Secret.class).getName()).isEqualTo(CERT_NAME);
    gateway.ack(sds);
    Poll.until(
        "the gateway applied revision 1",
        () ->
            server.dataPlanes().stream()
                .anyMatch(
                    d ->
                        d.nodeId().equals("gateway-2")
                            && d.appliedModelRevision() == 1
                            && d.lastNack().isEmpty()));
  }

  @Test
  void plaintextStreamFromARemotePeerGetsNoSecretAndNoHttpsListener() throws Exception {
    // The server is told that no peer is local, so this loopback stream plays a remote one.
    start("127.0.0.1", peer -> false).publish(withCertificate(1, "first"));
    SotwClient envoy = new SotwClient(channel("127.0.0.1"), node("envoy-far", "envoy", EAST));
    closing.add(envoy);

    DiscoveryResponse lds = envoy.subscribe(V3.LISTENER_TYPE_URL).next(V3.LISTENER_TYPE_URL);
    assertThat(listenerNames(lds)).containsExactly("weir-http");
    envoy.ack(lds);
    DiscoveryResponse rds = envoy.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
    var vhost = rds.getResources(0).unpack(RouteConfiguration.class).getVirtualHosts(0);
    assertThat(vhost.getRequireTls())
        .as("no redirect to an HTTPS listener this node does not have")
        .isEqualTo(io.envoyproxy.envoy.config.route.v3.VirtualHost.TlsRequirementType.NONE);
    envoy.ack(rds, "weir-http");

    // A wildcard SDS subscription may be answered, but never with a secret.
    envoy.subscribe(SECRET);
    long deadline = System.nanoTime() + QUIET.toNanos() * 2;
    while (System.nanoTime() < deadline) {
      DiscoveryResponse response = envoy.poll(QUIET);
      if (response != null) {
        assertThat(response.getTypeUrl()).isEqualTo(SECRET);
        assertThat(response.getResourcesCount()).isZero();
      }
    }
  }

  @Test
  void privateKeysNeverReachLogsMetricsOrDataPlaneReports() throws Exception {
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    List<Logger> raised =
        List.of(
            (Logger) LoggerFactory.getLogger("dev.weir"),
            (Logger) LoggerFactory.getLogger("io.envoyproxy"),
            (Logger) LoggerFactory.getLogger("io.grpc"));
    List<Level> before = raised.stream().map(Logger::getLevel).toList();
    root.addAppender(captured);
    raised.forEach(l -> l.setLevel(Level.ALL));
    try {
      start("127.0.0.1").publish(withCertificate(1, "keymaterialone"));
      SotwClient envoy = new SotwClient(channel("127.0.0.1"), node("envoy-log", "envoy", EAST));
      closing.add(envoy);
      DiscoveryResponse sds = envoy.subscribe(SECRET, CERT_NAME).next(SECRET);
      assertThat(
              sds.getResources(0)
                  .unpack(Secret.class)
                  .getTlsCertificate()
                  .getPrivateKey()
                  .getInlineString())
          .contains("keymaterialone");
      envoy.nack(sds, "", "cannot load " + CERT_NAME, CERT_NAME);
      server.publish(withCertificate(2, "keymaterialtwo"));
      DiscoveryResponse next = envoy.next(SECRET);
      envoy.ack(next, CERT_NAME);
      Poll.until(
          "applied",
          () -> server.dataPlanes().stream().anyMatch(d -> d.appliedModelRevision() == 2));
    } finally {
      root.detachAppender(captured);
      for (int i = 0; i < raised.size(); i++) {
        raised.get(i).setLevel(before.get(i));
      }
    }

    // gRPC and server threads may still be appending: take the events under the appender's lock
    // (AppenderBase.doAppend holds it), after stopping it.
    List<ILoggingEvent> events;
    synchronized (captured) {
      captured.stop();
      events = List.copyOf(captured.list);
    }
    assertThat(events).as("something was logged at debug level").isNotEmpty();
    for (ILoggingEvent event : events) {
      String text =
          event.getFormattedMessage()
              + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
      assertThat(text).doesNotContain("keymaterial").doesNotContain("PRIVATE KEY");
    }
    for (Meter meter : meters.getMeters()) {
      assertThat(meter.getId().toString()).doesNotContain("keymaterial");
    }
    assertThat(server.dataPlanes().toString()).doesNotContain("keymaterial");
  }
}
