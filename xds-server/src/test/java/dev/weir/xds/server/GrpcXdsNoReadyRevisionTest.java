package dev.weir.xds.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

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
import dev.weir.xds.DataPlane;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A Route without a ready revision beside a served one, against grpc-java's proxyless xDS client
 * (grpc-xds): Envoy and the gateway get a {@code direct_response} 503 for it, which grpc-java
 * cannot read and for which it rejects the whole {@code weir-http}; proxyless clients are routed to
 * a cluster without endpoints instead, so the served host keeps working and a call to the other
 * fails UNAVAILABLE naming that cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcXdsNoReadyRevisionTest {

  static final Locality EAST = Models.EAST;
  static final String HOST = "hello.default.example.com";
  static final String DOWN = "down.default.example.com";
  static final String SCHEME = "weir-noready-xds";
  static final String NODE_ID = "grpc-noready";

  @SuppressWarnings("NullAway.Init")
  Server b1;

  @SuppressWarnings("NullAway.Init")
  XdsServer xds;

  @BeforeAll
  void start() throws IOException {
    b1 = ProxylessGrpc.startBackend("b1");
    xds = XdsServer.builder().port(0).build().start();
    ProxylessGrpc.registerScheme(
        SCHEME, ProxylessGrpc.bootstrap(xds.port(), NODE_ID, "e2e", EAST.region(), EAST.zone()));
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (xds != null) {
      xds.close();
    }
    if (b1 != null) {
      b1.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  TrafficModel model() {
    Upstream r1 =
        new Upstream(
            "default",
            "r1",
            Protocol.HTTP2,
            List.of(new Endpoint("127.0.0.1", b1.getPort(), "east", EAST, false)));
    VirtualHost served =
        new VirtualHost(
            HOST,
            new RouteRef("east", "default", "hello", 1),
            List.of(),
            List.of(new WeightedUpstream(r1.name(), 100)));
    VirtualHost down =
        new VirtualHost(DOWN, new RouteRef("east", "default", "down", 1), List.of(), List.of());
    return new TrafficModel(1, List.of(served, down), List.of(r1));
  }

  @Test
  void aRouteWithoutAReadyRevisionBreaksOnlyItsOwnHost() throws InterruptedException {
    xds.publish(model());
    ManagedChannel main = ProxylessGrpc.channel(SCHEME, HOST);
    ManagedChannel down = ProxylessGrpc.channel(SCHEME, DOWN);
    try {
      assertThat(
              ProxylessGrpc.who(
                  main, Duration.ofSeconds(60), () -> "data planes: " + xds.dataPlanes()))
          .isEqualTo("b1");
      Poll.until(
          NODE_ID + " applied model 1",
          () ->
              xds.dataPlanes().stream()
                  .anyMatch(d -> d.nodeId().equals(NODE_ID) && d.appliedModelRevision() >= 1));
      DataPlane plane =
          xds.dataPlanes().stream()
              .filter(d -> d.nodeId().equals(NODE_ID))
              .findFirst()
              .orElseThrow();
      assertThat(plane.lastNack()).as("grpc-java accepted everything").isEmpty();

      Throwable failed =
          catchThrowable(() -> ProxylessGrpc.who(down, Duration.ofSeconds(30), () -> ""));
      assertThat(failed).hasCauseInstanceOf(StatusRuntimeException.class);
      Status status = Status.fromThrowable(failed);
      assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("weir/no_ready_revision");
    } finally {
      main.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      down.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
