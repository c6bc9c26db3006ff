package dev.weir.xds.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.Poll;
import dev.weir.testing.ProxylessGrpc;
import dev.weir.xds.server.XdsServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The LRS server against grpc-java's proxyless xDS client: the clusters the translator emits name
 * the server as {@code lrs_server}, so the client reports its calls; the store must see them per
 * revision and per Weir cluster (the locality's {@code sub_zone}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LrsProxylessGrpcTest {

  static final Locality EAST = new Locality("us-east", "us-east-1a");
  static final Locality WEST = new Locality("us-west", "us-west-1a");
  static final String HOST = "hello.default.example.com";
  static final String CANARY_HOST = "canary.default.example.com";
  static final String SCHEME = "weir-lrs-e2e";

  /** A method the backends do not have: every call fails with UNIMPLEMENTED. */
  static final MethodDescriptor<String, String> MISSING =
      ProxylessGrpc.WHO.toBuilder().setFullMethodName("weir.test.Backend/Missing").build();

  @SuppressWarnings("NullAway.Init") // @BeforeAll
  XdsServer xds;

  @SuppressWarnings("NullAway.Init")
  ManagedChannel main;

  @SuppressWarnings("NullAway.Init")
  ManagedChannel canary;

  @SuppressWarnings("NullAway.Init")
  List<Server> backends;

  @BeforeAll
  void start() throws IOException {
    backends =
        List.of(
            ProxylessGrpc.startBackend("b1"),
            ProxylessGrpc.startBackend("b2"),
            ProxylessGrpc.startBackend("b3"));
    xds = XdsServer.builder().port(0).loadReportingInterval(Duration.ofMillis(200)).build().start();
    ProxylessGrpc.registerScheme(
        SCHEME, ProxylessGrpc.bootstrap(xds.port(), "grpc-lrs", "e2e", EAST.region(), EAST.zone()));
    // hello-00001: b1 in cluster east, b2 in cluster east-2, both in the viewer's zone;
    // hello-00002: b3 in the west.
    Upstream r1 =
        new Upstream(
            "default",
            "hello-00001",
            Protocol.HTTP2,
            List.of(endpoint(0, "east", EAST), endpoint(1, "east-2", EAST)));
    Upstream r2 =
        new Upstream("default", "hello-00002", Protocol.HTTP2, List.of(endpoint(2, "west", WEST)));
    RouteRef route = new RouteRef("east", "default", "hello", 1);
    xds.publish(
        new TrafficModel(
            1,
            List.of(
                new VirtualHost(
                    HOST, route, List.of(), List.of(new WeightedUpstream(r1.name(), 100))),
                new VirtualHost(
                    CANARY_HOST, route, List.of(), List.of(new WeightedUpstream(r2.name(), 100)))),
            List.of(r1, r2)));
    main = ProxylessGrpc.channel(SCHEME, HOST);
    canary = ProxylessGrpc.channel(SCHEME, CANARY_HOST);
  }

  Endpoint endpoint(int backend, String cluster, Locality locality) {
    return new Endpoint("127.0.0.1", backends.get(backend).getPort(), cluster, locality, false);
  }

  @AfterAll
  void stop() throws InterruptedException {
    for (ManagedChannel channel : new ManagedChannel[] {main, canary}) {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    if (xds != null) {
      xds.close();
    }
    if (backends != null) {
      for (Server backend : backends) {
        backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void storeSeesEveryCallPerRevisionAndWeirCluster() {
    Instant from = Instant.now();
    Duration patience = Duration.ofSeconds(20);
    for (int i = 0; i < 40; i++) {
      ProxylessGrpc.who(main, patience, () -> "data planes: " + xds.dataPlanes());
    }
    for (int i = 0; i < 10; i++) {
      try {
        ClientCalls.blockingUnaryCall(
            main, MISSING, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
        throw new AssertionError("expected UNIMPLEMENTED");
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      }
    }
    for (int i = 0; i < 20; i++) {
      ProxylessGrpc.who(canary, patience, () -> "data planes: " + xds.dataPlanes());
    }

    LoadStore store = xds.loadStore();
    Poll.eventually(
        () -> {
          Instant to = Instant.now();
          LoadWindow hello = store.window("default", "hello-00001", from, to);
          assertThat(hello.total())
              .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
              .containsExactly(50L, 40L, 10L);
          assertThat(hello.byCluster()).containsOnlyKeys("east", "east-2");
          assertThat(hello.cluster("east").requests() + hello.cluster("east-2").requests())
              .isEqualTo(50);
          assertThat(hello.cluster("east").requests()).as("both clusters served").isPositive();
          assertThat(hello.cluster("east-2").requests()).as("both clusters served").isPositive();

          LoadWindow canaryWindow = store.window("default", "hello-00002", from, to);
          assertThat(canaryWindow.total())
              .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
              .containsExactly(20L, 20L, 0L);
          assertThat(canaryWindow.byCluster()).containsOnlyKeys("west");
          assertThat(canaryWindow.total().latency().count())
              .as("proxyless gRPC reports no latency buckets")
              .isZero();
        });
  }
}
